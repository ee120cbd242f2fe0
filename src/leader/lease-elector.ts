// Lease leader election with client-go's semantics, plus release on stop.
//
// Contract: onStartedLeading(term) runs the leader-only parts until `term` aborts and resolves
// once they have stopped. `term` aborts the moment renewal has failed for renewDeadline (before
// any other replica can acquire: renewDeadline < leaseDuration, and others count the lease from
// when they saw our last renewal), or when another holder is seen. We wait for the leader-only
// parts to stop before campaigning again.
//
// After losing the lease the process re-enters the election instead of exiting (controller-runtime
// exits and lets the kubelet restart it): the webhooks keep serving without a restart, and each
// term starts its leader-only parts afresh (new watches, new queue).
//
// On stop (`signal` aborts): leader-only parts stop first, then the Lease is released (empty
// holder, leaseDurationSeconds 1) so a standby takes over at its next retry, not after the lease.
//
// When the leader-only parts fail (onStartedLeading rejects: src/runtime/manager.ts stops the rest
// of them first), the term ends at once and the Lease is released the same way, so a standby leads
// at its next retry instead of this replica holding the Lease while reconciling nothing. This
// replica then waits before campaigning again: twice the retry period after the first failed term,
// doubling with each failed term in a row, at most a minute (`maxFailureBackoffMs`), so a healthy
// standby wins first and a failure every replica shares (missing RBAC, say) retries slowly instead
// of spinning. Not an exit, as controller-runtime does: the process also serves the webhooks, and
// a restart would drop this replica from the Service for a failure that admission does not share.
import type { Logger } from 'pino';
import { sleep } from '../runtime/sleep.ts';
import type { LeaseClient } from './lease-client.ts';
import { type LeaseSpec, canAcquire, msUntilAcquirable, nextLeaseSpec, releasedLeaseSpec } from './lease-record.ts';

export type LeaseElectorOptions = {
  client: LeaseClient;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** Deadline of one Lease request; kept below renewDeadline so one hung call cannot cost the lease. */
  requestTimeoutMs?: number;
  logger: Logger;
  onStartedLeading(term: AbortSignal): Promise<void>;
  /** Another holder was observed (the current leader's identity, '' when released). */
  onNewLeader?(identity: string): void;
  /** The longest wait after failed terms before campaigning again; default 60 s. */
  maxFailureBackoffMs?: number;
};

type Attempt = 'acquired' | 'held-by-other';

