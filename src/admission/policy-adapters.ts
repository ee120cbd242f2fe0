// The HTTP edge's view of a policy (controller-runtime's WithDefaulter and WithValidator): an
// object-level Defaulter or Validator (webhooks/policy.ts) wrapped into a function from an
// AdmissionRequest to an AdmissionDecision. Which operations are judged, what a missing object
// means and how a defaulted copy becomes a JSON Patch are decided here, once.
import { toJsonPatch } from '../json/json-patch.ts';
import { toInvalidMessage } from '../../webhooks/check-webapp.ts';
import type { Defaulter, PolicyContext, Validator } from '../../webhooks/policy.ts';
import type { AdmissionRequest } from './admission-review.ts';
import { type AdmissionDecision, allowed, denied, errored, patched, withWarnings } from './decision.ts';

/** An admission policy: a pure function. It may throw; runPolicy turns that into a denial. */
export type Policy = (request: AdmissionRequest, context: PolicyContext) => AdmissionDecision;

const judged = (request: AdmissionRequest) => request.operation === 'CREATE' || request.operation === 'UPDATE';

/** CREATE and UPDATE are defaulted; the patch turns the object into the defaulted copy. */
export function withDefaulter(defaulter: Defaulter): Policy {
  return (request, context) => {
    if (!judged(request) || !request.object) return allowed();
    const after = defaulter(request.object, { ...context, name: request.name });
    return patched(toJsonPatch(request.object, after));
  };
}

/**
 * CREATE and UPDATE are validated (UPDATE against the oldObject); any violation denies with 422
 * and every violation in the message. A CREATE or UPDATE without an object is a bad request.
 */
export function withValidator(validator: Validator): Policy {
  return (request, context) => {
    if (!judged(request)) return allowed();
    const object = request.object;
    if (!object) return errored(400, new Error(`${request.operation} request for a WebApp carries no object`));
    const old = request.operation === 'UPDATE' && request.oldObject ? request.oldObject : undefined;
    const { violations, warnings } = validator(object, old, { ...context, name: request.name });
    if (!violations.length) return withWarnings(allowed(), ...warnings);
    return withWarnings(denied(toInvalidMessage(object, request.name, violations), 422), ...warnings);
  };
}
