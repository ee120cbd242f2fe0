// Shorthands for the validating webhook's tests: call the policy on a fixture, read a denial.
import type { AdmissionDecision } from '../../../src/admission/decision.ts';
import { withValidator } from '../../../src/admission/policy-adapters.ts';
import { validateWebApp } from '../../../webhooks/validate-webapp.ts';
import { type ContextOptions, loadFixture, type RequestOptions, toContext, toRequest } from './request.ts';
import type { JsonObject } from '../../../src/json/json.ts';

export const NO_REQUESTS = 'spec.resources.requests: none set; the scheduler cannot place pods well';

/** The validating policy as the webhook serves it (withValidator), on an AdmissionRequest. */
const validateReview = withValidator(validateWebApp);

export function validate(object: JsonObject | null, context: ContextOptions = {}, request: RequestOptions = {}) {
  return validateReview(toRequest(object, request), toContext(context));
}

/** The `full` fixture (valid, no warnings) with some `spec` and `metadata` fields replaced. */
export function fullWith(spec: JsonObject, metadata: JsonObject = {}): JsonObject {
  const object = loadFixture('full');
  Object.assign(object.spec as JsonObject, spec);
  Object.assign(object.metadata as JsonObject, metadata);
  return object;
}

/** The violations of a denial, without the `WebApp "<name>" is invalid: ` prefix. */
export function violations(decision: AdmissionDecision): string[] {
  return decision.status?.message.replace(/^WebApp "[^"]*" is invalid: /, '').split('; ') ?? [];
}
