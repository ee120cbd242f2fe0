// AdmissionRequests as the apiserver sends a v2 client's to webhooks registered for v1 with
// matchPolicy: Equivalent: the object (and oldObject) converted to v1, `kind` v1 and `requestKind`
// v2. The policies are the routes' (src/admission/routes.ts), as the server serves them.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ADMISSION_ROUTES } from '../../../src/admission/routes.ts';
import type { AdmissionRequest } from '../../../src/admission/admission-review.ts';
import type { AdmissionDecision } from '../../../src/admission/decision.ts';
import { convertWebApp } from '../../../src/api/webapp-versions.ts';
import { WEBAPP_API_VERSION, WEBAPP_PLURAL } from '../../../src/constants.ts';
import { applyJsonPatch } from '../../../src/json/json-patch.ts';
import type { JsonObject } from '../../../src/json/json.ts';
import { type ContextOptions, type RequestOptions, toContext, toRequest } from './request.ts';

const V2_FIXTURES = new URL('../../fixtures/webapps-v2/', import.meta.url);

/** A v2 WebApp from test/fixtures/webapps-v2/ (apart from the v1 ones, which the CLI test loops over). */
export function loadV2Fixture(name: string): JsonObject {
  return parse(readFileSync(new URL(`${name}.yaml`, V2_FIXTURES), 'utf8')) as JsonObject;
}

/** `object` at `apiVersion`; throws when conversion refuses it (a broken fixture). */
export function at(object: JsonObject, apiVersion: string): JsonObject {
  const converted = convertWebApp(object, apiVersion);
  if (!converted.ok) throw new Error(converted.message);
  return converted.object;
}

/** A request of a client at `object`'s version, as a webhook registered for v1 receives it. */
export function toClientRequest(object: JsonObject, options: RequestOptions = {}): AdmissionRequest {
  const version = String(object.apiVersion).split('/')[1] ?? '';
  const request = toRequest(at(object, WEBAPP_API_VERSION), {
    ...options,
    ...(options.oldObject && { oldObject: at(options.oldObject, WEBAPP_API_VERSION) }),
  });
  return {
    ...request,
    requestKind: { ...request.kind, version },
    requestResource: { ...request.resource, version, resource: WEBAPP_PLURAL },
  };
}

function route(webhook: 'mutate' | 'validate') {
  const found = ADMISSION_ROUTES.find((r) => r.webhook === webhook);
  if (!found) throw new Error(`no ${webhook} route`);
  return found.policy;
}

/** The validating webhook's decision on a client's request. */
export function validateAt(object: JsonObject, context: ContextOptions = {}, request: RequestOptions = {}) {
  return route('validate')(toClientRequest(object, request), toContext(context));
}

/**
 * The mutating webhook's decision on a client's request, and the object the client then reads:
 * the patch applied to the v1 object the webhook got, converted back to the client's version.
 */
export function mutateAt(
  object: JsonObject,
  context: ContextOptions = {},
  request: RequestOptions = {},
): { decision: AdmissionDecision; received: JsonObject; after: JsonObject } {
  const review = toClientRequest(object, request);
  const decision = route('mutate')(review, toContext(context));
  const received = review.object as JsonObject;
  const patched = applyJsonPatch(received, decision.patch) as JsonObject;
  return { decision, received, after: at(patched, String(object.apiVersion)) };
}
