// A MySQLCluster's status (issue #36), computed from what the reconciler observed; pure, like
// src/operator/status.ts for WebApp, whose conventions it keeps: phase Failed when Degraded, Running
// when Ready, else Pending; a condition's lastTransitionTime moves only when its status does; the
// message is Degraded's when degraded, else Ready's. The reconciler writes it only when
// mysqlStatusEqual says it differs, so an unchanged world causes no write and no requeue.
import type { V1StatefulSet } from '@kubernetes/client-node';
import type { MySQLCluster, MySQLClusterStatus } from '../api/mysqlcluster.ts';
import type { Condition } from '../api/webapp.ts';
import { jsonEqual } from '../json/json.ts';
import {
  CONDITION_DEGRADED,
  CONDITION_PROGRESSING,
  CONDITION_READY,
  CONDITION_WITHIN_LIMITS,
  type ConditionDraft,
  type ConditionSubject,
  phaseOf,
  toCondition,
  withinLimits,
} from '../operator/conditions.ts';

/** What the status reads of the StatefulSet; undefined when it does not exist. */
export type ObservedStatefulSet = {
  generation?: number;
  observedGeneration?: number;
  replicas?: number;
  readyReplicas?: number;
  updatedReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
};

export const REASON_INVALID_SPEC = 'InvalidSpec';
export const REASON_APPLY_FAILED = 'ApplyFailed';
/** A change the StatefulSet cannot take in place (its volume claim templates): reported, not retried. */
export const REASON_IMMUTABLE_CHANGE = 'ImmutableChange';
/** spec.version below status.currentVersion (admission bypassed): the StatefulSet is not applied. */
export const REASON_VERSION_DOWNGRADE = 'VersionDowngrade';
/** A child's name is held by another owner's object (ChildOwnedError): that child is not applied. */
export const REASON_CHILD_CONFLICT = 'ChildConflict';
/**
 * Progressing's reason while the data claims grow and the StatefulSet is recreated, and then until
 * the volumes have grown to the claims' request (Ready stays about the members meanwhile).
 */
export const REASON_STORAGE_RESIZING = 'StorageResizing';
/** The apiserver refused to resize a data claim (its StorageClass does not allow expansion). */
export const REASON_STORAGE_RESIZE_REFUSED = 'StorageResizeRefused';
/** A claim's volume failed to grow (its ControllerResizeError or NodeResizeError condition). */
export const REASON_STORAGE_RESIZE_FAILED = 'StorageResizeFailed';

export type DegradedReason =
  | typeof REASON_INVALID_SPEC
  | typeof REASON_APPLY_FAILED
  | typeof REASON_IMMUTABLE_CHANGE
  | typeof REASON_VERSION_DOWNGRADE
  | typeof REASON_CHILD_CONFLICT
  | typeof REASON_STORAGE_RESIZE_REFUSED
  | typeof REASON_STORAGE_RESIZE_FAILED;

export type MySQLStatusInput = {
  /** The stored cluster: its generation and previous status. */
  cluster: { metadata: MySQLCluster['metadata']; status?: MySQLClusterStatus };
  /** What the spec asks for; undefined when it is invalid (nothing is built). */
  desired?: { replicas: number; version: string };
  statefulSet?: ObservedStatefulSet;
  /**
   * Whether `statefulSet` holds the desired template (it was applied this reconcile): only then can
   * its finished rollout mean that every member runs spec.version.
   */
  templateCurrent?: boolean;
  degraded?: { reason: DegradedReason; message: string };
  /** Progressing's message while the storage grows (storage-growth.ts). */
  resizing?: string;
  /** The limits the spec exceeds, when it does. */
  limitExceeded?: string;
  now: Date;
};

type Draft = ConditionDraft;

/** What ObservedStatefulSet needs from a StatefulSet (as applied, or the cache's view). */
export function fromStatefulSet(statefulSet: V1StatefulSet | undefined): ObservedStatefulSet | undefined {
  if (!statefulSet) return undefined;
  const status = statefulSet.status;
  return {
    generation: statefulSet.metadata?.generation,
    observedGeneration: status?.observedGeneration,
    replicas: status?.replicas,
    readyReplicas: status?.readyReplicas,
    updatedReplicas: status?.updatedReplicas,
    currentRevision: status?.currentRevision,
    updateRevision: status?.updateRevision,
  };
}

function degraded(input: MySQLStatusInput): Draft {
  if (input.degraded) return { status: 'True', ...input.degraded };
  return { status: 'False', reason: 'AsExpected', message: 'The children are applied' };
}

