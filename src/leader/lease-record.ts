// client-go's leader-election rules for a coordination.k8s.io/v1 Lease, as pure functions.
// Validity is judged from when *we* observed the record change, not from its renewTime, so clock
// skew between replicas cannot shorten a lease (client-go's observedTime).

export type LeaseSpec = {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
};

/** MicroTime as the apiserver parses it: RFC 3339 with exactly six fractional digits. */
export function toMicroTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * May `identity` take or renew the lease? Yes when it holds it, when nobody does (a released
 * lease), or when the holder's record has not changed for its leaseDurationSeconds.
 */
export function canAcquire(current: LeaseSpec, identity: string, observedAtMs: number, nowMs: number): boolean {
  if (!current.holderIdentity || current.holderIdentity === identity) return true;
  return observedAtMs + (current.leaseDurationSeconds ?? 0) * 1000 <= nowMs;
}

/**
 * How long until `identity` may acquire a lease another replica holds, judged as canAcquire judges
 * it; undefined when it may already (or the lease is its own, or nobody holds it).
 */
export function msUntilAcquirable(
  current: LeaseSpec,
  identity: string,
  observedAtMs: number,
  nowMs: number,
): number | undefined {
  if (canAcquire(current, identity, observedAtMs, nowMs)) return undefined;
  return observedAtMs + (current.leaseDurationSeconds ?? 0) * 1000 - nowMs;
}

/** The spec to write when `identity` acquires (a new term) or renews (same term) the lease. */
export function nextLeaseSpec(
  current: LeaseSpec | undefined,
  identity: string,
  leaseDurationSeconds: number,
  now: Date,
): LeaseSpec {
  const time = toMicroTime(now);
  const renewing = current?.holderIdentity === identity;
  return {
    holderIdentity: identity,
    leaseDurationSeconds,
    acquireTime: renewing ? current?.acquireTime : time,
    renewTime: time,
    leaseTransitions: renewing ? (current?.leaseTransitions ?? 0) : current ? (current.leaseTransitions ?? 0) + 1 : 0,
  };
}

/** client-go's release: no holder and a 1 s duration, so a standby acquires at its next retry. */
export function releasedLeaseSpec(current: LeaseSpec, now: Date): LeaseSpec {
  const time = toMicroTime(now);
  return {
    holderIdentity: '',
    leaseDurationSeconds: 1,
    acquireTime: time,
    renewTime: time,
    leaseTransitions: current.leaseTransitions ?? 0,
  };
}
