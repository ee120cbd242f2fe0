// `shipshape review --audit-log`: Kubernetes audit events (audit.k8s.io/v1 Event, one JSON object a
// line, as the apiserver's log backend writes them) for shipshape.dev webapps and mysqlclusters,
// replayed through the policies with the given settings. Pure but for the offline review it awaits.
//
// Only ResponseComplete (and Panic) events count, so a policy without omitStages is read once per
// request. Each create, update and patch of a WebApp or a MySQLCluster is rebuilt as the apiserver
// received it: a create or update carries the object (requestObject, at level Request or
// RequestResponse); a patch is applied to the object as the log last showed it (the responseObject of its previous
// write, so RequestResponse is needed for patches). The update's oldObject is that same stored
// object, so ratcheting applies as it did. Not replayed: dry runs (nothing was stored) and writes
// that failed for another reason than an admission webhook (a 409 Conflict, the apiserver's own
// validation): they were refused whatever the settings.
//
// Requests at v1 and at v2 are replayed alike (issue #35): each at the version it was made at
// (objectRef.apiVersion), a patch applied to the stored object converted to that version, the
// review judging it as the webhooks judge that version's clients (src/cli/review.ts). A
// MySQLCluster (issue #36) has one version, v1alpha1, and goes through its own webhooks; the log
// keeps each kind's objects apart, so a WebApp and a MySQLCluster may share a name.
import { API_GROUP } from '../constants.ts';
import { type JsonPatchOperation, applyJsonPatch } from '../json/json-patch.ts';
import { type JsonObject, isPlainObject } from '../json/json.ts';
import { applyMergePatch } from '../json/merge-patch.ts';
import type { ManifestError } from './load-manifests.ts';
import { type OfflineOptions, reviewOffline } from './review-offline.ts';
import { MYSQLCLUSTER_REVIEW, type ReviewKind, WEBAPP_REVIEW } from './review-kinds.ts';
import { toReasons } from './review.ts';

/** The kinds replayed, by the resource the audit event names. */
const REPLAYED: readonly ReviewKind[] = [WEBAPP_REVIEW, MYSQLCLUSTER_REVIEW];

export type AuditEvent = {
  /** file:line, for messages. */
  at: string;
  /** WebApp or MySQLCluster, from objectRef.resource. */
  kind: string;
  verb: string;
  namespace: string;
  name: string;
  subresource?: string;
  /** The version the request was made at (objectRef.apiVersion: v1, v2, v1alpha1); its objects are at it. */
  version: string;
  user: string;
  /** stageTimestamp (RFC 3339, microseconds), else requestReceivedTimestamp. */
  time: string;
  dryRun: boolean;
  code: number;
  message?: string;
  requestObject?: unknown;
  responseObject?: unknown;
};

/** Parses audit log lines; events about anything but shipshape.dev webapps and mysqlclusters are left out. */
export function parseAuditLog(text: string, source: string): { events: AuditEvent[]; errors: ManifestError[] } {
  const events: AuditEvent[] = [];
  const errors: ManifestError[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch (err) {
      errors.push({ source, line: i + 1, message: `not a JSON audit event: ${(err as Error).message}` });
      return;
    }
    if (!isPlainObject(event) || event.kind !== 'Event') {
      errors.push({ source, line: i + 1, message: 'not an audit.k8s.io Event' });
      return;
    }
    const ref = isPlainObject(event.objectRef) ? event.objectRef : {};
    const kind = ref.apiGroup === API_GROUP ? REPLAYED.find((k) => k.plural === ref.resource) : undefined;
    if (!kind) return;
    if (event.stage !== 'ResponseComplete' && event.stage !== 'Panic') return;
    const status = isPlainObject(event.responseStatus) ? event.responseStatus : {};
    const user = isPlainObject(event.user) && typeof event.user.username === 'string' ? event.user.username : '';
    const uri = typeof event.requestURI === 'string' ? event.requestURI : '';
    const time = [event.stageTimestamp, event.requestReceivedTimestamp].find((t) => typeof t === 'string') as string;
    events.push({
      at: `${source}:${i + 1}`,
      kind: kind.kind,
      verb: String(event.verb),
      namespace: typeof ref.namespace === 'string' ? ref.namespace : '',
      name: typeof ref.name === 'string' ? ref.name : '',
      ...(typeof ref.subresource === 'string' && ref.subresource && { subresource: ref.subresource }),
      version: typeof ref.apiVersion === 'string' && ref.apiVersion ? ref.apiVersion : kind.webhookVersion,
      user,
      time: time ?? '',
      dryRun: /[?&]dryRun=/.test(uri),
      code: typeof status.code === 'number' ? status.code : event.stage === 'Panic' ? 500 : 200,
      ...(typeof status.message === 'string' && { message: status.message }),
      ...(event.requestObject !== undefined && { requestObject: event.requestObject }),
      ...(event.responseObject !== undefined && { responseObject: event.responseObject }),
    });
  });
  return { events, errors };
}

