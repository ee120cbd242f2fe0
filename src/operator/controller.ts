// The controller loop (controller-runtime's Controller): watch sources feed keys into a work queue;
// `workers` workers reconcile them. A thrown error retries with per-key backoff; a TerminalError
// waits for the next change; `requeueAfterMs` schedules a resync, at the queue's low priority (a
// sweep: a change a watch reports goes first), spread by ±10% (../runtime/jitter.ts) so the owners
// one sweep reconciled are not all resynced in one burst. On abort the queue drains:
// in-flight reconciles finish, no new one starts. Each reconcile is shown to the `observer`, which
// src/main.ts makes trace and measure it (src/telemetry/reconcile-telemetry.ts).
import { setImmediate } from 'node:timers/promises';
import type { Logger } from 'pino';
import { CodedError } from '../errors/coded-error.ts';
import { aborted } from '../runtime/aborted.ts';
import { jitter } from '../runtime/jitter.ts';
import { sleep } from '../runtime/sleep.ts';
import type { WorkQueue } from './work-queue.ts';

/** A watch the controller waits for; one without `start` is run by someone else (shared caches). */
export type Source = { start?(signal: AbortSignal): Promise<void>; hasSynced(): boolean };

export type Reconcile = (key: string) => Promise<{ requeueAfterMs?: number }>;

/** A failure that retrying cannot fix; the key waits for the next change. */
export class TerminalError extends CodedError<'RECONCILE_TERMINAL'> {
  static override readonly codeInMessage = false;
  constructor(message: string, options?: ErrorOptions) {
    super('RECONCILE_TERMINAL', message, options);
  }
}

export type ReconcileOutcome = 'success' | 'error' | 'terminal';

/** One reconcile as an observer sees it: run it `within` (its span), then `end` it once. */
export type ObservedReconcile = {
  within<T>(fn: () => T): T;
  end(outcome: ReconcileOutcome, detail: { requeue: boolean; requeueAfterMs?: number; err?: unknown }): void;
};

/** Watches every reconcile of a controller (tracing, metrics); default: none. */
export type ReconcileObserver = { start(key: string): ObservedReconcile };

const UNOBSERVED: ObservedReconcile = { within: (fn) => fn(), end: () => {} };
const NO_OBSERVER: ReconcileObserver = { start: () => UNOBSERVED };

export type ControllerOptions = {
  name: string;
  queue: WorkQueue;
  sources: Source[];
  reconcile: Reconcile;
  workers: number;
  logger: Logger;
  observer?: ReconcileObserver;
  /** The delay of a requeue after `requeueAfterMs`; default jitter(ms), ±10%. */
  spread?(ms: number): number;
};

export function createController(options: ControllerOptions) {
  const { queue, logger } = options;
  const spread = options.spread ?? ((ms: number) => jitter(ms));
  const observer = options.observer ?? NO_OBSERVER;

  async function worker(signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await queue.get(signal);
      if (key === undefined) return;
      // Handed out in the same tick as the abort: not ours to start any more.
      if (signal.aborted) {
        queue.done(key);
        return;
      }
      const traced = observer.start(key);
      try {
        const result = await traced.within(() => options.reconcile(key));
        queue.forget(key);
        const requeue = result.requeueAfterMs !== undefined && !signal.aborted;
        const delayMs = requeue ? spread(result.requeueAfterMs!) : undefined;
        if (delayMs !== undefined) queue.addAfter(key, delayMs, 'low');
        traced.end('success', { requeue, ...(delayMs !== undefined && { requeueAfterMs: delayMs }) });
      } catch (err) {
        const terminal = err instanceof TerminalError;
        if (terminal) queue.forget(key);
        else queue.addRateLimited(key);
        // Inside the span, so the line carries its trace_id.
        traced.within(() => logger.warn({ err, key, retries: queue.numRequeues(key), terminal }, 'reconcile failed'));
        traced.end(terminal ? 'terminal' : 'error', { requeue: !terminal, err });
      } finally {
        queue.done(key);
      }
      // To the event loop's next turn before the next key. A reconcile that makes no request (a
      // sweep's, where nothing differs) resolves in microtasks, and so does get() with keys queued:
      // without this, workers ran a whole sweep in one turn of the loop while no socket was read,
      // so the one change a handover brought waited for its apply's answer behind thousands of
      // reconciles (1.9 s after acquiring the Lease at 5,000 WebApps), and admission with it.
      await setImmediate();
    }
  }

  return {
    needsLeaderElection: true,
    /** Runs until `signal` aborts; then drains in-flight work and stops the watches. */
    async start(signal: AbortSignal): Promise<void> {
      const watches = new AbortController();
      const sources = options.sources.map((s) => s.start?.(watches.signal));
      while (!signal.aborted && !options.sources.every((s) => s.hasSynced())) await sleep(50, signal);
      if (signal.aborted) {
        // Stopped (leadership lost) before the caches synced: start no worker at all.
        queue.shutDown();
        watches.abort();
        await Promise.all(sources);
        return;
      }
      logger.info({ controller: options.name, workers: options.workers }, 'controller started');
      const workers = Array.from({ length: options.workers }, () => worker(signal));
      await aborted(signal);
      await queue.shutDownWithDrain();
      await Promise.all(workers);
      watches.abort();
      await Promise.all(sources);
      logger.info({ controller: options.name }, 'controller stopped');
    },
  };
}
