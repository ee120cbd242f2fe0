// The Manager (controller-runtime's pkg/manager, runnable_group.go): runs every Runnable of the
// process, grouped by whether it needs leadership, and owns the one way they stop.
//
// Start, in gated groups: the `servers` (each until it listens), then the `caches` (each until it
// has synced), then the other runnables that need no leadership, then the election, which runs
// the leader-only group for each term it wins (without an election this replica leads once the
// rest has started). So the webhooks answer before any cache is populated (controller-runtime:
// "Webhooks MUST start before any cache is populated"), and a term never starts on caches that
// have not synced. Within a group the runnables start together, in the order given.
// Stop (the caller's signal aborts, or any runnable's start rejects, a failed listen included):
// the election first (its term ends, the leader-only group stops and the Lease is released), then
// the other runnables one by one in the reverse of their start order, so the webhook server closes
// last and in-flight admission requests finish. On the caller's signal the other runnables first
// keep running for `shutdownDelayMs` (the webhook server keeps serving while Service endpoints drop
// this replica; the election stops meanwhile, so a standby leads already), and stopping is bounded:
// what has not stopped `shutdownTimeoutMs` after the delay is given up on (controller-runtime's
// GracefulShutdownTimeout), so SIGTERM ends the process whatever the apiserver does.
//
// A leader-only runnable that fails ends its term: the rest of the leader-only group is stopped and
// `lead` rejects with a ManagerError whose cause is the failure. With an election, the elector then
// releases the Lease so another replica leads, and campaigns again after a backoff
// (src/leader/lease-elector.ts says why not exit); without one, the Manager stops, failed.
import { CodedError } from '../errors/coded-error.ts';
import type { Runnable } from './runnable.ts';
import { aborted } from './aborted.ts';
import { sleep } from './sleep.ts';

/** Leader election as the Manager drives it: runs `lead` for each term won, until `signal` aborts. */
export type LeaderElection = (lead: (term: AbortSignal) => Promise<void>) => Runnable;

export type ManagerLogger = {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  fatal(fields: object, message: string): void;
};

export type ManagerOptions = {
  runnables: readonly Runnable[];
  /** Absent: no election; the leader-only group runs for as long as the Manager does. */
  leaderElection?: LeaderElection;
  /** Called with true when a leader-only group starts and false once it has stopped. */
  onLeadershipChange?(leading: boolean): void;
  /** Called when a leader-only runnable failed and its term ends (before `lead` rejects). */
  onLeaderRunnableFailed?(err: unknown): void;
  /** After the caller's signal, how long the non-leader runnables keep running; default 0. */
  shutdownDelayMs?: number;
  /** After the delay, how long stopping may take before run() stops waiting; default 30 s. */
  shutdownTimeoutMs?: number;
  logger: ManagerLogger;
};

/** `lead` rejects with LEADER_RUNNABLE_FAILED (cause: the runnable's error) when its term failed. */
export class ManagerError extends CodedError<'LEADER_RUNNABLE_FAILED'> {}

/**
 * How the run ended: `failed` when a runnable's start rejected (the process should exit non-zero);
 * `timedOut` when some runnable had not stopped within the shutdown timeout.
 */
export type ManagerResult = { failed: boolean; reason: string; timedOut?: boolean };

const GROUPS = ['servers', 'caches', undefined] as const;

export function createManager(options: ManagerOptions) {
  const { logger } = options;
  const leaderOnly = options.runnables.filter((r) => r.needsLeaderElection);
  const groups = GROUPS.map((group) => options.runnables.filter((r) => !r.needsLeaderElection && r.group === group));

  const lead = async (term: AbortSignal): Promise<void> => {
    // Aborted with the term, or by the first failure, which stops the rest of the group.
    const group = new AbortController();
    const endGroup = () => group.abort();
    term.addEventListener('abort', endGroup, { once: true });
    let failure: { err: unknown } | undefined;
    options.onLeadershipChange?.(true);
    try {
      await Promise.all(
        leaderOnly.map((r) =>
          r.start(group.signal).catch((err: unknown) => {
            failure ??= { err };
            group.abort();
          }),
        ),
      );
    } finally {
      term.removeEventListener('abort', endGroup);
      options.onLeadershipChange?.(false);
    }
    if (failure) {
      logger.error({ err: failure.err }, 'a leader-only component failed; its leadership term ends');
      options.onLeaderRunnableFailed?.(failure.err);
      throw new ManagerError('LEADER_RUNNABLE_FAILED', 'a leader-only component failed', { cause: failure.err });
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
      const onAbort = () => end({ failed: false, reason: String(signal.reason ?? 'stopped') });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });

      // In start order; stopped in reverse.
      const started: { controller: AbortController; running: Promise<void> }[] = [];
      const electionStop = new AbortController();
      let electing: Promise<void> | undefined;
      const starting = (async () => {
        for (const group of groups) {
          if (stop.signal.aborted) return;
          for (const runnable of group) {
            const controller = new AbortController();
            started.push({ controller, running: supervise(runnable, controller.signal) });
          }
          await Promise.all(group.map((r) => r.ready?.(stop.signal)));
        }
        if (!stop.signal.aborted) electing = supervise(election, electionStop.signal);
      })();

      await aborted(stop.signal);
      signal.removeEventListener('abort', onAbort);
      await starting;
      const delayMs = result!.failed ? 0 : (options.shutdownDelayMs ?? 0);
      logger.info({ reason: result!.reason, delayMs }, 'shutting down');
      electionStop.abort();
      if (delayMs > 0) {
        await sleep(delayMs);
        logger.info({ delayMs }, 'shutdown delay over; stopping');
      }
      let pending = started.length + (electing ? 1 : 0);
      const stopping = (async () => {
        if (electing) {
          await electing;
          pending--;
        }
        for (const { controller, running } of started.toReversed()) {
          controller.abort();
          await running;
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