/** Ready while every desired member is; when degraded, False with Degraded's reason and message. */
function ready(input: MySQLStatusInput, degradedDraft: Draft): Draft {
  if (degradedDraft.status === 'True' || !input.desired) return { ...degradedDraft, status: 'False' };
  const desired = input.desired.replicas;
  const readyCount = input.statefulSet?.readyReplicas ?? 0;
  const message = `${readyCount} of ${desired} members ready`;
  if (readyCount >= desired) return { status: 'True', reason: 'MembersReady', message };
  return { status: 'False', reason: 'MembersNotReady', message };
}

/** Whether the StatefulSet's controller has seen its latest spec. */
const observedLatest = (s: ObservedStatefulSet) =>
  s.generation === undefined || (s.observedGeneration ?? 0) >= s.generation;

/**
 * Progressing while the storage grows or the StatefulSet rolls out: its controller has not seen the
 * latest generation, members are missing, not updated, not Ready, or left over from a scale-down,
 * or its revisions differ (the checks of `kubectl rollout status` for a StatefulSet).
 */
function progressing(input: MySQLStatusInput): Draft {
  if (!input.desired)
    return { status: 'False', reason: REASON_INVALID_SPEC, message: 'No rollout while the spec is invalid' };
  if (input.resizing !== undefined) return { status: 'True', reason: REASON_STORAGE_RESIZING, message: input.resizing };
  const s = input.statefulSet;
  if (!s) return { status: 'Unknown', reason: 'NoStatefulSet', message: 'The StatefulSet does not exist yet' };
  const rolling = (message: string): Draft => ({ status: 'True', reason: 'RollingOut', message });
  const desired = input.desired.replicas;
  if (!observedLatest(s)) return rolling(`Waiting for the StatefulSet's generation ${s.generation} to be observed`);
  const updated = s.updatedReplicas ?? 0;
  if (updated < desired) return rolling(`${updated} of ${desired} members updated`);
  const replicas = s.replicas ?? 0;
  if (replicas > desired) return rolling(`${replicas - desired} members pending termination`);
  const readyCount = s.readyReplicas ?? 0;
  if (readyCount < desired) return rolling(`${readyCount} of ${desired} members ready`);
  if (s.currentRevision !== s.updateRevision) return rolling('Waiting for the rollout to complete');
  return { status: 'False', reason: 'Complete', message: `${desired} of ${desired} members updated and ready` };
}

/** spec.version once the applied template has rolled out to every member; else the version before. */
function currentVersion(input: MySQLStatusInput): string | undefined {
  const previous = input.cluster.status?.currentVersion;
  const s = input.statefulSet;
  if (!input.desired || !s || !input.templateCurrent || !observedLatest(s)) return previous;
  const desired = input.desired.replicas;
  const done =
    s.currentRevision !== undefined &&
    s.currentRevision === s.updateRevision &&
    s.replicas === desired &&
    s.updatedReplicas === desired &&
    s.readyReplicas === desired;
  return done ? input.desired.version : previous;
}

export function computeMySQLStatus(input: MySQLStatusInput): MySQLClusterStatus {
  const degradedDraft = degraded(input);
  const readyDraft = ready(input, degradedDraft);
  const version = currentVersion(input);
  const subject: ConditionSubject = {
    generation: input.cluster.metadata.generation,
    previous: input.cluster.status?.conditions,
    now: input.now,
  };
  return {
    phase: phaseOf(degradedDraft, readyDraft),
    replicas: input.statefulSet?.replicas ?? 0,
    readyReplicas: input.statefulSet?.readyReplicas ?? 0,
    ...(version !== undefined && { currentVersion: version }),
    observedGeneration: input.cluster.metadata.generation,
    conditions: [
      toCondition(CONDITION_READY, readyDraft, subject),
      toCondition(CONDITION_PROGRESSING, progressing(input), subject),
      toCondition(CONDITION_DEGRADED, degradedDraft, subject),
      toCondition(CONDITION_WITHIN_LIMITS, withinLimits(input.limitExceeded), subject),
    ],
    message: degradedDraft.status === 'True' ? degradedDraft.message : readyDraft.message,
  };
}

/** Whether writing `next` would change the stored `current`: JSON equality, condition order counts. */
export function mysqlStatusEqual(current: MySQLClusterStatus | undefined, next: MySQLClusterStatus): boolean {
  return jsonEqual(current, next);
}

/** The condition of `type` in `status`, if any. */
export function conditionOf(status: MySQLClusterStatus | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}
