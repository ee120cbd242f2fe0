// From raw request body to AdmissionReview response, around a Policy. Never throws and never
// allows by accident: every failure becomes a denial that echoes the uid when it can be read.
import { API_GROUP, WEBAPP_KIND } from '../constants.ts';
import type { PolicyContext } from '../../webhooks/policy.ts';
import { type AdmissionDecision, errored } from './decision.ts';
import type { Policy } from './policy-adapters.ts';
import {
  ADMISSION_API_VERSION,
  type AdmissionRequest,
  type AdmissionReviewResponse,
  compiledAdmissionReviewRequestSchema,
} from './admission-review.ts';
import { AdmissionError } from './admission-error.ts';

export type Decoded = { ok: true; request: AdmissionRequest } | { ok: false; uid: string; error: AdmissionError };

/**
 * Parses a body into an AdmissionRequest for a shipshape.dev `kind` (the route's: WebApp unless
 * given); a request for any other kind is ADM_WRONG_RESOURCE, naming both.
 */
export function decodeAdmissionReview(body: Buffer | string | undefined, admits: string = WEBAPP_KIND): Decoded {
  const text = body === undefined ? '' : body.toString();
  if (!text.trim())
    return { ok: false, uid: '', error: new AdmissionError('ADM_EMPTY_BODY', 'the request body is empty') };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    return { ok: false, uid: '', error: new AdmissionError('ADM_DECODE', 'the request body is not JSON', { cause }) };
  }
  const uid = readUid(json);
  // The compiled schema's validate() checks without building a copy (the schema transforms
  // nothing, so a valid review is used as JSON.parse made it); only a review it refuses is parsed
  // again, for its issues.
  const parsed = compiledAdmissionReviewRequestSchema.validate(json)
    ? { success: true as const, data: json }
    : compiledAdmissionReviewRequestSchema.safeParse(json);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return {
      ok: false,
      uid,
      error: new AdmissionError(
        'ADM_INVALID_REVIEW',
        `expected an AdmissionReview ${ADMISSION_API_VERSION} with a request (${details})`,
        { cause: parsed.error },
      ),
    };
  }
  const { request } = parsed.data;
  const { kind } = request;
  if (kind.group !== API_GROUP || kind.kind !== admits) {
    const got = `${kind.group || 'core'}/${kind.version} ${kind.kind}`;
    return {
      ok: false,
      uid,
      error: new AdmissionError('ADM_WRONG_RESOURCE', `this webhook admits ${API_GROUP} ${admits}, not ${got}`),
    };
  }
  return { ok: true, request };
}

function readUid(json: unknown): string {
  const uid = (json as { request?: { uid?: unknown } } | null)?.request?.uid;
  return typeof uid === 'string' ? uid : '';
}

/** Runs `policy`; a throw (from it or from building its context) becomes a 500 denial, ADM_POLICY_FAILED. */
export function runPolicy(policy: Policy, request: AdmissionRequest, context: () => PolicyContext): AdmissionDecision {
  try {
    return policy(request, context());
  } catch (cause) {
    return errored(500, new AdmissionError('ADM_POLICY_FAILED', `the policy failed: ${String(cause)}`, { cause }));
  }
}

/** The AdmissionReview the apiserver reads back; the patch is base64 JSON Patch. */
export function toAdmissionReview(uid: string, decision: AdmissionDecision): AdmissionReviewResponse {
  return {
    apiVersion: ADMISSION_API_VERSION,
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed: decision.allowed,
      ...(decision.status && { status: decision.status }),
      ...(decision.allowed &&
        decision.patch?.length && {
          patchType: 'JSONPatch' as const,
          patch: Buffer.from(JSON.stringify(decision.patch)).toString('base64'),
        }),
      ...(decision.warnings.length && { warnings: decision.warnings }),
    },
  };
}
