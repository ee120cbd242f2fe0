// The Manager (controller-runtime's pkg/manager, runnable_group.go): runs every Runnable of the
// process, grouped by whether it needs leadership, and owns the one way they stop.
//
// Start: the runnables that need no leadership, in the order given (the HTTPS server among them:
// listening is its start), then the election, which runs the leader-only group for each term it
// wins. Without an election this replica leads from the start.
// Stop (the caller's signal aborts, or any runnable's start rejects, a failed listen included):
// the election first (its term ends, the leader-only group stops and the Lease is released), then
// the other runnables one by one in reverse order, so the webhook server closes last and in-flight
// admission requests finish. On the caller's signal the other runnables first keep running for
// `shutdownDelayMs` (the webhook server keeps serving while Service endpoints drop this replica; the
// election stops meanwhile, so a standby leads already), and stopping is bounded: what has not
// stopped `shutdownTimeoutMs` after the delay is given up on (controller-runtime's
// GracefulShutdownTimeout), so SIGTERM ends the process whatever the apiserver does.
import type { Runnable } from './runnable.ts';
import { aborted } from './aborted.ts';
import { sleep } from './sleep.ts';

/** Leader election as the Manager drives it: runs `lead` for each term won, until `signal` aborts. */
export type LeaderElection = (lead: (term: AbortSignal) => Promise<void>) => Runnable;

export type ManagerLogger = {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  fatal(fields: object, message: string): void;
};

export type ManagerOptions = {
  runnables: readonly Runnable[];
  /** Absent: no election; the leader-only group runs for as long as the Manager does. */
  leaderElection?: LeaderElection;
  /** Called with true when a leader-only group starts and false once it has stopped. */
  onLeadershipChange?(leading: boolean): void;
  /** After the caller's signal, how long the non-leader runnables keep running; default 0. */
  shutdownDelayMs?: number;
  /** After the delay, how long stopping may take before run() stops waiting; default 30 s. */
  shutdownTimeoutMs?: number;
  logger: ManagerLogger;
};

/**
 * How the run ended: `failed` when a runnable's start rejected (the process should exit non-zero);
 * `timedOut` when some runnable had not stopped within the shutdown timeout.
 */
export type ManagerResult = { failed: boolean; reason: string; timedOut?: boolean };

export function createManager(options: ManagerOptions) {
  const { logger } = options;
  const leaderOnly = options.runnables.filter((r) => r.needsLeaderElection);
  const others = options.runnables.filter((r) => !r.needsLeaderElection);

  const lead = async (term: AbortSignal): Promise<void> => {
    options.onLeadershipChange?.(true);
    try {
      await Promise.all(leaderOnly.map((r) => r.start(term)));
    } finally {
      options.onLeadershipChange?.(false);
    }
  };
  const election: Runnable = options.leaderElection
    ? options.leaderElection(lead)
    : { needsLeaderElection: false, start: lead };

  return {
    /** Runs until `signal` aborts or a runnable fails; resolves once every runnable has stopped. */
    async run(signal: AbortSignal): Promise<ManagerResult> {
      let result: ManagerResult | undefined;
      const stop = new AbortController();
      const end = (next: ManagerResult) => {
        result ??= next;
        stop.abort();
      };
      const supervise = (runnable: Runnable, own: AbortSignal) =>
        runnable.start(own).catch((err: unknown) => {
          logger.fatal({ err }, 'a component failed');
          end({ failed: true, reason: 'component failure' });
        });
      const controllers = others.map(() => new AbortController());
      const running = others.map((runnable, i) => supervise(runnable, controllers[i]!.signal));
      const electionStop = new AbortController();
      const electing = supervise(election, electionStop.signal);
      const onAbort = () => end({ failed: false, reason: String(signal.reason ?? 'stopped') });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });

      await aborted(stop.signal);
      signal.removeEventListener('abort', onAbort);
      const delayMs = result!.failed ? 0 : (options.shutdownDelayMs ?? 0);
      logger.info({ reason: result!.reason, delayMs }, 'shutting down');
      electionStop.abort();
      if (delayMs > 0) {
        await sleep(delayMs);
        logger.info({ delayMs }, 'shutdown delay over; stopping');
      }
      let pending = others.length + 1;
      const stopping = (async () => {
        await electing;
        pending--;
        for (let i = others.length - 1; i >= 0; i--) {
          controllers[i]!.abort();
          await running[i];
          pending--;
        }
      })();
      const timeoutMs = options.shutdownTimeoutMs ?? 30_000;
      const bound = new AbortController();
      const timedOut = await Promise.race([
        stopping.then(() => false),
        sleep(timeoutMs, bound.signal).then(() => !bound.signal.aborted),
      ]);
      bound.abort();
      if (timedOut) {
        logger.warn({ timeoutMs, pending }, 'runnables did not stop within the shutdown timeout; giving up on them');
        return { ...result!, timedOut: true };
      }
      return result!;
    },
  };
}
