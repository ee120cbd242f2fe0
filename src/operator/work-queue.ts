// The reconciler's queue of object keys, with client-go's workqueue semantics
// (k8s.io/client-go/util/workqueue: queue.go, delaying_queue.go, rate_limiting_queue.go):
//   - a key is queued at most once however often it is added (the dirty set);
//   - a key handed out by get() is not handed out again until done(key); adds meanwhile are
//     remembered and requeue it at done(), so no two workers ever reconcile the same object;
//   - addAfter() keeps only the earliest pending time per key (client-go's waitingForQueue);
//   - addRateLimited() delays by the key's exponential backoff, forget() resets it.
// Two priorities (controller-runtime's priority queue, kubernetes-sigs/controller-runtime#3496):
// get() hands out every `high` key before any `low` one, each in FIFO order. Watch events add at
// `high` (the default); the sweep of every object after a Lease is won, after a relist and on the
// periodic resync adds at `low`, so a fresh change is not reconciled behind thousands of unchanged
// objects. A key keeps the highest priority it was added with until it is handed out: a `high` add
// of a queued `low` key moves it to the back of the `high` keys, and one made while the key is
// processing requeues it at `high` at done().
// One deliberate difference: after either shutdown, get() hands out nothing more, even keys still
// queued (client-go's Get keeps returning them until empty). Reconciliation is level-based and the
// next Lease holder lists every object again, so queued keys can be dropped; a lost Lease should
// stop new work at once.
import { createExponentialRateLimiter, type RateLimiter } from './rate-limiter.ts';

