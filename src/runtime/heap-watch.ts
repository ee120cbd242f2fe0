// The warning before the heap bound is reached (#34): every replica samples V8's heap statistics
// and, when the heap in use crosses `ratio` of V8's bound, logs one warning (with the figures and
// the sizing page) and reports the crossing through `onNearLimit`; both clear once the heap is back
// below the ratio less `rearmMargin`, so a heap that hovers on the line warns once per crossing.
//
// The bound is V8's heap_size_limit: --max-old-space-size (the Deployment's NODE_OPTIONS) plus the
// young space. A replica whose live heap reaches it collects without end, then dies with "JavaScript
// heap out of memory", every replica at about the same time, since each caches every WebApp.
//
// "In use" is the lowest of the last `window` samples, not the last one: used_heap_size counts
// garbage until the next major collection, and V8 lets a heap whose live data is well under the
// bound grow toward it before collecting (its heap growing factor). The floor of the sawtooth over
// the window is close to what survives collections, which only a larger bound, or fewer WebApps,
// can make room for.
import { getHeapStatistics } from 'node:v8';
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

export type HeapWatchSettings = {
  /** The warning's threshold, a fraction of the bound in (0, 1]; 0 turns the warning off. */
  ratio: number;
  /** How many samples the floor is taken over. */
  window: number;
  /** The warning re-arms once the floor is below `ratio - rearmMargin`. */
  rearmMargin: number;
};

export type HeapState = { recentUsedBytes: readonly number[]; near: boolean };

export type HeapJudgement = {
  state: HeapState;
  /** `crossed`: the floor has just risen over the ratio; `cleared`: it has just fallen under the re-arm line. */
  change?: 'crossed' | 'cleared';
  /** The lowest used_heap_size of the window, and its share of the bound. */
  floorBytes: number;
  floorRatio: number;
};

export const INITIAL_HEAP_STATE: HeapState = { recentUsedBytes: [], near: false };

/** Adds `reading` to the window and judges the floor against the ratio; pure. */
export function judgeHeap(state: HeapState, reading: HeapReading, settings: HeapWatchSettings): HeapJudgement {
  const recentUsedBytes = [...state.recentUsedBytes, reading.usedBytes].slice(-Math.max(1, settings.window));
  const floorBytes = Math.min(...recentUsedBytes);
  const floorRatio = reading.limitBytes > 0 ? floorBytes / reading.limitBytes : 0;
  let near = state.near;
  let change: HeapJudgement['change'];
  // Judged on a full window only: a process that has just started has no floor yet.
  const judged = settings.ratio > 0 && recentUsedBytes.length >= settings.window;
  if (judged && !near && floorRatio >= settings.ratio) [near, change] = [true, 'crossed'];
  else if (judged && near && floorRatio < settings.ratio - settings.rearmMargin) [near, change] = [false, 'cleared'];
  return { state: { recentUsedBytes, near }, floorBytes, floorRatio, ...(change && { change }) };
}

export type HeapWatchLogger = {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
};

/** The timers the watch waits on; the work queue's Clock fits, and so does a fake one in tests. */
export type HeapWatchTimers = {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

export type HeapWatchOptions = {
  settings: HeapWatchSettings;
  /** Between samples. */
  intervalMs: number;
  read?: HeapReader;
  timers?: HeapWatchTimers;
  logger: HeapWatchLogger;
  /** Called with true on each crossing and false when it clears; must not throw. */
  onNearLimit?(near: boolean): void;
  /** Where the warning sends the reader: the page with the sizing formula. */
  sizingPage: string;
};

/** A sample every 10 s, the floor over the last minute, re-armed 5 points under the ratio. */
export const DEFAULT_HEAP_WATCH = { intervalMs: 10_000, window: 6, rearmMargin: 0.05 } as const;

const MIB = 1024 * 1024;
const mib = (bytes: number) => Math.round((bytes / MIB) * 10) / 10;

const systemTimers: HeapWatchTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

function wait(timers: HeapWatchTimers, ms: number, signal: AbortSignal): Promise<void> {
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
export function createHeapWatch(options: HeapWatchOptions): Runnable {
  const { settings, logger } = options;
  const read = options.read ?? readHeap;
  const timers = options.timers ?? systemTimers;
  let state = INITIAL_HEAP_STATE;

  function sample(): void {
    const reading = read();
    const judgement = judgeHeap(state, reading, settings);
    state = judgement.state;
    if (!judgement.change) return;
    const fields = {
      heapUsedMiB: mib(judgement.floorBytes),
      heapLimitMiB: mib(reading.limitBytes),
      rssMiB: mib(reading.rssBytes),
      ratio: Math.round(judgement.floorRatio * 1000) / 1000,
      threshold: settings.ratio,
      sizing: options.sizingPage,
    };
    if (judgement.change === 'crossed') {
      logger.warn(
        fields,
        `the V8 heap in use is ${fields.heapUsedMiB} MiB, over ${settings.ratio} of its bound (${fields.heapLimitMiB} MiB): raise the memory limit and --max-old-space-size together, as ${options.sizingPage} says, before the replicas run out of heap`,
      );
    } else logger.info(fields, 'the V8 heap in use is back under its warning threshold');
    options.onNearLimit?.(state.near);
  }

  return {
    needsLeaderElection: false,
    async start(signal) {
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
