// The rotation decisions by example, on a fake clock with the default settings: first start,
// serving renewal, a CA rotation through its overlap to dropping the old CA, a lagging replica, a
// restart before every action of it, a deleted or corrupted Secret, a caBundle edited by hand and an
// expired pair at start. Each run also checks invariants 1 and 2 as every action is applied.
import t from 'tap';
import { createFakeClock } from '../../helpers/fake-clock.ts';
import { decideRotation, type RotationState } from '../../../src/tls/rotation.ts';
import { DEFAULT_ROTATION_SETTINGS as S, rotationSettingsProblems } from '../../../src/tls/rotation-settings.ts';
import {
  DNS_NAMES,
  TARGETS,
  type World,
  check,
  cloneWorld,
  createWorld,
  observe,
  runLeader,
  sync,
} from './rotation-world.ts';

const T0 = Date.UTC(2030, 0, 1);
const DAY = 24 * 60 * 60 * 1000;

function setup() {
  const clock = createFakeClock();
  const now = () => T0 + clock.now();
  const decide = (state: RotationState) => decideRotation({ now: now(), settings: S, dnsNames: DNS_NAMES, state });
  const world = createWorld();
  const leader = (w: World = world, unknown?: Set<string>) =>
    runLeader(w, decide, now(), { ...(unknown && { unknown }) });
  const syncAll = (w: World = world) => w.replicas.forEach((r) => sync(w, r));
  /** Lives until `at`: a check a day (well inside every window), replicas in step. */
  const liveUntil = (at: number) => {
    while (now() < at) {
      clock.advance(Math.min(DAY, at - now()));
      leader();
      syncAll();
    }
  };
  return { clock, now, decide, world, leader, syncAll, liveUntil };
}

const types = (run: ReturnType<typeof runLeader>) => run.actions.map((a) => a.type);
const secretOf = (w: World) => (w.secret === 'absent' ? assertNever() : w.secret);
const bundleOf = (w: World) => (secretOf(w).bundle as readonly { fingerprint: string }[]).map((c) => c.fingerprint);
const issuerOf = (w: World) => (secretOf(w).serving as { issuer: string }).issuer;
function assertNever(): never {
  throw new Error('no Secret');
}

/** The start every other example begins from: converged, every replica serving the pair. */
function started() {
  const s = setup();
  const run = s.leader();
  s.syncAll();
  return { ...s, run };
}

t.test('the default settings keep the promises; a window as long as the lifetime does not', async (t) => {
  t.strictSame(rotationSettingsProblems(S), []);
  t.match(rotationSettingsProblems({ ...S, servingRenewBeforeMs: S.servingLifetimeMs }), [/shorter than its lifetime/]);
  t.match(rotationSettingsProblems({ ...S, caRenewBeforeMs: S.checkIntervalMs }), [/must exceed the check interval/]);
});

t.test('first start: a CA, injected, then a pair it signed, backdated', async (t) => {
  const { run, world, now } = started();
  t.strictSame(types(run), ['issue-ca', 'inject', 'record-signer-trusted', 'issue-serving']);
  t.ok(run.converged);
  t.strictSame(run.problems, []);
  t.strictSame(bundleOf(world), ['ca1']);
  const [ca, , , pair] = run.actions;
  t.match(ca, { notBefore: now() - S.backdateMs, notAfter: now() + S.caLifetimeMs, keep: [] });
  t.match(pair, { signer: 'ca1', notBefore: now() - S.backdateMs, notAfter: now() + S.servingLifetimeMs });
  t.strictSame((pair as { dnsNames: string[] }).dnsNames, DNS_NAMES);
  t.strictSame(check(world, now()), []);
  t.ok(run.nextCheckAt > now() && run.nextCheckAt <= now() + S.checkIntervalMs, 'decides again within the interval');
});

