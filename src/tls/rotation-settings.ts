// Lifetimes and renewal windows of the self-managed webhook certificates (issue #32), with safe
// defaults in the spirit of cert-manager's (a Certificate's duration and renewBefore), and the
// checks that make rotation.ts's promises hold: a renewal window longer than the time between
// checks plus everything a rotation waits for, and shorter than the lifetime (else every fresh
// certificate would be due at once and the leader would issue in a loop).

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export type RotationSettings = {
  caLifetimeMs: number;
  /** A new CA is made this long before the signing CA expires; the old one stays trusted meanwhile. */
  caRenewBeforeMs: number;
  servingLifetimeMs: number;
  servingRenewBeforeMs: number;
  /** The longest time between two decisions (the wiring's resync); renewals are planned around it. */
  checkIntervalMs: number;
  /**
   * How far back an issued certificate's notBefore is set: the apiserver, or a replica, whose clock
   * is behind the leader's would otherwise reject a certificate "not yet valid" for the length of
   * the skew. kubeadm backdates by 5 minutes for the same reason. Also the largest clock skew
   * between replicas and the apiserver these settings are checked against.
   */
  backdateMs: number;
  /**
   * How long a new signing CA must have been in every injected caBundle before a pair it signed
   * replaces a usable one: each apiserver loads webhook configurations through its own watch, so
   * seeing the bundle stored is not the same as every apiserver trusting it.
   */
  settleMs: number;
};

export const DEFAULT_CA_LIFETIME_MS = 365 * DAY;
export const DEFAULT_CA_RENEW_BEFORE_MS = 90 * DAY;
export const DEFAULT_SERVING_LIFETIME_MS = 90 * DAY;
export const DEFAULT_SERVING_RENEW_BEFORE_MS = 30 * DAY;
export const DEFAULT_CHECK_INTERVAL_MS = 5 * MINUTE;
export const DEFAULT_BACKDATE_MS = 5 * MINUTE;
export const DEFAULT_SETTLE_MS = 2 * MINUTE;

export const DEFAULT_ROTATION_SETTINGS: Readonly<RotationSettings> = Object.freeze({
  caLifetimeMs: DEFAULT_CA_LIFETIME_MS,
  caRenewBeforeMs: DEFAULT_CA_RENEW_BEFORE_MS,
  servingLifetimeMs: DEFAULT_SERVING_LIFETIME_MS,
  servingRenewBeforeMs: DEFAULT_SERVING_RENEW_BEFORE_MS,
  checkIntervalMs: DEFAULT_CHECK_INTERVAL_MS,
  backdateMs: DEFAULT_BACKDATE_MS,
  settleMs: DEFAULT_SETTLE_MS,
});

/**
 * What is wrong with `settings`, one sentence each; [] when rotation can keep its promises. Every
 * renewal window must cover a missed check, the settle wait and the clock skew (backdateMs), and
 * the CA's must also cover the serving pair's, so a pair cut short by its CA's expiry is replaced
 * through a CA rotation instead of being reissued, uselessly, by the same CA.
 */
export function rotationSettingsProblems(settings: RotationSettings): string[] {
  const problems: string[] = [];
  const { caLifetimeMs, caRenewBeforeMs, servingLifetimeMs, servingRenewBeforeMs } = settings;
  const { checkIntervalMs, backdateMs, settleMs } = settings;
  for (const [name, value] of Object.entries(settings)) {
    if (!Number.isFinite(value) || value < 0) problems.push(`${name} must be a finite number >= 0`);
  }
  const margin = checkIntervalMs + settleMs + backdateMs;
  for (const [kind, lifetime, renewBefore] of [
    ['CA', caLifetimeMs, caRenewBeforeMs],
    ['serving', servingLifetimeMs, servingRenewBeforeMs],
  ] as const) {
    if (renewBefore <= margin)
      problems.push(`the ${kind} renew-before must exceed the check interval + settle time + backdate (${margin} ms)`);
    if (renewBefore + margin >= lifetime)
      problems.push(`the ${kind} renew-before plus ${margin} ms must be shorter than its lifetime`);
  }
  if (caRenewBeforeMs < servingRenewBeforeMs + margin)
    problems.push('the CA renew-before must exceed the serving renew-before + check interval + settle time + backdate');
  return problems;
}
