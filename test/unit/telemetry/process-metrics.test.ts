// The process gauges (src/telemetry/process-metrics.ts) as a Prometheus scrape serves them: one
// reading per collection, under the names docs/telemetry.md's table gives, the container's memory
// limit as given at start, and the near-limit gauges at 0 until the memory watch reports a crossing.
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import t from 'tap';
import { toPrometheusName } from '../../../src/docs/metrics-table.ts';
import type { HeapReading } from '../../../src/runtime/memory-watch.ts';
import {
  PROCESS_HEAP_LIMIT,
  PROCESS_HEAP_NEAR_LIMIT,
  PROCESS_HEAP_USED,
  PROCESS_MEMORY_LIMIT,
  PROCESS_MEMORY_NEAR_LIMIT,
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
}, 8000);
const GAUGES = [
  PROCESS_HEAP_USED,
  PROCESS_HEAP_LIMIT,
  PROCESS_MEMORY_RSS,
  PROCESS_MEMORY_LIMIT,
  PROCESS_HEAP_NEAR_LIMIT,
  PROCESS_MEMORY_NEAR_LIMIT,
];

const values = async () => {
  const samples = await telemetry.scrape();
  return GAUGES.map((d) => sample(samples, toPrometheusName(d)));
};

t.test('heap used, heap limit and RSS from one reading per scrape, the memory limit; near-limit 0', async (t) => {
  t.strictSame(await values(), [100, 1000, 5000, 8000, 0, 0]);
  t.equal(reads, 1, 'one reading for the six gauges');
  t.strictSame(GAUGES.map(toPrometheusName), [
    'shipshape_process_heap_used',
    'shipshape_process_heap_limit',
    'shipshape_process_memory_rss',
    'shipshape_process_memory_limit',
    'shipshape_process_heap_near_limit',
    'shipshape_process_memory_near_limit',
  ]);
});

t.test('each scrape reads the heap again; the near-limit gauges follow the memory watch', async (t) => {
  current = { usedBytes: 900, limitBytes: 1000, rssBytes: 6000 };
  processMetrics.setHeapNearLimit(true);
  t.strictSame(await values(), [900, 1000, 6000, 8000, 1, 0]);
  processMetrics.setMemoryNearLimit(true);
  processMetrics.setHeapNearLimit(false);
  t.strictSame((await values()).slice(4), [0, 1]);
  processMetrics.setMemoryNearLimit(false);
  t.equal((await values())[5], 0);
});

/** A reader collected only when asked, for a meter of the test's own. */
class ManualReader extends MetricReader {
  protected async onShutdown() {}
  protected async onForceFlush() {}
}

t.test('no container memory limit: its gauge is not observed, the others are', async (t) => {
  const reader = new ManualReader();
  createProcessMetrics(() => current, undefined, new MeterProvider({ readers: [reader] }).getMeter('test'));
  const { resourceMetrics } = await reader.collect();
  const observed = resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((metric) => metric.dataPoints.length > 0)
    .map((metric) => metric.descriptor.name);
  t.strictSame(
    observed.sort(),
    GAUGES.filter((d) => d !== PROCESS_MEMORY_LIMIT)
      .map((d) => d.name)
      .sort(),
  );
});
