// The warnings before memory runs out (#34). Every replica samples V8's heap statistics and its
// RSS, and judges two quantities the same way (src/runtime/floor-watch.ts: the lowest of the last
// `window` samples against a ratio, once per crossing):
//
// - The heap in use against V8's bound, heap_size_limit: --max-old-space-size (the Deployment's
//   NODE_OPTIONS) plus the young space. A replica whose live heap reaches it collects without end,
//   then dies with "JavaScript heap out of memory", every replica at about the same time, since
//   each caches every WebApp.
// - The RSS against the container's memory limit (src/runtime/container-memory-limit.ts), past
//   which the kernel ends the process (OOMKilled). On the default install the leader's RSS reaches
//   its limit first, about where the heap warning would fire (docs/sizing.md), so this is the
//   warning that comes in time. No limit found: it is not judged.
//
// Each crossing logs one warning, with the figures and the sizing page, and is reported through
// `onHeapNearLimit` or `onMemoryNearLimit`; both clear once the floor is back under the ratio less
// `rearmMargin`.
import { getHeapStatistics } from 'node:v8';
import { CGROUP_V1_MEMORY_LIMIT, CGROUP_V2_MEMORY_MAX } from './container-memory-limit.ts';
import { type FloorJudgement, INITIAL_FLOOR_STATE, judgeFloor } from './floor-watch.ts';
import type { Runnable } from './runnable.ts';

export type HeapReading = {
  /** V8's used_heap_size: live objects and garbage not yet collected. */
  usedBytes: number;
  /** V8's heap_size_limit. */
  limitBytes: number;
  /** The resident set size of the process. */
  rssBytes: number;
};

export type HeapReader = () => HeapReading;

/** This process's heap, as V8 and the kernel report it now. */
export const readHeap: HeapReader = () => {
  const { used_heap_size: usedBytes, heap_size_limit: limitBytes } = getHeapStatistics();
  return { usedBytes, limitBytes, rssBytes: process.memoryUsage.rss() };
};

export type MemoryWatchSettings = {
  /** The heap warning's threshold, a share of V8's bound in (0, 1]; 0 turns it off. */
  heapRatio: number;
  /** The memory warning's threshold, a share of the container's memory limit in (0, 1]; 0 turns it off. */
  memoryRatio: number;
  /** How many samples each floor is taken over. */
  window: number;
  /** A warning re-arms once its floor is below its ratio less this. */
  rearmMargin: number;
};

export type MemoryWatchLogger = {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
};

/** The timers the watch waits on; the work queue's Clock fits, and so does a fake one in tests. */
export type MemoryWatchTimers = {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

export type MemoryWatchOptions = {
  settings: MemoryWatchSettings;
  /** Between samples. */
  intervalMs: number;
  read?: HeapReader;
  /** The container's memory limit in bytes (readContainerMemoryLimit); undefined: none, not judged. */
  memoryLimitBytes: number | undefined;
  timers?: MemoryWatchTimers;
  logger: MemoryWatchLogger;
  /** Called with true on each crossing of the heap's ratio and false when it clears; must not throw. */
  onHeapNearLimit?(near: boolean): void;
  /** The same for the RSS against the memory limit; must not throw. */
  onMemoryNearLimit?(near: boolean): void;
  /** Where the warnings send the reader: the page with the sizing formula. */
  sizingPage: string;
};

/** A sample every 10 s, the floor over the last minute, re-armed 5 points under the ratio. */
export const DEFAULT_MEMORY_WATCH = { intervalMs: 10_000, window: 6, rearmMargin: 0.05 } as const;

const MIB = 1024 * 1024;
const mib = (bytes: number) => Math.round((bytes / MIB) * 10) / 10;
const share = (ratio: number) => Math.round(ratio * 1000) / 1000;

const systemTimers: MemoryWatchTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

function wait(timers: MemoryWatchTimers, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      timers.clearTimeout(handle);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const handle = timers.setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * A Runnable on every replica (no leadership: standbys hold the same caches): samples at once, then
 * every `intervalMs`, until its signal aborts. A reader that throws ends nothing: the sample is
 * skipped and the next one taken.
 */
export function createMemoryWatch(options: MemoryWatchOptions): Runnable {
  const { settings, logger, memoryLimitBytes, sizingPage } = options;
  const read = options.read ?? readHeap;
  const timers = options.timers ?? systemTimers;
  const { window, rearmMargin } = settings;
  let heap = INITIAL_FLOOR_STATE;
  let memory = INITIAL_FLOOR_STATE;

  function reportHeap({ change, floor, floorRatio }: FloorJudgement, reading: HeapReading): void {
    const fields = {
      heapUsedMiB: mib(floor),
      heapLimitMiB: mib(reading.limitBytes),
      rssMiB: mib(reading.rssBytes),
      ratio: share(floorRatio),
      threshold: settings.heapRatio,
      sizing: sizingPage,
    };
    if (change === 'crossed') {
      logger.warn(
        fields,
        `the V8 heap in use is ${fields.heapUsedMiB} MiB, over ${settings.heapRatio} of its bound (${fields.heapLimitMiB} MiB): raise the memory limit and --max-old-space-size together, as ${sizingPage} says, before the replicas run out of heap`,
      );
    } else logger.info(fields, 'the V8 heap in use is back under its warning threshold');
    options.onHeapNearLimit?.(change === 'crossed');
  }

  /** `heapUsedBytes`: the heap's floor over the same window, for the figures. */
  function reportMemory({ change, floor, floorRatio }: FloorJudgement, limitBytes: number, heapUsedBytes: number) {
    const fields = {
      rssMiB: mib(floor),
      memoryLimitMiB: mib(limitBytes),
      ratio: share(floorRatio),
      threshold: settings.memoryRatio,
      heapUsedMiB: mib(heapUsedBytes),
      sizing: sizingPage,
    };
    if (change === 'crossed') {
      logger.warn(
        fields,
        `the process's resident memory is ${fields.rssMiB} MiB, over ${settings.memoryRatio} of the container's memory limit (${fields.memoryLimitMiB} MiB): raise the memory limit as ${sizingPage} says, before the kernel ends the process`,
      );
    } else logger.info(fields, "the process's resident memory is back under its warning threshold");
    options.onMemoryNearLimit?.(change === 'crossed');
  }

  function sample(): void {
    const reading = read();
    const heapJudgement = judgeFloor(heap, reading.usedBytes, reading.limitBytes, {
      ratio: settings.heapRatio,
      window,
      rearmMargin,
    });
    heap = heapJudgement.state;
    if (heapJudgement.change) reportHeap(heapJudgement, reading);
    if (memoryLimitBytes === undefined) return;
    const memoryJudgement = judgeFloor(memory, reading.rssBytes, memoryLimitBytes, {
      ratio: settings.memoryRatio,
      window,
      rearmMargin,
    });
    memory = memoryJudgement.state;
    if (memoryJudgement.change) reportMemory(memoryJudgement, memoryLimitBytes, heapJudgement.floor);
  }

  return {
    needsLeaderElection: false,
    async start(signal) {
      if (memoryLimitBytes === undefined && settings.memoryRatio > 0) {
        logger.info(
          { files: [CGROUP_V2_MEMORY_MAX, CGROUP_V1_MEMORY_LIMIT] },
          'no container memory limit found; the memory warning is off',
        );
      }
      while (!signal.aborted) {
        try {
          sample();
        } catch (err) {
          logger.warn({ err }, 'heap statistics not read; the next sample is taken as usual');
        }
        await wait(timers, options.intervalMs, signal);
      }
    },
  };
}