export function createLeaseElector(options: LeaseElectorOptions) {
  const { client, identity, logger } = options;
  const requestTimeoutMs = Math.min(options.requestTimeoutMs ?? 5000, options.renewDeadlineMs / 2);
  const maxFailureBackoffMs = options.maxFailureBackoffMs ?? 60_000;
  let observed: { spec: LeaseSpec; resourceVersion: string; atMs: number } | undefined;

  function observe(spec: LeaseSpec, resourceVersion: string): void {
    const changed = !observed || JSON.stringify(observed.spec) !== JSON.stringify(spec);
    if (changed) {
      if (spec.holderIdentity !== observed?.spec.holderIdentity && spec.holderIdentity !== identity) {
        options.onNewLeader?.(spec.holderIdentity ?? '');
      }
      observed = { spec, resourceVersion, atMs: Date.now() };
    } else observed!.resourceVersion = resourceVersion;
  }

  /** One client-go tryAcquireOrRenew. Throws on request failures (timeouts, 5xx). */
  async function tryAcquireOrRenew(timeoutMs: number): Promise<Attempt> {
    const leaseDurationSeconds = Math.ceil(options.leaseDurationMs / 1000);
    const current = await client.get(timeoutMs);
    if (!current) {
      const created = await client.create(
        nextLeaseSpec(undefined, identity, leaseDurationSeconds, new Date()),
        timeoutMs,
      );
      if (!created) return 'held-by-other';
      observe(created.spec, created.resourceVersion);
      return 'acquired';
    }
    observe(current.spec, current.resourceVersion);
    if (!canAcquire(current.spec, identity, observed!.atMs, Date.now())) return 'held-by-other';
    const next = nextLeaseSpec(current.spec, identity, leaseDurationSeconds, new Date());
    const updated = await client.update(current.resourceVersion, next, timeoutMs);
    if (!updated) return 'held-by-other';
    observe(updated.spec, updated.resourceVersion);
    return 'acquired';
  }

  /**
   * Retries every retryPeriod (+0–20 % jitter) until acquired; false when `signal` aborts. The
   * next try comes sooner when the lease as last seen would expire before it: a standby takes a
   * dead holder's Lease the moment it may (client-go waits for the next retry after that, up to
   * 1.2 retry periods more); while the holder renews, the expiry moves on and nothing changes.
   */
  async function campaign(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      try {
        if ((await tryAcquireOrRenew(requestTimeoutMs)) === 'acquired') return true;
      } catch (err) {
        logger.warn({ err }, 'could not reach the Lease; retrying');
      }
      const retryMs = options.retryPeriodMs * (1 + Math.random() * 0.2);
      const expiresMs = observed && msUntilAcquirable(observed.spec, identity, observed.atMs, Date.now());
      await sleep(expiresMs === undefined ? retryMs : Math.min(retryMs, expiresMs), signal);
    }
    return false;
  }

  /** Renews until the deadline passes without a renewal, another holder appears, or `signal` aborts. */
  async function renew(signal: AbortSignal): Promise<string | undefined> {
    let lastRenewStart = Date.now();
    while (!signal.aborted) {
      await sleep(options.retryPeriodMs, signal);
      if (signal.aborted) return undefined;
      const started = Date.now();
      const remaining = lastRenewStart + options.renewDeadlineMs - started;
      if (remaining <= 0) return `no renewal for ${options.renewDeadlineMs} ms`;
      try {
        const outcome = await tryAcquireOrRenew(Math.min(requestTimeoutMs, remaining));
        if (outcome === 'held-by-other') return `the Lease is held by ${observed?.spec.holderIdentity}`;
        lastRenewStart = started;
      } catch (err) {
        logger.warn({ err }, 'renewing the Lease failed');
      }
      if (Date.now() - lastRenewStart >= options.renewDeadlineMs) return `no renewal for ${options.renewDeadlineMs} ms`;
    }
    return undefined;
  }

  async function release(): Promise<void> {
    try {
      const current = await client.get(requestTimeoutMs);
      if (current?.spec.holderIdentity !== identity) return;
      if (await client.update(current.resourceVersion, releasedLeaseSpec(current.spec, new Date()), requestTimeoutMs)) {
        logger.info('released the Lease');
      }
    } catch (err) {
      logger.warn({ err }, 'could not release the Lease; it expires on its own');
    }
  }

  return {
    needsLeaderElection: false,
    identity,
    async start(signal: AbortSignal): Promise<void> {
      let failedTerms = 0;
      while (await campaign(signal)) {
        logger.info('became the leader');
        const term = new AbortController();
        let failure: { err: unknown } | undefined;
        const work = options.onStartedLeading(term.signal).catch((err: unknown) => {
          failure = { err };
          term.abort();
        });
        const lost = await renew(AbortSignal.any([signal, term.signal]));
        term.abort();
        await work;
        if (signal.aborted) {
          logger.info('stopped leading: shutting down');
          await release();
          return;
        }
        if (!failure) {
          failedTerms = 0;
          logger.warn({ reason: lost }, 'lost the Lease; leader-only work stopped; campaigning again');
          continue;
        }
        await release();
        failedTerms++;
        const backoffMs = Math.min(options.retryPeriodMs * 2 ** failedTerms, maxFailureBackoffMs);
        // The failure itself is logged and counted where it happened (src/runtime/manager.ts).
        logger.warn(
          { failedTerms, backoffMs },
          'leader-only work failed: released the Lease for another replica; campaigning again after a backoff',
        );
        await sleep(backoffMs, signal);
      }
    },
  };
}

export type LeaseElector = ReturnType<typeof createLeaseElector>;