t.test('the serving pair is renewed at its renew-before, by the same CA, at once', async (t) => {
  const { clock, leader, world } = started();
  clock.advance(S.servingLifetimeMs - S.servingRenewBeforeMs - 1);
  t.strictSame(types(leader()), [], 'not due a millisecond before');
  clock.advance(1);
  const run = leader();
  t.strictSame(types(run), ['issue-serving']);
  t.equal(issuerOf(world), 'ca1');
  t.strictSame(bundleOf(world), ['ca1']);
});

t.test('CA rotation: overlap, settle, new pair, old CA dropped once every replica serves it', async (t) => {
  const { clock, leader, world, syncAll, now, liveUntil } = started();
  const old = secretOf(world).ca as { fingerprint: string; notAfter: number };
  liveUntil(old.notAfter - S.caRenewBeforeMs - 1);
  t.equal(issuerOf(world), old.fingerprint, 'renewed pairs, all by the first CA');
  clock.advance(1);
  let run = leader();
  t.strictSame(types(run), ['issue-ca', 'inject', 'record-signer-trusted'], 'the new CA is trusted first');
  const next = (secretOf(world).ca as { fingerprint: string }).fingerprint;
  t.strictSame(bundleOf(world), [old.fingerprint, next], 'the bundle keeps the old CA');
  t.strictSame(run.problems, []);
  t.match(leader(), { actions: [], converged: true }, 'a usable pair is not replaced before the CA settles');
  t.equal(run.nextCheckAt, now() + S.settleMs);
  clock.advance(S.settleMs);
  t.strictSame(types(leader()), ['issue-serving']);
  t.equal(issuerOf(world), next);
  world.replicas.slice(0, 2).forEach((r) => sync(world, r));
  t.strictSame(types(leader()), [], 'r2 still serves the old pair: the old CA stays');
  t.strictSame(bundleOf(world), [old.fingerprint, next]);
  t.strictSame(check(world, now()), []);
  syncAll();
  t.strictSame(types(leader(world, new Set(['r1']))), [], 'an unknown issuer keeps it too');
  run = leader();
  t.strictSame(types(run), ['write-bundle', 'inject']);
  t.strictSame(bundleOf(world), [next]);
  t.strictSame(run.problems, []);
  t.strictSame(check(world, now()), []);
});

t.test('a restart before any action of a CA rotation resumes it to the same end', async (t) => {
  const { clock, decide, world, syncAll, now, liveUntil } = started();
  liveUntil(T0 + S.caLifetimeMs - S.caRenewBeforeMs);
  const snapshots: World[] = [];
  for (let step = 0; step < 12; step++) {
    snapshots.push(cloneWorld(world));
    const first = runLeader(world, decide, now(), { limit: 1 });
    t.strictSame(first.problems, []);
    if (first.converged) {
      if (bundleOf(world).length === 1) break;
      clock.advance(S.settleMs);
      syncAll();
    }
  }
  t.equal(bundleOf(world).length, 1);
  for (const [i, snapshot] of snapshots.entries()) {
    const again = runLeader(snapshot, decide, now());
    snapshot.replicas.forEach((r) => sync(snapshot, r));
    const end = runLeader(snapshot, decide, now());
    t.ok(again.converged && end.converged, `from step ${i}: converges`);
    t.strictSame([...again.problems, ...end.problems, ...check(snapshot, now())], [], `from step ${i}: no problem`);
    t.strictSame(bundleOf(snapshot), [issuerOf(snapshot)], `from step ${i}: only the new CA is left`);
  }
});

t.test('a deleted Secret: a new CA, the served one kept until replicas move, a pair once it settles', async (t) => {
  const { leader, world, syncAll, now, clock } = started();
  world.secret = 'absent';
  const run = leader();
  t.strictSame(types(run), ['issue-ca', 'inject', 'record-signer-trusted']);
  t.strictSame(run.problems, []);
  t.equal(run.nextCheckAt, now() + S.settleMs, 'the replicas still serve a usable pair: it waits for the CA');
  clock.advance(S.settleMs);
  t.strictSame(types(leader()), ['issue-serving']);
  const next = (secretOf(world).ca as { fingerprint: string }).fingerprint;
  t.strictSame(bundleOf(world), ['ca1', next], 'the CA still served is carried over from the caBundles');
  syncAll();
  t.strictSame(types(leader()), ['write-bundle', 'inject']);
  t.strictSame(bundleOf(world), [next]);
  t.strictSame(check(world, now()), []);
});