/**
 * What the apiserver answered then: denied by an admission webhook, or failed for another reason
 * (a conflict, a missing object, its own validation), which is not replayed: the write was refused
 * whatever the settings.
 */
export type Then = { denied: boolean; failed: boolean; reasons: string[] };

export type Replayed = {
  event: AuditEvent;
  operation: 'CREATE' | 'UPDATE';
  /** An update whose stored object the log never showed: judged without ratcheting. */
  oldUnknown: boolean;
  now: { denied: boolean; reasons: string[] };
  then: Then;
};

export type Unreplayed = { event: AuditEvent; why: string };

const WEBHOOK_DENIAL = /^admission webhook "[^"]+" denied the request: /;

export function toThen(event: AuditEvent): Then {
  if (event.code < 400) return { denied: false, failed: false, reasons: [] };
  const message = event.message ?? `HTTP ${event.code}`;
  const webhook = WEBHOOK_DENIAL.exec(message);
  if (webhook) return { denied: true, failed: false, reasons: toReasons(message.slice(webhook[0].length)) };
  return { denied: false, failed: true, reasons: [message] };
}

const kindOf = (event: AuditEvent): ReviewKind => REPLAYED.find((k) => k.kind === event.kind) ?? WEBAPP_REVIEW;

function rebuild(event: AuditEvent, stored: JsonObject | undefined): JsonObject | string {
  const body = event.requestObject;
  // `stored` (the responseObject of an earlier write, at that write's version) at the version of
  // the event, as the apiserver reads it for a patch at that version; as it is if it cannot be.
  const old = stored && kindOf(event).atVersion(stored, event.version);
  if (event.verb !== 'patch')
    return isPlainObject(body) ? body : 'no object in the event (level Request or RequestResponse needed)';
  if (body === undefined) return 'no patch in the event (level Request or RequestResponse needed)';
  if (!old) return `a patch of a ${event.kind} the log has not shown before (level RequestResponse needed)`;
  try {
    const patched = Array.isArray(body)
      ? applyJsonPatch(old, body as JsonPatchOperation[])
      : applyMergePatch(old, body);
    return isPlainObject(patched) ? patched : 'the patch does not give an object';
  } catch (err) {
    return `the patch does not apply: ${(err as Error).message}`;
  }
}

export type ReplayOptions = OfflineOptions & { namespace?: string };

/** Replays every create, update and patch, in the order they completed, under enforcement. */
export async function replayAuditEvents(
  events: readonly AuditEvent[],
  options: ReplayOptions,
): Promise<{ replayed: Replayed[]; skipped: Unreplayed[] }> {
  const ordered = [...events].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  const stored = new Map<string, JsonObject>();
  const replayed: Replayed[] = [];
  const skipped: Unreplayed[] = [];
  const offline: OfflineOptions = { ...options, config: { ...options.config, enforcement: 'enforce' } };
  for (const event of ordered) {
    const key = `${event.kind} ${event.namespace}/${event.name}`;
    const keep = () => {
      if (event.code < 300 && !event.dryRun && isPlainObject(event.responseObject))
        stored.set(key, event.responseObject);
    };
    const judged = ['create', 'update', 'patch'].includes(event.verb) && !event.subresource;
    if (!judged || (options.namespace !== undefined && event.namespace !== options.namespace)) {
      if (event.verb === 'delete' && event.code < 300 && !isPlainObject(event.responseObject)) stored.delete(key);
      keep();
      continue;
    }
    if (event.dryRun) {
      skipped.push({ event, why: 'a dry run' });
      continue;
    }
    const then = toThen(event);
    if (then.failed) {
      skipped.push({ event, why: `failed then for another reason than admission (HTTP ${event.code})` });
      continue;
    }
    const old = event.verb === 'create' ? undefined : stored.get(key);
    const object = rebuild(event, old);
    if (typeof object === 'string') {
      skipped.push({ event, why: object });
      keep();
      continue;
    }
    const review = await reviewOffline({ object, namespace: event.namespace, ...(old && { oldObject: old }) }, offline);
    replayed.push({
      event,
      operation: event.verb === 'create' ? 'CREATE' : 'UPDATE',
      oldUnknown: event.verb !== 'create' && !old,
      now: { denied: !review.allowed, reasons: review.allowed ? [] : review.reasons },
      then,
    });
    // Without a responseObject (level Request), the object as sent stands in for the stored one.
    if (event.code < 300 && !isPlainObject(event.responseObject)) stored.set(key, review.object);
    keep();
  }
  return { replayed, skipped };
}
