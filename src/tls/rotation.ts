// The rotation decisions of the self-managed webhook certificates (issue #32): from what is stored
// (the Secret the Deployment mounts), what is injected (each webhook's caBundle) and what each
// replica serves, the one next action the leader takes, and when to decide again. Pure, on an
// explicit clock (`now`, ms since the epoch); the wiring reads the state (stored-certificates.ts
// parses it), applies the action (issuer.ts makes the certificates), and decides again until none
// is left. src/main.ts does not use this yet: issue #32's leader wiring, install variant and
// integration tests come next.
//
// The rotation, as cert-manager with trust-manager would do it: the signing CA is renewed
// caRenewBefore its expiry; the new CA becomes the signer and joins the bundle beside the old one;
// the bundle is injected; once the new CA has been in every caBundle for settleMs, a serving pair
// it signs replaces the old one; once every replica serves that pair, the old CA leaves the bundle.
//
// Invariants (test/unit/tls/rotation*.test.ts checks each, by example and on random histories):
// 1. No serving pair is issued by a CA that is not in every injected caBundle (and, when a usable
//    pair is being replaced, has not been there for settleMs, by the signer-trusted record).
// 2. No CA leaves the bundle (Secret or injected) while a replica or the Secret's pair is signed by
//    it, while a replica's issuer is unknown, or while no replica is reported at all (the leader is
//    one, so an empty list means the wiring could not read them). A CA seen only in an injected
//    caBundle is carried back into the Secret's bundle when something served needs it (a deleted
//    or hand-edited Secret), or while an issuer is unknown and it has not expired.
// 3. Renewals come before expiry when decisions come at least every checkIntervalMs and the
//    settings pass rotationSettingsProblems (renew-before exceeds interval + settle + backdate).
// 4. Issued certificates start backdateMs before `now` (see RotationSettings.backdateMs), and a
//    serving pair never outlives the CA that signed it.
// 5. The decision depends only on its arguments (the stored state has a record of when the signer
//    became trusted; nothing is remembered in the process), so a restart at any point resumes, and
//    applying the decided action then deciding again converges to no action.
import type { RotationSettings } from './rotation-settings.ts';

/** A CA certificate as read: its SHA-256 fingerprint, validity (ms since epoch) and PEM. */
export type CaCertificate = { fingerprint: string; notBefore: number; notAfter: number; pem: string };

/** The stored serving pair: `issuer` is the fingerprint of the known CA that signed it, if any. */
export type ServingPair = {
  fingerprint: string;
  notBefore: number;
  notAfter: number;
  issuer: string | undefined;
  dnsNames: readonly string[];
};

export type SignerTrusted = { fingerprint: string; at: number };

export type StoredCertificates = {
  /** The signing CA (certificate and a matching key); corrupt: unreadable, no key, or not a CA. */
  ca: CaCertificate | 'absent' | 'corrupt';
  /** The trust bundle the webhook configurations must carry. */
  bundle: readonly CaCertificate[] | 'corrupt';
  serving: ServingPair | 'absent' | 'corrupt' | 'key-mismatch';
  /** When the leader first saw the signing CA in every injected caBundle. */
  signerTrusted: SignerTrusted | undefined;
};

export type RotationState = {
  secret: StoredCertificates | 'absent';
  /** One entry per caBundle field (each webhook of each configuration); `target` names it. */
  injected: readonly { target: string; bundle: readonly CaCertificate[] | 'absent' | 'corrupt' }[];
  /**
   * Every replica (the leader too) and the fingerprint of the CA that signed the pair it serves;
   * 'unknown' when it could not be read. A fingerprint of no known CA holds nothing back.
   * `notAfter`: the end of the pair it serves, when read (a pair past it serves nobody).
   */
  replicas: readonly { name: string; issuer: string | 'unknown'; notAfter?: number }[];
};

export type RotationAction =
  /** Make a CA; it becomes the signer and the Secret's bundle becomes `keep` plus it. */
  | { type: 'issue-ca'; notBefore: number; notAfter: number; keep: CaCertificate[] }
  | { type: 'write-bundle'; bundle: CaCertificate[] }
  | { type: 'inject'; targets: string[]; bundle: CaCertificate[] }
  | { type: 'record-signer-trusted'; signerTrusted: SignerTrusted }
  /** Sign a serving pair for `dnsNames` with the stored CA, whose fingerprint is `signer`. */
  | { type: 'issue-serving'; signer: string; notBefore: number; notAfter: number; dnsNames: string[] };

export type RotationDecision = { action: RotationAction | undefined; reason: string; nextCheckAt: number };

export type RotationInput = {
  now: number;
  settings: RotationSettings;
  /** The serving pair's subjectAltNames: the Service's DNS names. */
  dnsNames: readonly string[];
  state: RotationState;
};

const fingerprints = (cas: readonly CaCertificate[]) => new Set(cas.map((c) => c.fingerprint));
const sameSet = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));

