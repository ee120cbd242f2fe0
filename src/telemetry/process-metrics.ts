// The process's memory as gauges, for sizing (docs/sizing.md): V8's heap in use and its bound, the
// RSS, and whether the heap watch (src/runtime/heap-watch.ts) sees the heap near its bound. Read
// from one reading per collection (a scrape or an OTLP export), so nothing is sampled between them.
//
// Shipshape's own instruments rather than @opentelemetry/instrumentation-runtime-node's: that
// package reports V8's heap per space (its v8js.memory.heap.limit was a space's size, not the
// --max-old-space-size bound the warning is about, and 0.34 removed it), no RSS, and adds a GC
// observer and an event-loop delay histogram beside the admission path, their cost unmeasured. No
// OpenTelemetry host or runtime metric is exported otherwise (sdk.ts registers no instrumentation).
import { type Meter, metrics } from '@opentelemetry/api';
import type { HeapReader } from '../runtime/heap-watch.ts';
import { INSTRUMENTATION_SCOPE } from './metrics.ts';
import {
  PROCESS_HEAP_LIMIT,
  PROCESS_HEAP_NEAR_LIMIT,
  PROCESS_HEAP_USED,
  PROCESS_MEMORY_RSS,
  createObservableGauge,
} from './metric-definitions.ts';

export type ProcessMetrics = {
  /** The heap watch's onNearLimit: shipshape.process.heap.near_limit, 0 until a crossing. */
  setNearLimit(near: boolean): void;
};

/** Registers the gauges on `meter` (the global Meter by default); call once per process. */
export function createProcessMetrics(read: HeapReader, meter: Meter = metrics.getMeter(INSTRUMENTATION_SCOPE)) {
  let near = 0;
  const used = createObservableGauge(meter, PROCESS_HEAP_USED);
  const limit = createObservableGauge(meter, PROCESS_HEAP_LIMIT);
  const rss = createObservableGauge(meter, PROCESS_MEMORY_RSS);
  const nearLimit = createObservableGauge(meter, PROCESS_HEAP_NEAR_LIMIT);
  meter.addBatchObservableCallback(
    (result) => {
      const reading = read();
      result.observe(used, reading.usedBytes);
      result.observe(limit, reading.limitBytes);
      result.observe(rss, reading.rssBytes);
      result.observe(nearLimit, near);
    },
    [used, limit, rss, nearLimit],
  );
  return {
    setNearLimit(isNear: boolean): void {
      near = isNear ? 1 : 0;
    },
  } satisfies ProcessMetrics;
}
