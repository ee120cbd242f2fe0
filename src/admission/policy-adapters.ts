// The HTTP edge's view of a policy (controller-runtime's WithDefaulter and WithValidator): an
// object-level Defaulter or Validator (webhooks/policy.ts) wrapped into a function from an
// AdmissionRequest to an AdmissionDecision. Which operations are judged, what a missing object
// means and how a defaulted copy becomes a JSON Patch are decided here, once.
import { toJsonPatch } from '../json/json-patch.ts';
import { formatViolation, toInvalidMessage } from '../../webhooks/check-webapp.ts';
import { applyEnforcement, enforcementOf } from '../../webhooks/enforcement.ts';
import type { Defaulter, PolicyContext, Validator } from '../../webhooks/policy.ts';
import type { AdmissionRequest } from './admission-review.ts';
import { type AdmissionDecision, allowed, denied, errored, patched, withWarnings } from './decision.ts';

/** An admission policy: a pure function. It may throw; runPolicy turns that into a denial. */
export type Policy = (request: AdmissionRequest, context: PolicyContext) => AdmissionDecision;

/** Whether the operation is one the policies judge (CREATE, UPDATE). */
export const judged = (request: AdmissionRequest) => request.operation === 'CREATE' || request.operation === 'UPDATE';

/** CREATE and UPDATE are defaulted; the patch turns the object into the defaulted copy. */
export function withDefaulter(defaulter: Defaulter): Policy {
  return (request, context) => {
    if (!judged(request) || !request.object) return allowed();
    const stored = (request.operation === 'UPDATE' && request.oldObject) || undefined;
    const after = defaulter(request.object, { ...context, name: request.name, stored });
    return patched(toJsonPatch(request.object, after));
  };
}

/**
 * CREATE and UPDATE are validated (UPDATE against the oldObject); any violation denies with 422
 * and every violation in the message, which names the object as a `kind` (WebApp unless given). A CREATE or UPDATE without an object is a bad request. The
 * namespace's enforcement mode applies to the verdict: in `warn`, limit violations are warnings
 * and the decision carries them as `wouldDeny`.
 */
export function withValidator(validator: Validator, kind = 'WebApp'): Policy {
  return (request, context) => {
    if (!judged(request)) return allowed();
    const object = request.object;
    if (!object) return errored(400, new Error(`${request.operation} request for a ${kind} carries no object`));
    const old = request.operation === 'UPDATE' && request.oldObject ? request.oldObject : undefined;
    const named = { ...context, name: request.name };
    const { violations, warnings, wouldDeny } = applyEnforcement(validator(object, old, named), enforcementOf(named));
    const decision = violations.length
      ? denied(toInvalidMessage(object, request.name, violations, kind), 422)
      : allowed();
    if (wouldDeny.length) {
      decision.wouldDeny = wouldDeny.map((v) => ({ setting: v.setting ?? v.path, reason: formatViolation(v) }));
    }
    return withWarnings(decision, ...warnings);
  };
}
