// The process's memory as gauges, for sizing (docs/sizing.md): V8's heap in use and its bound, the
// RSS and the container's memory limit, and whether the memory watch (src/runtime/memory-watch.ts)
// sees the heap near its bound or the RSS near the limit. Read from one reading per collection (a
// scrape or an OTLP export), so nothing is sampled between them.
//
// Shipshape's own instruments rather than @opentelemetry/instrumentation-runtime-node's: that
// package reports V8's heap per space (its v8js.memory.heap.limit was a space's size, not the
// --max-old-space-size bound the warning is about, and 0.34 removed it), no RSS, and adds a GC
// observer and an event-loop delay histogram beside the admission path, their cost unmeasured. No
// OpenTelemetry host or runtime metric is exported otherwise (sdk.ts registers no instrumentation).
import { type Meter, metrics } from '@opentelemetry/api';
import type { HeapReader } from '../runtime/memory-watch.ts';
import { INSTRUMENTATION_SCOPE } from './metrics.ts';
import {
  PROCESS_HEAP_LIMIT,
  PROCESS_HEAP_NEAR_LIMIT,
  PROCESS_HEAP_USED,
  PROCESS_MEMORY_LIMIT,
  PROCESS_MEMORY_NEAR_LIMIT,
  PROCESS_MEMORY_RSS,
  createObservableGauge,
} from './metric-definitions.ts';

export type ProcessMetrics = {
  /** The memory watch's onHeapNearLimit: shipshape.process.heap.near_limit, 0 until a crossing. */
  setHeapNearLimit(near: boolean): void;
  /** Its onMemoryNearLimit: shipshape.process.memory.near_limit, 0 until a crossing. */
  setMemoryNearLimit(near: boolean): void;
};

/**
 * Registers the gauges on `meter` (the global Meter by default); call once per process.
 * `memoryLimitBytes`: the container's memory limit (readContainerMemoryLimit), its gauge not
 * observed when undefined (no limit: a 0 or a huge figure would draw a wrong RSS/limit ratio).
 */
export function createProcessMetrics(
  read: HeapReader,
  memoryLimitBytes: number | undefined,
  meter: Meter = metrics.getMeter(INSTRUMENTATION_SCOPE),
) {
  let heapNear = 0;
  let memoryNear = 0;
  const used = createObservableGauge(meter, PROCESS_HEAP_USED);
  const limit = createObservableGauge(meter, PROCESS_HEAP_LIMIT);
  const rss = createObservableGauge(meter, PROCESS_MEMORY_RSS);
  const memoryLimit = createObservableGauge(meter, PROCESS_MEMORY_LIMIT);
  const heapNearLimit = createObservableGauge(meter, PROCESS_HEAP_NEAR_LIMIT);
  const memoryNearLimit = createObservableGauge(meter, PROCESS_MEMORY_NEAR_LIMIT);
  meter.addBatchObservableCallback(
    (result) => {
      const reading = read();
      result.observe(used, reading.usedBytes);
      result.observe(limit, reading.limitBytes);
      result.observe(rss, reading.rssBytes);
      if (memoryLimitBytes !== undefined) result.observe(memoryLimit, memoryLimitBytes);
      result.observe(heapNearLimit, heapNear);
      result.observe(memoryNearLimit, memoryNear);
    },
    [used, limit, rss, memoryLimit, heapNearLimit, memoryNearLimit],
  );
  return {
    setHeapNearLimit(near: boolean): void {
      heapNear = near ? 1 : 0;
    },
    setMemoryNearLimit(near: boolean): void {
      memoryNear = near ? 1 : 0;
    },
  } satisfies ProcessMetrics;
}
