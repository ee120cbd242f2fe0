// The elector's campaign timing against an in-memory Lease (the LeaseClient contract: a
// resourceVersion per write, undefined on a lost race): a standby takes a dead holder's Lease when
// the lease it saw last expires, never before, and polls no faster than its retry period while the
// holder renews. Failover against the real apiserver: test/integration/leader-election.test.ts.
import { pino } from 'pino';
import t from 'tap';
import type { Lease, LeaseClient } from '../../../src/leader/lease-client.ts';
import { createLeaseElector } from '../../../src/leader/lease-elector.ts';
import { type LeaseSpec, msUntilAcquirable, nextLeaseSpec } from '../../../src/leader/lease-record.ts';

/** One Lease in memory; counts the gets. */
function memoryLease(initial?: LeaseSpec) {
  let lease: Lease | undefined = initial && { resourceVersion: '1', spec: initial };
  let version = 1;
  const state = { gets: 0 };
  const write = (spec: LeaseSpec): Lease => (lease = { resourceVersion: String(++version), spec });
  const client: LeaseClient = {
    async get() {
      state.gets++;
      return lease;
    },
    async create(spec) {
      return lease ? undefined : write(spec);
    },
    async update(resourceVersion, spec) {
      return lease?.resourceVersion === resourceVersion ? write(spec) : undefined;
    },
  };
  const renew = (identity: string) =>
    write(nextLeaseSpec(lease?.spec, identity, lease?.spec.leaseDurationSeconds ?? 1, new Date()));
  return { client, state, renew };
}

function elector(client: LeaseClient, retryPeriodMs: number, onLeading: () => void) {
  return createLeaseElector({
    client,
    identity: 'standby',
    leaseDurationMs: 1000,
    renewDeadlineMs: 800,
    retryPeriodMs,
    logger: pino({ level: 'silent' }),
    async onStartedLeading(term) {
      onLeading();
      await new Promise((resolve) => term.addEventListener('abort', resolve, { once: true }));
    },
  });
}

t.test('msUntilAcquirable: the time left of the lease as observed, or undefined', async (t) => {
  const held: LeaseSpec = { holderIdentity: 'other', leaseDurationSeconds: 15 };
  t.equal(msUntilAcquirable(held, 'me', 1_000, 5_000), 11_000, 'observed at 1 s, 15 s lease, now 5 s');
  t.equal(msUntilAcquirable(held, 'me', 1_000, 16_000), undefined, 'expired: acquirable now');
  t.equal(msUntilAcquirable(held, 'other', 1_000, 5_000), undefined, 'its own');
  t.equal(msUntilAcquirable({ holderIdentity: '' }, 'me', 1_000, 5_000), undefined, 'released');
});

t.test("a standby takes a dead holder's Lease when it expires, not at its next retry after", async (t) => {
  const lease = memoryLease(nextLeaseSpec(undefined, 'dead', 1, new Date()));
  const stop = new AbortController();
  t.teardown(() => stop.abort());
  const started = Date.now();
  const leading = new Promise<number>((resolve) => {
    void elector(lease.client, 3000, () => resolve(Date.now() - started)).start(stop.signal);
  });
  const ms = await leading;
  // The first get observes the record at `started` or later; the retry alone would try again only
  // 3,000-3,600 ms after it.
  t.ok(ms >= 1000, `not before the 1 s lease ran out (${ms} ms)`);
  t.ok(ms < 2500, `at its expiry, before the 3 s retry (${ms} ms)`);
});

t.test('while the holder renews, a standby polls at its retry period and never acquires', async (t) => {
  // A 2 s lease the test outlives (3 s): without the renewals the standby would take it; with
  // them it takes an event-loop stall of about 1.8 s to look expired.
  const lease = memoryLease(nextLeaseSpec(undefined, 'alive', 2, new Date()));
  const renewing = setInterval(() => lease.renew('alive'), 200);
  const stop = new AbortController();
  t.teardown(() => (clearInterval(renewing), stop.abort()));
  let led = false;
  const run = elector(lease.client, 400, () => (led = true)).start(stop.signal);
  await new Promise((resolve) => setTimeout(resolve, 3000));
  stop.abort();
  await run;
  t.notOk(led, 'the live holder keeps it');
  // One get at once, then one per 400-480 ms: at most 8 in 3 s (a slow machine makes fewer).
  t.ok(lease.state.gets <= 8, `${lease.state.gets} gets in 3 s (retry 400 ms)`);
});
