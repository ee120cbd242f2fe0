// Periods spread so that what starts together does not repeat together: controller-runtime's
// SyncPeriod jitter (each informer's resync within [0.9, 1.1) of the period). Without it, every
// informer of every replica, started by one rollout, relists at the same instant each period, and
// every owner reconciled by one sweep is resynced in one burst.

/** The spread: a period becomes one within [1 - JITTER, 1 + JITTER) of it. */
export const JITTER = 0.1;

/** `ms` spread by ±JITTER; `random` in [0, 1) (Math.random; tests hand in their own). */
export function jitter(ms: number, random: () => number = Math.random): number {
  return Math.round(ms * (1 - JITTER + 2 * JITTER * random()));
}
