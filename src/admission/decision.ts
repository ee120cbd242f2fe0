// Admission decisions and their constructors (controller-runtime's admission.Allowed, Denied,
// Patched, Errored). The policy adapters (policy-adapters.ts) return these; review.ts turns them
// into AdmissionReviews.
import { CodedError } from '../errors/coded-error.ts';
import type { JsonPatchOperation } from '../json/json-patch.ts';

export type AdmissionDecision = {
  allowed: boolean;
  /** Set on denials: an HTTP-like code and the message kubectl prints. */
  status?: { code: number; message: string; reason?: string };
  /** JSON Patch to apply to the object; only on allowed decisions, absent when nothing changes. */
  patch?: JsonPatchOperation[];
  /** Shown by kubectl as "Warning: ..."; allowed or not. */
  warnings: string[];
  /** The code of the error an errored() decision carries (ADM_DECODE, ...), for telemetry. */
  errorCode?: string;
  /**
   * Limit violations admitted in `warn` enforcement (webhooks/enforcement.ts) that `enforce` would
   * deny, for telemetry: the setting each breaks (max-replicas, ...) and "<path>: <problem>".
   */
  wouldDeny?: { setting: string; reason: string }[];
};

export function allowed(): AdmissionDecision {
  return { allowed: true, warnings: [] };
}

/** A policy said no: `code` 403 (Forbidden) by default, 422 (Invalid) for field errors. */
export function denied(
  message: string,
  code = 403,
  reason = code === 422 ? 'Invalid' : 'Forbidden',
): AdmissionDecision {
  return { allowed: false, status: { code, message, reason }, warnings: [] };
}

/** Allowed with changes; an empty list means allowed with no patch. */
export function patched(operations: JsonPatchOperation[]): AdmissionDecision {
  return operations.length ? { allowed: true, patch: operations, warnings: [] } : allowed();
}

/**
 * The request could not be judged (bad input, a policy that threw). Never allows: a webhook must
 * not fail open by accident. `code` is 400 for bad requests, 500 for our own faults.
 */
export function errored(code: number, err: unknown): AdmissionDecision {
  const message = err instanceof Error ? err.message : String(err);
  return {
    allowed: false,
    status: { code, message, reason: code >= 500 ? 'InternalError' : 'BadRequest' },
    warnings: [],
    ...(err instanceof CodedError && { errorCode: err.code }),
  };
}

export function withWarnings(decision: AdmissionDecision, ...warnings: string[]): AdmissionDecision {
  return { ...decision, warnings: [...decision.warnings, ...warnings] };
}
