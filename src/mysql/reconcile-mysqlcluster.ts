// Reconcile one MySQLCluster (issue #36): read the current state and converge it, whatever event
// woke us (level-based), as reconcileWebApp does for a WebApp. The webhook's own policies judge the
// stored object (ctx.desired): a spec that cannot be built is reported, not retried in a loop; one
// over a limit lowered after it was stored is built as it is and reported. A change the StatefulSet
// cannot take in place, or a version below the one its members run, is reported once and waits for
// the object to change; grown storage is carried out (storage-growth.ts), and a resize the
// apiserver refuses is reported and retried at the resync, the other children applied all the same.
import type { V1StatefulSet } from '@kubernetes/client-node';
import type { MySQLCluster, MySQLClusterStatus } from '../api/mysqlcluster.ts';
import { FINALIZER } from '../constants.ts';
import type { JsonPatchOperation } from '../json/json-patch.ts';
import { describeKinds } from '../operator/child-kinds.ts';
import { finalizer } from '../operator/finalizer.ts';
import type { ReconcileResult } from '../operator/reconcile-context.ts';
import {
  CONDITION_DEGRADED,
  CONDITION_PROGRESSING,
  CONDITION_WITHIN_LIMITS,
  REASON_LIMIT_EXCEEDED,
} from '../operator/conditions.ts';
import { type ChildVerb, type ChildrenOutcome, applyMySQLChildren } from './apply-children.ts';
import { cleanupMySQLCluster } from './cleanup.ts';
import type { MySQLReconcileContext } from './reconcile-context.ts';
import { type ResizeProgress, resizeProgress } from './resize-progress.ts';
import {
  type MySQLStatusInput,
  REASON_APPLY_FAILED,
  REASON_CHILD_CONFLICT,
  REASON_IMMUTABLE_CHANGE,
  REASON_INVALID_SPEC,
  REASON_STORAGE_RESIZE_FAILED,
  REASON_STORAGE_RESIZE_REFUSED,
  REASON_STORAGE_RESIZING,
  REASON_VERSION_DOWNGRADE,
  type DegradedReason,
  computeMySQLStatus,
  conditionOf,
  fromStatefulSet,
  mysqlStatusEqual,
} from './status.ts';

type Subject = MySQLCluster;

/** Whether `next` says, in condition `type`, something `previous` did not: worth one Event. */
function isNews(previous: MySQLClusterStatus | undefined, next: MySQLClusterStatus, type: string): boolean {
  const before = conditionOf(previous, type);
  const after = conditionOf(next, type);
  return before?.status !== after?.status || before?.reason !== after?.reason || before?.message !== after?.message;
}

/**
 * Writes `status` when it differs from the stored one, and then calls `announce` with the status it
 * replaced. Events that announce what the status says are recorded only then: our own status write wakes us again, with
 * nothing new to say, and a lagging cache (writeStatus false) has already been told.
 */
async function writeIfChanged(
  ctx: MySQLReconcileContext,
  subject: Subject,
  status: MySQLClusterStatus,
  announce: (previous: MySQLClusterStatus | undefined) => void,
): Promise<void> {
  if (mysqlStatusEqual(subject.status, status)) return;
  const { namespace = '', name = '', uid } = subject.metadata;
  const written = await ctx.writeStatus(namespace, name, status, uid);
  if (written !== false) announce(subject.status);
}

function announceLimits(
  ctx: MySQLReconcileContext,
  subject: Subject,
  previous: MySQLClusterStatus | undefined,
  next: MySQLClusterStatus,
) {
  const limits = conditionOf(next, CONDITION_WITHIN_LIMITS);
  if (limits?.reason === REASON_LIMIT_EXCEEDED && isNews(previous, next, CONDITION_WITHIN_LIMITS)) {
    ctx.events.record(subject, 'Warning', REASON_LIMIT_EXCEEDED, limits.message ?? '');
  }
}

/** Whether the last status said the storage was growing, or failed to: the claims are looked at. */
function watchingResize(status: MySQLClusterStatus | undefined): boolean {
  return (
    conditionOf(status, CONDITION_PROGRESSING)?.reason === REASON_STORAGE_RESIZING ||
    conditionOf(status, CONDITION_DEGRADED)?.reason === REASON_STORAGE_RESIZE_FAILED
  );
}

/** The Event of a storage growth: which claims this reconcile resized, and what happens next. */
function storageResizedMessage(outcome: NonNullable<ChildrenOutcome['growth']>): string {
  const claims = outcome.resized.length
    ? `Resized PersistentVolumeClaims ${describeKinds(outcome.resized)} to ${outcome.to}`
    : `The data claims are at ${outcome.to}`;
  return `${claims}; ${outcome.message}`;
}