/** The CAs besides a new signer that must stay trusted (invariant 2), first seen first. */
function retained(state: RotationState, secret: StoredCertificates | undefined, now: number): CaCertificate[] {
  const issuers = new Set(state.replicas.map((r) => r.issuer));
  if (secret && typeof secret.serving === 'object' && secret.serving.issuer) issuers.add(secret.serving.issuer);
  const anyUnknown = issuers.has('unknown') || state.replicas.length === 0;
  const stored = [
    ...(secret && typeof secret.ca === 'object' ? [secret.ca] : []),
    ...(secret && secret.bundle !== 'corrupt' ? secret.bundle : []),
  ];
  const injected = state.injected.flatMap((t) => (typeof t.bundle === 'object' ? t.bundle : []));
  const keep = new Map<string, CaCertificate>();
  for (const ca of stored) if (anyUnknown || issuers.has(ca.fingerprint)) keep.set(ca.fingerprint, ca);
  for (const ca of injected) {
    if (issuers.has(ca.fingerprint) || (anyUnknown && now < ca.notAfter)) keep.set(ca.fingerprint, ca);
  }
  return [...keep.values()];
}

function servingProblem(input: RotationInput, signer: CaCertificate, secret: StoredCertificates): string | undefined {
  const { now, settings, dnsNames } = input;
  const pair = secret.serving;
  if (typeof pair !== 'object') return `the serving pair is ${pair}`;
  if (pair.issuer !== signer.fingerprint) return 'the serving pair is not signed by the signing CA';
  if (!sameSet(new Set(pair.dnsNames), new Set(dnsNames))) return 'the serving pair has other DNS names';
  if (now >= pair.notAfter) return 'the serving pair has expired';
  if (now >= servingDueAt(pair, signer, settings)) return 'the serving pair is due for renewal';
  return undefined;
}

/** A pair cut short by its CA's expiry is renewed by the CA rotation, not reissued by that CA. */
const servingDueAt = (pair: ServingPair, signer: CaCertificate, settings: RotationSettings) =>
  pair.notAfter >= signer.notAfter ? Infinity : pair.notAfter - settings.servingRenewBeforeMs;

/** The next action on `input.state` and when to decide again when none is left (see above). */
export function decideRotation(input: RotationInput): RotationDecision {
  const { now, settings, state } = input;
  const secret = state.secret === 'absent' ? undefined : state.secret;
  const later = (reason: string, ...at: number[]): RotationDecision => ({
    action: undefined,
    reason,
    nextCheckAt: Math.max(now + 1, Math.min(now + settings.checkIntervalMs, ...at)),
  });
  const act = (action: RotationAction, reason: string): RotationDecision => ({ action, reason, nextCheckAt: now });

  const signer = secret && typeof secret.ca === 'object' ? secret.ca : undefined;
  const caDueAt = signer ? signer.notAfter - settings.caRenewBeforeMs : -Infinity;
  if (!secret || !signer || now >= caDueAt) {
    const why = !secret ? 'there is no Secret' : !signer ? `the signing CA is ${secret.ca}` : 'the CA is due';
    const notBefore = now - settings.backdateMs;
    const keep = retained(state, secret, now);
    return act({ type: 'issue-ca', notBefore, notAfter: now + settings.caLifetimeMs, keep }, why);
  }

  const bundle = [signer, ...retained(state, secret, now).filter((c) => c.fingerprint !== signer.fingerprint)];
  const wanted = fingerprints(bundle);
  if (secret.bundle === 'corrupt' || !sameSet(fingerprints(secret.bundle), wanted))
    return act({ type: 'write-bundle', bundle }, 'the Secret holds another bundle than the CAs in use');
  const stale = state.injected.filter((t) => typeof t.bundle !== 'object' || !sameSet(fingerprints(t.bundle), wanted));
  if (stale.length)
    return act({ type: 'inject', targets: stale.map((t) => t.target), bundle }, 'a caBundle differs from the Secret');
  if (secret.signerTrusted?.fingerprint !== signer.fingerprint) {
    const signerTrusted = { fingerprint: signer.fingerprint, at: now };
    return act({ type: 'record-signer-trusted', signerTrusted }, 'every caBundle carries the signing CA');
  }

  const problem = servingProblem(input, signer, secret);
  const pair = secret.serving;
  if (problem) {
    // Replacing a pair that still verifies and was signed by another CA, in the Secret or on a
    // replica (the Secret was deleted while replicas kept serving): wait until every apiserver has
    // loaded the signing CA.
    const verifies = (issuer: string | undefined, notAfter: number) =>
      issuer !== undefined && issuer !== signer.fingerprint && wanted.has(issuer) && now < notAfter;
    const usable =
      (typeof pair === 'object' && verifies(pair.issuer, pair.notAfter)) ||
      state.replicas.some((r) => verifies(r.issuer, r.notAfter ?? Infinity));
    const settledAt = secret.signerTrusted.at + settings.settleMs;
    if (usable && now < settledAt) return later(`${problem}; waiting for the signing CA to settle`, settledAt);
    const notAfter = Math.min(now + settings.servingLifetimeMs, signer.notAfter);
    const issue = { signer: signer.fingerprint, notBefore: now - settings.backdateMs, notAfter };
    return act({ type: 'issue-serving', ...issue, dnsNames: [...input.dnsNames] }, problem);
  }
  const pairDueAt = typeof pair === 'object' ? servingDueAt(pair, signer, settings) : now;
  const overlap = bundle.length > 1 ? 'the bundle keeps CAs still served' : 'converged';
  return later(overlap, caDueAt, pairDueAt);
}
