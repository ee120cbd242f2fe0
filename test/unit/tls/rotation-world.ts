// An in-memory cluster for the rotation decisions: a Secret, the injected caBundles and replicas
// that pick up the Secret's pair late, with certificates reduced to fingerprints and validity. The
// leader's side (apply) does what the wiring will do with each action; check() states the
// invariants a user would notice: every pair served verifies against every caBundle, now.
import type { CaCertificate, RotationAction, RotationState, ServingPair } from '../../../src/tls/rotation.ts';
import type { StoredCertificates } from '../../../src/tls/rotation.ts';

export const DNS_NAMES = [
  'shipshape-webhook.shipshape-system.svc',
  'shipshape-webhook.shipshape-system.svc.cluster.local',
];
export const TARGETS = [
  'MutatingWebhookConfiguration/shipshape-defaults',
  'ValidatingWebhookConfiguration/shipshape-limits',
];

export type Injected = RotationState['injected'][number]['bundle'];
export type Replica = { name: string; serving: ServingPair | undefined; staleSince: number | undefined };

export type World = {
  secret: StoredCertificates | 'absent';
  injected: Map<string, Injected>;
  /** Targets edited by hand since the leader last wrote them: the invariants skip them. */
  tampered: Set<string>;
  replicas: Replica[];
  cas: Map<string, CaCertificate>;
  issued: number;
};

export function createWorld(replicas = 3): World {
  return {
    secret: 'absent',
    injected: new Map(TARGETS.map((t) => [t, 'absent' as const])),
    tampered: new Set(),
    replicas: Array.from({ length: replicas }, (_, i) => ({
      name: `r${i}`,
      serving: undefined,
      staleSince: undefined,
    })),
    cas: new Map(),
    issued: 0,
  };
}

/** What the leader reads; `unknown` names the replicas whose issuer could not be read. */
export function observe(world: World, unknown: ReadonlySet<string> = new Set()): RotationState {
  return {
    secret: world.secret,
    injected: [...world.injected].map(([target, bundle]) => ({ target, bundle })),
    replicas: world.replicas.map((r) => ({
      name: r.name,
      issuer: unknown.has(r.name) ? 'unknown' : (r.serving?.issuer ?? 'none'),
      ...(r.serving && !unknown.has(r.name) && { notAfter: r.serving.notAfter }),
    })),
  };
}

const secretOf = (world: World): StoredCertificates =>
  world.secret === 'absent' ? { ca: 'absent', bundle: [], serving: 'absent', signerTrusted: undefined } : world.secret;

/** Applies `action` as the wiring would, at true time `now` (replicas go stale from then). */
export function apply(world: World, action: RotationAction, now: number): void {
  const secret = secretOf(world);
  switch (action.type) {
    case 'issue-ca': {
      const ca = {
        fingerprint: `ca${++world.issued}`,
        notBefore: action.notBefore,
        notAfter: action.notAfter,
        pem: '',
      };
      world.cas.set(ca.fingerprint, ca);
      world.secret = { ...secret, ca, bundle: [...action.keep, ca], signerTrusted: undefined };
      break;
    }
    case 'write-bundle':
      world.secret = { ...secret, bundle: action.bundle };
      break;
    case 'inject':
      for (const target of action.targets) {
        world.injected.set(target, action.bundle);
        world.tampered.delete(target);
      }
      break;
    case 'record-signer-trusted':
      world.secret = { ...secret, signerTrusted: action.signerTrusted };
      break;
    case 'issue-serving': {
      const { signer, notBefore, notAfter, dnsNames } = action;
      const serving = { fingerprint: `pair${++world.issued}`, issuer: signer, notBefore, notAfter, dnsNames };
      world.secret = { ...secret, serving };
      for (const r of world.replicas) r.staleSince ??= now;
    }
  }
}

/** A replica's reloader: takes the Secret's pair when it is usable, else keeps its own. */
export function sync(world: World, replica: Replica): void {
  replica.staleSince = undefined;
  if (world.secret !== 'absent' && typeof world.secret.serving === 'object') replica.serving = world.secret.serving;
}

/** Problems a user would see at true time `now`; [] when none. */
export function check(world: World, now: number): string[] {
  const problems: string[] = [];
  for (const r of world.replicas) {
    const pair = r.serving;
    if (!pair) continue;
    if (!(pair.notBefore <= now && now < pair.notAfter))
      problems.push(`${r.name} serves ${pair.fingerprint}, not valid now`);
    const ca = world.cas.get(pair.issuer ?? '');
    if (!ca || !(ca.notBefore <= now && now < ca.notAfter))
      problems.push(`${r.name}'s CA ${pair.issuer} is not valid now`);
    for (const [target, bundle] of world.injected) {
      if (world.tampered.has(target)) continue;
      if (typeof bundle !== 'object' || !bundle.some((c) => c.fingerprint === pair.issuer))
        problems.push(`${target} cannot verify ${r.name}'s ${pair.fingerprint} (by ${pair.issuer})`);
    }
  }
  return problems;
}

/** Invariants 1 and 2 at the moment `action` is applied: [] when it keeps them. */
export function checkAction(world: World, action: RotationAction): string[] {
  const problems: string[] = [];
  if (action.type === 'issue-serving') {
    for (const [target, bundle] of world.injected) {
      if (typeof bundle !== 'object' || !bundle.some((c) => c.fingerprint === action.signer))
        problems.push(`issued by ${action.signer}, which ${target} does not carry`);
    }
  }
  const served = [
    ...world.replicas.map((r) => r.serving?.issuer),
    world.secret !== 'absent' && typeof world.secret.serving === 'object' ? world.secret.serving.issuer : undefined,
  ].filter((f) => f !== undefined && world.cas.has(f));
  const next = action.type === 'inject' || action.type === 'write-bundle' ? action.bundle : undefined;
  const nextSecretBundle = action.type === 'issue-ca' ? action.keep : next;
  for (const issuer of served) {
    if (nextSecretBundle && !nextSecretBundle.some((c) => c.fingerprint === issuer))
      problems.push(`${action.type} drops ${issuer}, still served`);
  }
  return problems;
}

export type LeaderRun = { actions: RotationAction[]; problems: string[]; converged: boolean; nextCheckAt: number };

/**
 * One leader check: decides and applies until no action is left (at most `limit`, so a crash can be
 * had after any number), on the leader's clock `now` (true time + skew) at true time `trueNow`.
 */
export function runLeader(
  world: World,
  decide: (state: RotationState) => { action: RotationAction | undefined; nextCheckAt: number },
  trueNow: number,
  options: { unknown?: ReadonlySet<string>; limit?: number } = {},
): LeaderRun {
  const run: LeaderRun = { actions: [], problems: [], converged: false, nextCheckAt: 0 };
  for (let i = 0; i < (options.limit ?? 12); i++) {
    const { action, nextCheckAt } = decide(observe(world, options.unknown));
    run.nextCheckAt = nextCheckAt;
    if (!action) return { ...run, converged: true };
    run.problems.push(...checkAction(world, action));
    apply(world, action, trueNow);
    run.actions.push(action);
    run.problems.push(...check(world, trueNow));
  }
  return run;
}

export const cloneWorld = (world: World): World => structuredClone(world);