/** Time and timers, injectable so tests need not wait. Default: performance.now and Node timers. */
export type Clock = {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

/** Hooks for metrics (client-go's MetricsProvider). They run synchronously and must not throw. */
export type WorkQueueMetrics<K extends string = string> = {
  /** A key became pending: not already queued or waiting to be requeued (client-go's adds_total). */
  onAdd?(key: K): void;
  /** get() handed out `key`, `waitMs` after the add that made it pending (client-go's queue_duration). */
  onGet?(key: K, waitMs: number): void;
  /** addAfter or addRateLimited was called (client-go's retries_total). */
  onRetry?(key: K): void;
  /** The number of queued keys changed (client-go's depth). */
  onDepth?(depth: number): void;
};

/** `high`: a change a watch reported; `low`: a sweep of objects nothing says have changed. */
export type Priority = 'high' | 'low';

export type WorkQueueOptions<K extends string = string> = {
  /** Default: createExponentialRateLimiter(), 5 ms doubling to 1000 s. */
  rateLimiter?: RateLimiter<K>;
  clock?: Clock;
  metrics?: WorkQueueMetrics<K>;
};

export type WorkQueue<K extends string = string> = {
  /** Queues `key` at `priority` (default `high`), or raises the priority of a queued `key`. */
  add(key: K, priority?: Priority): void;
  /**
   * Adds `key` at `priority` once `delayMs` has passed; the earliest of several pending times wins
   * (with the highest priority any of them asked for).
   */
  addAfter(key: K, delayMs: number, priority?: Priority): void;
  addRateLimited(key: K): void;
  forget(key: K): void;
  numRequeues(key: K): number;
  /**
   * Next key, marked processing: the oldest `high` key, else the oldest `low` one; undefined once
   * shut down or `signal` aborts.
   */
  get(signal?: AbortSignal): Promise<K | undefined>;
  /** Every key from get() must be passed to done(), success or failure. */
  done(key: K): void;
  shutDown(): void;
  /** Shuts down, then resolves once every key handed out has been done(), or on shutDown(). */
  shutDownWithDrain(): Promise<void>;
  shuttingDown(): boolean;
  len(): number;
  /** Queued keys at `priority`. */
  lenAt(priority: Priority): number;
  processingCount(): number;
};

// Node fires a timer longer than this after 1 ms instead; an early resync is harmless.
const MAX_TIMER_MS = 2 ** 31 - 1;

const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export function createWorkQueue<K extends string = string>(options: WorkQueueOptions<K> = {}): WorkQueue<K> {
  const { rateLimiter = createExponentialRateLimiter<K>(), clock = systemClock, metrics = {} } = options;
  // Keys that need a reconcile -> when they became dirty, and the highest priority asked for.
  const dirty = new Map<K, { since: number; priority: Priority }>();
  // Dirty keys not processing, by priority, each in insertion (FIFO) order.
  const queues: Record<Priority, Set<K>> = { high: new Set<K>(), low: new Set<K>() };
  const queued = () => queues.high.size + queues.low.size;
  const processing = new Set<K>();
  const waiting = new Map<K, { at: number; priority: Priority; timer: unknown }>(); // addAfter keys not yet added
  const getters = new Set<(key: K | undefined) => void>(); // parked get() calls, oldest first
  const drainers: Array<() => void> = [];
  let stopped = false;

  function enqueue(key: K, priority: Priority): void {
    queues[priority].add(key);
    metrics.onDepth?.(queued());
    const [getter] = getters;
    if (getter) {
      getters.delete(getter);
      getter(take());
    }
  }

  // Marks processing synchronously, so a second get() cannot see the key before the first
  // caller's promise continuation runs.
  function take(): K {
    const from = queues.high.size > 0 ? queues.high : queues.low;
    const key = from.values().next().value as K;
    from.delete(key);
    const { since } = dirty.get(key)!;
    dirty.delete(key);
    processing.add(key);
    metrics.onDepth?.(queued());
    metrics.onGet?.(key, clock.now() - since);
    return key;
  }

  function stop(): void {
    if (stopped) return;
    stopped = true;
    for (const { timer } of waiting.values()) clock.clearTimeout(timer);
    waiting.clear();
    const hadQueued = queued() > 0;
    queues.high.clear();
    queues.low.clear();
    dirty.clear();
    if (hadQueued) metrics.onDepth?.(0);
    const parked = [...getters];
    getters.clear();
    for (const getter of parked) getter(undefined);
  }

  function releaseDrainers(): void {
    for (const resolve of drainers.splice(0)) resolve();
  }

  const workQueue: WorkQueue<K> = {
    add(key, priority = 'high') {
      if (stopped) return;
      const known = dirty.get(key);
      if (known) {
        // Already pending: only a raise from low to high changes anything.
        if (priority === 'low' || known.priority === 'high') return;
        known.priority = 'high';
        if (queues.low.delete(key)) queues.high.add(key); // else processing: done(key) requeues it at high
        return;
      }
      dirty.set(key, { since: clock.now(), priority });
      metrics.onAdd?.(key);
      if (!processing.has(key)) enqueue(key, priority); // else done(key) requeues it
    },
    addAfter(key, delayMs, priority = 'high') {
      if (stopped) return;
      metrics.onRetry?.(key);
      if (!(delayMs > 0)) return workQueue.add(key, priority);
      const ms = Math.min(delayMs, MAX_TIMER_MS);
      const at = clock.now() + ms;
      const pending = waiting.get(key);
      if (pending) {
        if (priority === 'high') pending.priority = 'high';
        if (pending.at <= at) return;
        clock.clearTimeout(pending.timer);
      }
      const timer = clock.setTimeout(() => {
        const { priority: due } = waiting.get(key)!;
        waiting.delete(key);
        workQueue.add(key, due);
      }, ms);
      waiting.set(key, { at, priority: pending?.priority ?? priority, timer });
    },
    addRateLimited(key) {
      if (!stopped) workQueue.addAfter(key, rateLimiter.when(key));
    },
    forget: (key) => rateLimiter.forget(key),
    numRequeues: (key) => rateLimiter.numRequeues(key),
    get(signal) {
      if (stopped || signal?.aborted) return Promise.resolve(undefined);
      if (queued() > 0) return Promise.resolve(take()); // no getter is parked while keys are queued
      return new Promise((resolve) => {
        const onAbort = () => {
          getters.delete(getter);
          resolve(undefined);
        };
        const getter = (key: K | undefined) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(key);
        };
        getters.add(getter);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    done(key) {
      if (!processing.delete(key)) return; // never handed out, or done twice: nothing to release
      const again = dirty.get(key); // added while processing (dirty is empty once stopped)
      if (again) enqueue(key, again.priority);
      if (processing.size === 0) releaseDrainers();
    },
    shutDown() {
      stop();
      releaseDrainers(); // as client-go: ShutDown ends a ShutDownWithDrain that is still waiting
    },
    shutDownWithDrain() {
      stop();
      if (processing.size === 0) return Promise.resolve();
      return new Promise((resolve) => drainers.push(resolve));
    },
    shuttingDown: () => stopped,
    len: queued,
    lenAt: (priority) => queues[priority].size,
    processingCount: () => processing.size,
  };
  return workQueue;
}
