// The rotation decisions on random histories (fast-check): time passing in steps no longer than the
// check interval, a leader whose clock is off by up to a minute (a new offset at every restart), a
// restart after any number of actions with the state reloaded from the stored objects only,
// replicas that are slow to serve the Secret's pair, issuers that cannot be read, and hand edits
// (a caBundle emptied, garbled, narrowed or widened; the Secret deleted or a part of it corrupted).
// Lifetimes are hours, so a history crosses several CA rotations. At every step: nothing a replica
// serves is expired, not yet valid or unverifiable by a caBundle the leader wrote; no action breaks
// invariant 1 or 2 (rotation-world.ts checkAction); a check that is not cut short converges.
import fc from 'fast-check';
import t from 'tap';
import { decideRotation, type RotationState } from '../../../src/tls/rotation.ts';
import { type RotationSettings, rotationSettingsProblems } from '../../../src/tls/rotation-settings.ts';
import { DNS_NAMES, TARGETS, type World, check, createWorld, runLeader, sync } from './rotation-world.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const SKEW = MINUTE;
/** A replica serves the Secret's pair at most this long (plus one step) after it was issued. */
const LAG = 5 * MINUTE;
const settings: RotationSettings = {
  caLifetimeMs: 8 * HOUR,
  caRenewBeforeMs: 3 * HOUR,
  servingLifetimeMs: 2 * HOUR,
  servingRenewBeforeMs: 40 * MINUTE,
  checkIntervalMs: 10 * MINUTE,
  backdateMs: 5 * MINUTE,
  settleMs: 2 * MINUTE,
};
const T0 = Date.UTC(2030, 0, 1);
const REPLICAS = 3;

type Edit =
  | { kind: 'caBundle'; target: string; to: 'corrupt' | 'absent' | 'empty' | 'narrowed' | 'widened' }
  | { kind: 'secret'; to: 'absent' | 'ca' | 'bundle' | 'serving' | 'key-mismatch' };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    kind: fc.constant('caBundle' as const),
    target: fc.constantFrom(...TARGETS),
    to: fc.constantFrom(
      'corrupt' as const,
      'absent' as const,
      'empty' as const,
      'narrowed' as const,
      'widened' as const,
    ),
  }),
  fc.record({
    kind: fc.constant('secret' as const),
    to: fc.constantFrom(
      'absent' as const,
      'ca' as const,
      'bundle' as const,
      'serving' as const,
      'key-mismatch' as const,
    ),
  }),
);
const flags = (oneIn: number) =>
  fc.array(
    fc.integer({ min: 1, max: oneIn }).map((n) => n === 1),
    { minLength: REPLICAS, maxLength: REPLICAS },
  );
/** `arbitrary` once in `oneIn` steps on average, else null. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, oneIn: number) =>
  fc.oneof({ arbitrary: fc.constant(null), weight: oneIn - 1 }, { arbitrary, weight: 1 });
const step = fc.record({
  dt: fc.integer({ min: 1000, max: settings.checkIntervalMs }),
  syncs: flags(2),
  unknown: flags(6),
  crashAfter: sometimes(fc.integer({ min: 0, max: 4 }), 8),
  skew: fc.integer({ min: -SKEW, max: SKEW }),
  edit: sometimes(edit, 15),
});

type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

function handEdit(world: World, e: Edit, now: number): void {
  if (e.kind === 'caBundle') {
    const current = world.injected.get(e.target);
    const cas = typeof current === 'object' ? current : [];
    const foreign = { fingerprint: `foreign@${now}`, notBefore: now - HOUR, notAfter: now + HOUR, pem: '' };
    const to = { corrupt: 'corrupt', absent: 'absent', empty: [], narrowed: cas.slice(1), widened: [...cas, foreign] };
    world.injected.set(e.target, to[e.to] as RotationState['injected'][number]['bundle']);
    world.tampered.add(e.target);
  } else if (world.secret !== 'absent') {
    const secret = world.secret;
    if (e.to === 'absent') world.secret = 'absent';
    else if (e.to === 'ca') world.secret = { ...secret, ca: 'corrupt' };
    else if (e.to === 'bundle') world.secret = { ...secret, bundle: 'corrupt' };
    else world.secret = { ...secret, serving: e.to === 'serving' ? 'corrupt' : 'key-mismatch' };
  }
}

/** Plays a history; the problems seen, each with the step it was seen at. */
function play(steps: Step[]) {
  const world = createWorld(REPLICAS);
  const problems: string[] = [];
  let time = T0;
  let skew = 0;
  let unknown = new Set<string>();
  // One hand edit at a time: a second before the first is repaired could lose every copy of a CA.
  let editPending = false;
  const decide = (state: RotationState) => decideRotation({ now: time + skew, settings, dnsNames: DNS_NAMES, state });
  const leader = (limit?: number) => {
    const run = runLeader(world, decide, time, { unknown, ...(limit !== undefined && { limit }) });
    problems.push(...run.problems);
    return run;
  };
  const at = (i: number) => (p: string) => `step ${i} (+${Math.round((time - T0) / MINUTE)} min): ${p}`;
  leader();
  world.replicas.forEach((r) => sync(world, r));
  for (const [i, s] of steps.entries()) {
    const before = problems.length;
    time += s.dt;
    problems.push(...check(world, time));
    world.replicas.forEach((r, j) => {
      if (s.syncs[j] || (r.staleSince !== undefined && time - r.staleSince >= LAG)) sync(world, r);
    });
    unknown = new Set(world.replicas.filter((_, j) => s.unknown[j]).map((r) => r.name));
    if (s.edit && !editPending) {
      handEdit(world, s.edit, time);
      editPending = true;
    }
    if (s.crashAfter !== null) {
      leader(s.crashAfter);
      skew = s.skew;
    }
    const run = leader();
    if (!run.converged) problems.push(`did not converge: ${run.actions.map((a) => a.type).join(', ')}`);
    else editPending = false;
    if (run.nextCheckAt <= time + skew || run.nextCheckAt > time + skew + settings.checkIntervalMs)
      problems.push(`next check at ${run.nextCheckAt - time - skew} ms`);
    problems.push(...check(world, time));
    problems.splice(before, Infinity, ...problems.slice(before).map(at(i)));
    if (problems.length) break;
  }
  return { problems, world, time };
}

t.strictSame(rotationSettingsProblems(settings), [], 'the settings keep the promises');

t.test('random histories keep the invariants at every step', async (t) => {
  let rotations = 0;
  fc.assert(
    fc.property(fc.array(step, { minLength: 60, maxLength: 160 }), (steps) => {
      const { problems, world } = play(steps);
      rotations += world.cas.size;
      if (problems.length) throw new Error(problems.slice(0, 5).join('\n'));
    }),
    { numRuns: 150 },
  );
  t.ok(rotations > 150 * 2, `CAs issued over all histories: ${rotations}`);
});