t.test('a corrupted Secret is repaired part by part', async (t) => {
  const { leader, world } = started();
  const secret = secretOf(world);
  world.secret = { ...secret, bundle: 'corrupt' };
  t.strictSame(types(leader()), ['write-bundle']);
  t.strictSame(bundleOf(world), ['ca1']);
  world.secret = { ...secretOf(world), serving: 'key-mismatch' };
  t.strictSame(types(leader()), ['issue-serving'], 'no settle wait: nothing usable to keep');
  world.secret = { ...secretOf(world), ca: 'corrupt' };
  const run = leader();
  t.strictSame(types(run), ['issue-ca', 'inject', 'record-signer-trusted']);
  t.strictSame(run.problems, []);
});

t.test('a caBundle edited by hand is repaired: garbage, another CA, or emptied', async (t) => {
  const { leader, world, now } = started();
  const foreign = { fingerprint: 'foreign', notBefore: 0, notAfter: now() + DAY, pem: '' };
  for (const edit of ['corrupt', [foreign], [], 'absent'] as const) {
    world.injected.set(TARGETS[1]!, edit);
    const run = leader();
    t.match(run.actions, [{ type: 'inject', targets: [TARGETS[1]] }], JSON.stringify(edit));
    t.strictSame(world.injected.get(TARGETS[1]!), world.injected.get(TARGETS[0]!));
  }
});

t.test('an expired pair at start is replaced at once', async (t) => {
  const { leader, world, clock, now } = started();
  clock.advance(S.servingLifetimeMs + DAY);
  world.replicas.forEach((r) => (r.serving = undefined));
  const run = leader();
  t.strictSame(types(run), ['issue-serving']);
  t.match(secretOf(world).serving, { notBefore: now() - S.backdateMs });
});

t.test('a pair never outlives its CA, and one cut short is left to the CA rotation', async (t) => {
  // A CA renewed 45 days before it ends signs 90-day pairs: the last ones are cut short.
  const settings = { ...S, caRenewBeforeMs: 45 * DAY };
  t.strictSame(rotationSettingsProblems(settings), []);
  const { world, clock, now } = started();
  const decide = (state: RotationState) => decideRotation({ now: now(), settings, dnsNames: DNS_NAMES, state });
  const ca = secretOf(world).ca as { fingerprint: string; notAfter: number };
  clock.advance(ca.notAfter - now() - 60 * DAY);
  world.secret = { ...secretOf(world), serving: 'corrupt' };
  runLeader(world, decide, now());
  t.equal((secretOf(world).serving as { notAfter: number }).notAfter, ca.notAfter, 'cut at the end of the CA');
  clock.advance(15 * DAY - 1);
  t.match(decide(observe(world)), { action: undefined, nextCheckAt: now() + 1 }, 'not reissued by the same CA');
  clock.advance(1);
  t.match(decide(observe(world)).action, { type: 'issue-ca' }, 'the CA rotation replaces it');
});

t.test('no replica reported: no CA is dropped', async (t) => {
  const { world, now, decide } = started();
  const extra = { fingerprint: 'old', notBefore: 0, notAfter: now() + DAY, pem: '' };
  const bundle = [world.cas.get('ca1')!, extra];
  world.secret = { ...secretOf(world), bundle };
  world.injected.forEach((_, target) => world.injected.set(target, bundle));
  t.equal(decide({ ...observe(world), replicas: [] }).action, undefined);
  t.equal(decide(observe(world)).action?.type, 'write-bundle', 'with the replicas reported, it goes');
});