async function converge(
  ctx: MySQLReconcileContext,
  raw: Record<string, unknown>,
  subject: Subject,
  namespace: string,
  name: string,
): Promise<ReconcileResult> {
  const desired = ctx.desired(raw, namespace, name);
  const base = {
    cluster: subject,
    ...(desired.limitExceeded !== undefined && { limitExceeded: desired.limitExceeded }),
    now: ctx.now(),
  } satisfies Partial<MySQLStatusInput>;
  if (desired.invalid !== undefined) {
    const status = computeMySQLStatus({ ...base, degraded: { reason: REASON_INVALID_SPEC, message: desired.invalid } });
    await writeIfChanged(ctx, subject, status, (previous) => {
      ctx.events.record(subject, 'Warning', REASON_INVALID_SPEC, desired.invalid);
      announceLimits(ctx, subject, previous, status);
    });
    // Terminal until the object changes: no requeue, no hot loop.
    return {};
  }
  const { cluster } = desired;
  const wanted = { desired: { replicas: cluster.spec.replicas, version: cluster.spec.version } };
  // One Event per verb and reconcile, as reconcileWebApp records them, in the order of each
  // verb's first child.
  const changed = new Map<ChildVerb, string[]>();
  const announceChanges = () => {
    for (const [verb, children] of changed)
      ctx.events.record(subject, 'Normal', verb, `${verb} ${describeKinds(children)}`);
  };
  const outcome: ChildrenOutcome = { templateCurrent: false };
  let resize: ResizeProgress = {};
  try {
    await applyMySQLChildren(ctx, cluster, subject.status?.currentVersion, outcome, (verb, child) =>
      changed.set(verb, [...(changed.get(verb) ?? []), child]),
    );
    // After a growth, until the volumes have caught up with the claims (resize-progress.ts).
    if (!outcome.growth && outcome.templateCurrent && watchingResize(subject.status)) {
      resize = await resizeProgress(ctx, namespace, name);
    }
  } catch (err) {
    announceChanges();
    const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    ctx.events.record(subject, 'Warning', REASON_APPLY_FAILED, message);
    // Visible in status until an apply succeeds; a failing status write must not hide the apply's
    // error, which the controller retries with backoff. The members are counted from the cache's
    // StatefulSet when the failure came before its turn.
    const cached = ctx.getChild('StatefulSet', namespace, name) as V1StatefulSet | undefined;
    const failed = computeMySQLStatus({
      ...base,
      ...wanted,
      statefulSet: outcome.statefulSet ?? fromStatefulSet(cached),
      templateCurrent: outcome.templateCurrent,
      degraded: { reason: REASON_APPLY_FAILED, message },
    });
    await writeIfChanged(ctx, subject, failed, () => {}).catch(() => {});
    throw err;
  }
  announceChanges();
  const { immutable, downgrade, growth, conflicts } = outcome;
  const refused = growth && growth.refused.length > 0;
  // What was not applied, reported in Degraded (the first one's reason) and one Warning.
  const notApplied: { reason: DegradedReason; message: string }[] = [
    ...(immutable ? [{ reason: REASON_IMMUTABLE_CHANGE, message: immutable.message } as const] : []),
    ...(downgrade !== undefined ? [{ reason: REASON_VERSION_DOWNGRADE, message: downgrade } as const] : []),
    ...(refused ? [{ reason: REASON_STORAGE_RESIZE_REFUSED, message: growth.message } as const] : []),
    ...(resize.failed !== undefined ? [{ reason: REASON_STORAGE_RESIZE_FAILED, message: resize.failed } as const] : []),
    ...(conflicts ?? []).map((message) => ({ reason: REASON_CHILD_CONFLICT, message }) as const),
  ];
  const reason = notApplied[0]?.reason;
  const notAppliedMessage = notApplied.map((n) => n.message).join('; ');
  const status = computeMySQLStatus({
    ...base,
    ...wanted,
    statefulSet: outcome.statefulSet,
    templateCurrent: outcome.templateCurrent,
    ...(reason && { degraded: { reason, message: notAppliedMessage } }),
    ...(growth && !refused && { resizing: growth.message }),
    ...(resize.waiting !== undefined && { resizing: resize.waiting }),
  });
  await writeIfChanged(ctx, subject, status, (previous) => {
    announceLimits(ctx, subject, previous, status);
    if (reason && isNews(previous, status, CONDITION_DEGRADED)) {
      ctx.events.record(subject, 'Warning', reason, notAppliedMessage);
    }
    const resizing = conditionOf(status, CONDITION_PROGRESSING)?.reason === REASON_STORAGE_RESIZING;
    if (growth && resizing && isNews(previous, status, CONDITION_PROGRESSING)) {
      ctx.events.record(subject, 'Normal', 'StorageResized', storageResizedMessage(growth));
    }
  });
  // A change the StatefulSet cannot take, or must not (a downgrade), waits for the object (or a
  // child) to change: retrying would only be refused again. A name another owner holds, and a resize the apiserver refused (a
  // StorageClass's allowVolumeExpansion changes no object of ours), are looked at again at the
  // resync: not sooner, as nothing we watch says when they would succeed.
  return immutable || downgrade !== undefined ? {} : { requeueAfterMs: ctx.resyncMs };
}

/** Reconciles the MySQLCluster `<namespace>/<name>`; a thrown error is retried with backoff. */
export async function reconcileMySQLCluster(key: string, ctx: MySQLReconcileContext): Promise<ReconcileResult> {
  const [namespace, name] = key.split('/') as [string, string];
  const raw = ctx.get(namespace, name);
  if (!raw) return {};
  // Even a malformed object gets its finalizer handled; only what is needed is read from it.
  const subject = raw as Subject;
  const patch = (operations: JsonPatchOperation[]) => ctx.patch(namespace, name, operations);
  const outcome = await finalizer(subject, FINALIZER, patch, {
    cleanup: () => cleanupMySQLCluster(ctx, subject, namespace, name),
    apply: () => converge(ctx, raw, subject, namespace, name),
  });
  return outcome.event === 'none' ? {} : outcome.result;
}
