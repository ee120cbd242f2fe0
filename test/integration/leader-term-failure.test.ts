// A leader-only part that fails does not keep the Lease: two Managers with real Lease electors
// against the real apiserver; the leader's controller throws on its first start, and the standby
// must lead within the retry period (plus jitter) while the failed replica backs off, says so in
// its log and in its failed-term count, and stays a standby.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import t from 'tap';
import { createLeaseClient } from '../../src/leader/lease-client.ts';
import { createLeaseElector } from '../../src/leader/lease-elector.ts';
import { createManager } from '../../src/runtime/manager.ts';
import type { Runnable } from '../../src/runtime/runnable.ts';
import { useControlPlane, useNamespace } from '../helpers/control-plane.ts';
import { eventually } from '../helpers/eventually.ts';

const LEASE_MS = 6000;
const RENEW_DEADLINE_MS = 4000;
const RETRY_MS = 1000;
const LEASE = 'shipshape-leader';

const { kc } = await useControlPlane(t, { nodes: 0 });
const namespace = await useNamespace(t, kc, 'lease');
const client = createLeaseClient(kc, namespace, LEASE);
const holder = async () => (await client.get(2000))?.spec.holderIdentity ?? '';

/** One replica: a Manager whose only leader-only part is `controller`, its log lines and counts. */
function replica(identity: string, controller: Runnable) {
  const lines: { level: number; msg: string; err?: { message: string } }[] = [];
  const logger = pino(
    { base: { identity } },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    }),
  );
  const state = { leading: false, failedTerms: 0 };
  const manager = createManager({
    runnables: [controller],
    leaderElection: (lead) =>
      createLeaseElector({
        client,
        identity,
        leaseDurationMs: LEASE_MS,
        renewDeadlineMs: RENEW_DEADLINE_MS,
        retryPeriodMs: RETRY_MS,
        logger,
        onStartedLeading: lead,
      }),
    onLeadershipChange: (leading) => (state.leading = leading),
    onLeaderRunnableFailed: () => state.failedTerms++,
    logger,
  });
  const stop = new AbortController();
  const run = manager.run(stop.signal);
  return { identity, lines, state, stop: () => (stop.abort('SIGTERM'), run) };
}

/** A controller that runs until its term ends; counts its starts. */
function healthy() {
  const starts = { count: 0 };
  const runnable: Runnable = {
    needsLeaderElection: true,
    start: (signal) => {
      starts.count++;
      return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    },
  };
  return { runnable, starts };
}

t.test(
  'a controller that throws on its first start hands the Lease to a standby within the retry period',
  async (t) => {
    let fail: ((err: Error) => void) | undefined;
    let failingStarts = 0;
    const failing: Runnable = {
      needsLeaderElection: true,
      start: (signal) => {
        failingStarts++;
        if (failingStarts > 1) {
          return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        }
        return new Promise((_resolve, reject) => (fail = reject));
      },
    };
    const a = replica('replica-a', failing);
    await eventually('replica-a leads', async () => (await holder()) === 'replica-a' && a.state.leading);
    const standby = healthy();
    const b = replica('replica-b', standby.runnable);
    t.teardown(async () => {
      await a.stop();
      await b.stop();
    });
    // b campaigns and finds the Lease held.
    await new Promise((resolve) => setTimeout(resolve, 2 * RETRY_MS));
    t.equal(await holder(), 'replica-a', 'the standby does not take a Lease that is renewed');

    const failedAt = Date.now();
    fail!(new Error('informer could not start: forbidden'));
    const { at } = await eventually(
      'replica-b leads',
      async () => ((await holder()) === 'replica-b' ? { at: Date.now() } : undefined),
      3 * LEASE_MS,
    );
    const handover = at - failedAt;
    t.comment(`handover ${handover} ms after the failure (retry period ${RETRY_MS} ms, +20% jitter)`);
    t.ok(handover <= RETRY_MS * 1.2 + 500, `replica-b leads within the retry period (${handover} ms)`);
    await eventually('replica-b runs its controller', async () => standby.starts.count === 1 && b.state.leading);

    t.equal(a.state.leading, false, 'replica-a no longer reports itself the leader');
    t.equal(a.state.failedTerms, 1, 'replica-a counted one failed term');
    t.ok(
      a.lines.some(
        (l) => l.level === 50 && /leader-only component failed/.test(l.msg) && /forbidden/.test(l.err!.message),
      ),
      'replica-a logged the failure with its error',
    );
    t.ok(
      a.lines.some((l) => /released the Lease for another replica/.test(l.msg)),
      'replica-a said it released the Lease',
    );

    // replica-a campaigns again after its backoff (2 retry periods) and finds the Lease held.
    await new Promise((resolve) => setTimeout(resolve, 4 * RETRY_MS));
    t.equal(await holder(), 'replica-b', 'replica-b keeps the Lease');
    t.equal(failingStarts, 1, "replica-a's controller did not start again");
    t.equal(standby.starts.count, 1, "replica-b's term did not end");

    // When the leader goes, the replica that failed before leads again, with its controller afresh.
    await b.stop();
    await eventually(
      'replica-a leads again',
      async () => (await holder()) === 'replica-a' && a.state.leading,
      3 * LEASE_MS,
    );
    t.equal(failingStarts, 2, "replica-a's controller started afresh");
  },
);
