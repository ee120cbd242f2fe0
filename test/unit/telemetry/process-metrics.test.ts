// The process gauges (src/telemetry/process-metrics.ts) as a Prometheus scrape serves them: one
// reading per collection, under the names docs/telemetry.md's table gives, and the near-limit gauge
// at 0 until the heap watch reports a crossing.
import t from 'tap';
import { toPrometheusName } from '../../../src/docs/metrics-table.ts';
import type { HeapReading } from '../../../src/runtime/heap-watch.ts';
import {
  PROCESS_HEAP_LIMIT,
  PROCESS_HEAP_NEAR_LIMIT,
  PROCESS_HEAP_USED,
  PROCESS_MEMORY_RSS,
} from '../../../src/telemetry/metric-definitions.ts';
import { createProcessMetrics } from '../../../src/telemetry/process-metrics.ts';
import { sample, startInProcessTelemetry } from './in-process.ts';

const telemetry = await startInProcessTelemetry(t);
let reads = 0;
let current: HeapReading = { usedBytes: 100, limitBytes: 1000, rssBytes: 5000 };
const processMetrics = createProcessMetrics(() => {
  reads++;
  return current;
});

const values = async () => {
  const samples = await telemetry.scrape();
  return [PROCESS_HEAP_USED, PROCESS_HEAP_LIMIT, PROCESS_MEMORY_RSS, PROCESS_HEAP_NEAR_LIMIT].map((d) =>
    sample(samples, toPrometheusName(d)),
  );
};

t.test('heap used, heap limit and RSS from one reading per scrape; near-limit 0', async (t) => {
  t.strictSame(await values(), [100, 1000, 5000, 0]);
  t.equal(reads, 1, 'one reading for the four gauges');
  t.strictSame(
    [PROCESS_HEAP_USED, PROCESS_HEAP_LIMIT, PROCESS_MEMORY_RSS, PROCESS_HEAP_NEAR_LIMIT].map(toPrometheusName),
    [
      'shipshape_process_heap_used',
      'shipshape_process_heap_limit',
      'shipshape_process_memory_rss',
      'shipshape_process_heap_near_limit',
    ],
  );
});

t.test('each scrape reads the heap again; the near-limit gauge follows the heap watch', async (t) => {
  current = { usedBytes: 900, limitBytes: 1000, rssBytes: 6000 };
  processMetrics.setNearLimit(true);
  t.strictSame(await values(), [900, 1000, 6000, 1]);
  processMetrics.setNearLimit(false);
  t.equal((await values())[3], 0);
});
