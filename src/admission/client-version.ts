// Admission at the version the client used (issue #35; docs/decisions/0019-admission-on-one-version.md).
// The webhooks are registered for v1 with matchPolicy: Equivalent, so the apiserver sends a v2
// client's request converted to v1: `kind` is v1, `requestKind` v2. Judging that v1 form would
// speak of spec.port to someone who wrote spec.ports, and v1's defaults are not v2's (v1 exposes
// the port on 80; a v2 port without a servicePort is not exposed). So the request is converted to
// the client's version and judged there by that version's policy: messages name the client's
// paths, and the mutating webhook's patch is the difference, converted back to the received
// version, that the apiserver applies to the object it sent. A request at the version the webhook
// got (every v1 client's) goes to that version's policy as it is: no conversion, no copy.
import { API_GROUP } from '../constants.ts';
import { toJsonPatch } from '../json/json-patch.ts';
import type { JsonObject } from '../json/json.ts';
import { convertWebApp } from '../api/webapp-versions.ts';
import type { Defaulter, Validator } from '../../webhooks/policy.ts';
import type { AdmissionRequest } from './admission-review.ts';
import { AdmissionError } from './admission-error.ts';
import { allowed, errored, patched } from './decision.ts';
import { type Policy, judged, withDefaulter, withValidator } from './policy-adapters.ts';

/**
 * One policy per version of the group (v1, v2): keyed by the bare version, so that a request at
 * the received version finds its policy without building a string (the admission path is the hot
 * path); the group is the one decodeAdmissionReview admits.
 */
export type ByVersion<P> = ReadonlyMap<string, P>;

/**
 * The version the client used: requestKind's, else kind's (an apiserver before 1.15 sends none);
 * another group's requestKind (none is registered) counts as a version no policy knows.
 */
export function clientVersion(request: AdmissionRequest): string {
  const kind = request.requestKind ?? request.kind;
  return kind.group === API_GROUP ? kind.version : `${kind.group}/${kind.version}`;
}

/** `policies[version]`, or a 400 that names the versions known. */
function pick<P>(policies: ByVersion<P>, version: string): P | AdmissionError {
  return (
    policies.get(version) ??
    new AdmissionError(
      'ADM_WRONG_RESOURCE',
      `this webhook admits WebApp ${[...policies.keys()].map((v) => `${API_GROUP}/${v}`).join(', ')}, not ${version.includes('/') ? version : `${API_GROUP}/${version}`}`,
    )
  );
}

/** `object` at `version` of the group; an AdmissionError when conversion refuses it (not a WebApp). */
function convert(object: JsonObject, version: string): JsonObject | AdmissionError {
  const apiVersion = `${API_GROUP}/${version}`;
  const converted = convertWebApp(object, apiVersion);
  if (converted.ok) return converted.object;
  return new AdmissionError('ADM_WRONG_RESOURCE', `the object cannot be read at ${apiVersion}: ${converted.message}`);
}

/** withDefaulter at the client's version; the patch is against the object as received. */
export function withDefaulterAtClientVersion(defaulters: ByVersion<Defaulter>): Policy {
  const native = new Map([...defaulters].map(([version, d]) => [version, withDefaulter(d)]));
  return (request, context) => {
    const received = request.kind.version;
    const client = clientVersion(request);
    if (client === received) {
      const policy = pick(native, received);
      return policy instanceof AdmissionError ? errored(400, policy) : policy(request, context);
    }
    const defaulter = pick(defaulters, client);
    if (defaulter instanceof AdmissionError) return errored(400, defaulter);
    if (!judged(request) || !request.object) return allowed();
    const object = convert(request.object, client);
    if (object instanceof AdmissionError) return errored(400, object);
    const back = convert(defaulter(object, { ...context, name: request.name }), received);
    if (back instanceof AdmissionError) return errored(400, back);
    return patched(toJsonPatch(request.object, back));
  };
}

/** withValidator at the client's version: object and oldObject converted to it, then judged. */
export function withValidatorAtClientVersion(validators: ByVersion<Validator>): Policy {
  const native = new Map([...validators].map(([version, v]) => [version, withValidator(v)]));
  return (request, context) => {
    const client = clientVersion(request);
    const policy = pick(native, client);
    if (policy instanceof AdmissionError) return errored(400, policy);
    if (client === request.kind.version) return policy(request, context);
    const object = request.object ? convert(request.object, client) : request.object;
    const oldObject = request.oldObject ? convert(request.oldObject, client) : request.oldObject;
    if (object instanceof AdmissionError) return errored(400, object);
    if (oldObject instanceof AdmissionError) return errored(400, oldObject);
    return policy({ ...request, object, oldObject }, context);
  };
}
