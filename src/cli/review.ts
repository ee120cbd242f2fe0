// One WebApp or MySQLCluster (./review-kinds.ts) through the apiserver's steps in the apiserver's order: strict decoding (unknown
// fields), the mutating webhook and its JSON Patch, the CRD's structural schema and the name rule,
// then the validating webhook on the patched object. The apiserver's own checks always run here
// (src/api/schema-validation.ts); `call` reaches the webhooks, in this process (review-offline.ts)
// or on a running server (review-server.ts); either way they get the same AdmissionReviews and
// their answers are read the same way.
//
// A WebApp v2 goes through them as the apiserver takes a v2 request to webhooks registered for v1
// with matchPolicy: Equivalent (docs/decisions/0019-admission-on-one-version.md): decoded and
// schema-checked at v2, converted to v1 for each webhook (the same conversion the conversion
// webhook serves, run here) with requestKind v2, the mutating webhook's patch applied at v1 and
// the result converted back to v2. The review's object and patch are at the manifest's version.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ADMISSION_API_VERSION, type AdmissionReviewRequest } from '../admission/admission-review.ts';
import { API_GROUP } from '../constants.ts';
import { unknownFields, validateCustomResource } from '../api/schema-validation.ts';
import { type JsonPatchOperation, applyJsonPatch, toJsonPatch } from '../json/json-patch.ts';
import type { JsonObject } from '../json/json.ts';
import { CliError } from './cli-error.ts';
import { reviewKindOf } from './review-kinds.ts';

export type ReviewTarget = {
  object: JsonObject;
  /** The object as it is stored; makes the request an UPDATE. */
  oldObject?: JsonObject;
  /** The namespace the object goes into. */
  namespace: string;
};

/** Sends an AdmissionReview to the webhook at `path`; resolves with the AdmissionReview it answers. */
export type CallWebhook = (path: string, review: AdmissionReviewRequest) => Promise<unknown>;

export type Review = {
  operation: 'CREATE' | 'UPDATE';
  allowed: boolean;
  /**
   * The webhook that denied, as kubectl names it (admission webhook "<name>" denied the request),
   * or KUBE_APISERVER when the apiserver's own decoding or schema check refused the object.
   */
  deniedBy?: string;
  /** The denial's status.message, as kubectl prints it. */
  message?: string;
  /** The message split into its violations ("spec.port: 80 is below the minimum of 1024"). */
  reasons: string[];
  /** Both webhooks' warnings, in the order kubectl prints them. */
  warnings: string[];
  /**
   * The mutating webhook's changes as a JSON Patch of the object at its own version (the webhook's
   * own patch for v1; for v2, the difference it makes to the v2 object); empty when none.
   */
  patch: JsonPatchOperation[];
  /** The object with the patch applied, at its own version: what the validating webhook judged. */
  object: JsonObject;
};

/** `deniedBy` of an object the apiserver refuses itself, before or without the webhooks. */
export const KUBE_APISERVER = 'kube-apiserver';

/** The version of `object`'s apiVersion (shipshape.dev/v2 -> v2); its webhooks' version for anything else. */
export function versionOf(object: JsonObject): string {
  return reviewKindOf(object).versionOf(object);
}

/** What kubectl prints for the apiserver's 422: one error on the line, several as a list. */
export function toInvalidMessage(object: JsonObject, errors: readonly string[]): string {
  const metadata = object.metadata as { name?: unknown; generateName?: unknown } | undefined;
  const name = typeof metadata?.name === 'string' ? metadata.name : String(metadata?.generateName ?? '');
  const list = errors.length === 1 ? errors[0] : `\n${errors.map((e) => `* ${e}`).join('\n')}`;
  return `The ${reviewKindOf(object).kind} ${JSON.stringify(name)} is invalid: ${list}`;
}

const reviewResponseSchema = z.object({
  apiVersion: z.literal(ADMISSION_API_VERSION),
  kind: z.literal('AdmissionReview'),
  response: z.object({
    uid: z.string(),
    allowed: z.boolean(),
    status: z.looseObject({ code: z.number().optional(), message: z.string().optional() }).optional(),
    patchType: z.literal('JSONPatch').optional(),
    patch: z.string().optional(),
    warnings: z.array(z.string()).optional(),
  }),
});
const patchSchema = z.array(
  z.looseObject({ op: z.enum(['add', 'remove', 'replace', 'move', 'copy', 'test']), path: z.string() }),
);

/**
 * The AdmissionReview the apiserver sends for a dry-run CREATE or UPDATE of `target`: `object` is
 * at the webhooks' version (v1), requestKind the version of target.object, the oldObject converted
 * to v1.
 */
export function toAdmissionReviewRequest(
  target: ReviewTarget,
  object: JsonObject,
  uid: string,
): AdmissionReviewRequest {
  const metadata = target.object.metadata as { name?: unknown } | undefined;
  const name = typeof metadata?.name === 'string' && metadata.name ? metadata.name : undefined;
  const kind = reviewKindOf(target.object);
  const gvk = { group: API_GROUP, version: kind.webhookVersion, kind: kind.kind };
  const gvr = { group: API_GROUP, version: kind.webhookVersion, resource: kind.plural };
  const client = kind.versionOf(target.object);
  const requestKind = { ...gvk, version: client };
  const requestResource = { ...gvr, version: client };
  const operation = target.oldObject ? 'UPDATE' : 'CREATE';
  return {
    apiVersion: ADMISSION_API_VERSION,
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: gvk,
      resource: gvr,
      requestKind,
      requestResource,
      ...(name && { name }),
      namespace: target.namespace,
      operation,
      userInfo: { username: 'shipshape-review' },
      object,
      oldObject: target.oldObject ? kind.atVersion(target.oldObject, kind.webhookVersion) : null,
      dryRun: true,
      options: {
        apiVersion: 'meta.k8s.io/v1',
        kind: operation === 'CREATE' ? 'CreateOptions' : 'UpdateOptions',
        dryRun: ['All'],
      },
    },
  };
}

