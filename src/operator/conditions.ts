// The conditions every owner kind's status carries (WebApp's ./status.ts, MySQLCluster's
// src/mysql/status.ts), and how a computed one becomes the stored one: Ready, Progressing,
// Degraded, WithinLimits; phase Failed when Degraded, Running when Ready, else Pending; a
// condition's lastTransitionTime moves only when its status does.
import type { Condition } from '../api/webapp.ts';

export const CONDITION_READY = 'Ready';
export const CONDITION_PROGRESSING = 'Progressing';
export const CONDITION_DEGRADED = 'Degraded';
/**
 * Whether the spec is within the limits admission enforces now. False (LimitExceeded) for an owner
 * stored before a limit was lowered: it keeps running and is reconciled as it is, and admission
 * ratchets it (an unchanged value is allowed, a new or larger one denied).
 */
export const CONDITION_WITHIN_LIMITS = 'WithinLimits';
export const REASON_LIMIT_EXCEEDED = 'LimitExceeded';

/** A condition as computed, before it is dated and stamped with the owner's generation. */
export type ConditionDraft = { status: Condition['status']; reason: string; message: string };

/** What dating a condition reads: the owner's generation and stored conditions, and the time. */
export type ConditionSubject = {
  generation: number | undefined;
  previous: readonly Condition[] | undefined;
  now: Date;
};

/**
 * RFC 3339 at second precision, as the API server writes metav1.Time: a condition's
 * lastTransitionTime reads the same here as on a built-in object.
 */
export function toTime(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * The condition, keeping the previous lastTransitionTime of the same type when its status did not
 * change: it records when the status last changed, not when it was last computed.
 */
export function toCondition(type: string, draft: ConditionDraft, subject: ConditionSubject): Condition {
  const previous = subject.previous?.find((c) => c.type === type);
  const kept = previous?.status === draft.status ? previous.lastTransitionTime : undefined;
  return {
    type,
    status: draft.status,
    reason: draft.reason,
    message: draft.message,
    lastTransitionTime: kept ?? toTime(subject.now),
    observedGeneration: subject.generation,
  };
}

/** WithinLimits: False with the limits the spec exceeds, when it does. */
export function withinLimits(limitExceeded: string | undefined): ConditionDraft {
  if (limitExceeded !== undefined) return { status: 'False', reason: REASON_LIMIT_EXCEEDED, message: limitExceeded };
  return { status: 'True', reason: 'WithinLimits', message: 'The spec is within the admission limits' };
}

/** The phase, from Degraded and Ready. */
export function phaseOf(degraded: ConditionDraft, ready: ConditionDraft): 'Failed' | 'Running' | 'Pending' {
  return degraded.status === 'True' ? 'Failed' : ready.status === 'True' ? 'Running' : 'Pending';
}