type Answer = { allowed: boolean; message?: string; patch: JsonPatchOperation[]; warnings: string[] };

async function ask(call: CallWebhook, path: string, target: ReviewTarget, object: JsonObject): Promise<Answer> {
  const uid = randomUUID();
  const parsed = reviewResponseSchema.safeParse(await call(path, toAdmissionReviewRequest(target, object, uid)));
  const fail = (problem: string, cause?: unknown) =>
    new CliError('CLI_SERVER', `the webhook at ${path} ${problem}`, { cause });
  if (!parsed.success) throw fail(`did not answer with an AdmissionReview ${ADMISSION_API_VERSION}`, parsed.error);
  const { response } = parsed.data;
  // The apiserver refuses an answer about another request, and so does a review.
  if (response.uid !== uid) throw fail(`answered uid "${response.uid}" to request "${uid}"`);
  let patch: JsonPatchOperation[] = [];
  if (response.allowed && response.patch) {
    try {
      patch = patchSchema.parse(JSON.parse(Buffer.from(response.patch, 'base64').toString())) as JsonPatchOperation[];
    } catch (cause) {
      throw fail('returned a patch that is not a base64 JSON Patch', cause);
    }
  }
  return {
    allowed: response.allowed,
    ...(response.status?.message !== undefined && { message: response.status.message }),
    patch,
    warnings: response.warnings ?? [],
  };
}

/** "WebApp "web" is invalid: spec.replicas: 50 exceeds ...; spec.port: 80 ..." → one reason each. */
export function toReasons(message: string): string[] {
  const prefix = /^(?:WebApp|MySQLCluster) "(?:[^"\\]|\\.)*" is invalid: /.exec(message);
  if (!prefix) return [message];
  // Violations are joined by "; ", outside the JSON-quoted values they show ("a; b" is one value).
  const reasons: string[] = [];
  let start = prefix[0].length;
  let quoted = false;
  for (let i = start; i < message.length; i++) {
    if (quoted && message[i] === '\\') i++;
    else if (message[i] === '"') quoted = !quoted;
    else if (!quoted && message.startsWith('; ', i)) {
      reasons.push(message.slice(start, i));
      start = i + 2;
    }
  }
  return [...reasons, message.slice(start)];
}

function denied(
  operation: Review['operation'],
  deniedBy: string,
  answer: Answer,
  rest: Pick<Review, 'warnings' | 'patch' | 'object'>,
): Review {
  const message = answer.message ?? 'denied without a message';
  return { operation, allowed: false, deniedBy, message, reasons: toReasons(message), ...rest };
}

/**
 * Reviews `target` as the apiserver admits it: decode strictly, mutate, apply the patch, check the
 * schema, validate the result. Each refusal stops there, as in the apiserver. Throws CliError when a webhook's answer
 * cannot be used (a wrong uid, a bad patch).
 */
export async function review(target: ReviewTarget, call: CallWebhook): Promise<Review> {
  const operation = target.oldObject ? 'UPDATE' : 'CREATE';
  const kind = reviewKindOf(target.object);
  const version = kind.versionOf(target.object);
  const schema = kind.schema(version);
  const unknown = unknownFields(target.object, schema);
  if (unknown.length) {
    const reasons = unknown.map((path) => `unknown field ${JSON.stringify(path)}`);
    const message = `${kind.kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind.kind}: strict decoding error: ${reasons.join(', ')}`;
    return {
      operation,
      allowed: false,
      deniedBy: KUBE_APISERVER,
      message,
      reasons,
      warnings: [],
      patch: [],
      object: target.object,
    };
  }
  const received = kind.atVersion(target.object, kind.webhookVersion);
  const mutation = await ask(call, kind.mutatePath, target, received);
  if (!mutation.allowed) {
    return denied(operation, kind.mutatingWebhook, mutation, {
      warnings: mutation.warnings,
      patch: [],
      object: target.object,
    });
  }
  let mutated: JsonObject;
  try {
    mutated = applyJsonPatch(received, mutation.patch) as JsonObject;
  } catch (cause) {
    const message = `the patch of the webhook at ${kind.mutatePath} cannot be applied: ${String(cause)}`;
    throw new CliError('CLI_SERVER', message, { cause });
  }
  const object = kind.atVersion(mutated, version);
  const patch = received === target.object ? mutation.patch : toJsonPatch(target.object, object);
  // The apiserver validates the schema after the mutating webhooks and before the validating ones.
  const invalid = validateCustomResource(object, schema);
  if (invalid.length) {
    const { warnings } = mutation;
    const message = toInvalidMessage(object, invalid);
    return { operation, allowed: false, deniedBy: KUBE_APISERVER, message, reasons: invalid, warnings, patch, object };
  }
  const validation = await ask(call, kind.validatePath, target, kind.atVersion(object, kind.webhookVersion));
  const warnings = [...mutation.warnings, ...validation.warnings];
  if (!validation.allowed) return denied(operation, kind.validatingWebhook, validation, { warnings, patch, object });
  return { operation, allowed: true, reasons: [], warnings, patch, object };
}
