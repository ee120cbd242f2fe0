// A WebApp's status, computed from what the reconciler observed. Pure and deterministic: the same
// observations and previous status give the same result whatever `now` is, except where a
// condition's status changes. The reconciler writes status only when statusEqual() says it
// differs, so an unchanged world causes no write and no watch event that would requeue it.
import type { V1Deployment } from '@kubernetes/client-node';
import type { WebApp, WebAppStatus } from '../api/webapp.ts';
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
} from './conditions.ts';

/** The observed Deployment: its metadata.generation and its status; absent when it does not exist. */
export type ObservedChildren = {
  deployment?: {
    replicas?: number;
    availableReplicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    observedGeneration?: number;
    generation?: number;
  };
};

/**
 * What the status is computed from, of a WebApp that is built: its metadata, its previous status,
 * and the replicas it should run (spec.replicas, or the autoscaler's count). A DefaultedWebApp is one.
 */
export type StatusSubject = { metadata: WebApp['metadata']; spec: { replicas: number }; status?: WebAppStatus };

export type StatusInput = {
  observed: ObservedChildren;
  /** Why applying the children failed, when it did. */
  applyError?: string;
  /** The limits the spec exceeds ("spec.replicas: 3 exceeds the maximum of 2"), when it does. */
  limitExceeded?: string;
  now: Date;
} & (
  | { webApp: StatusSubject; invalid?: undefined }
  /** `invalid`: the validation message; the reconciler then applies nothing and the spec is not defaulted. */
  | { webApp: WebApp; invalid: string }
);

type Draft = ConditionDraft;

/** What ObservedChildren needs from a Deployment read from the API server (or undefined: not found). */
export function fromDeployment(deployment: V1Deployment | undefined): ObservedChildren {
  if (!deployment) return {};
  const status = deployment.status ?? {};
  return {
    deployment: {
      replicas: status.replicas,
      availableReplicas: status.availableReplicas,
      updatedReplicas: status.updatedReplicas,
      readyReplicas: status.readyReplicas,
      observedGeneration: status.observedGeneration,
      generation: deployment.metadata?.generation,
    },
  };
}

function degraded(input: StatusInput): Draft {
  if (input.invalid !== undefined) return { status: 'True', reason: 'InvalidSpec', message: input.invalid };
  if (input.applyError !== undefined) return { status: 'True', reason: 'ApplyFailed', message: input.applyError };
  return { status: 'False', reason: 'AsExpected', message: 'The children are applied' };
}

/**
 * Ready while enough replicas are available and nothing is degraded. When degraded, Ready is False
 * with Degraded's reason and message: "3 of 3 replicas available" would hide why it is not ready.
 */
function ready(desired: number | undefined, available: number, degradedDraft: Draft): Draft {
  if (degradedDraft.status === 'True' || desired === undefined) return { ...degradedDraft, status: 'False' };
  if (desired === 0) return { status: 'True', reason: 'ScaledToZero', message: 'Scaled to 0 replicas' };
  const message = `${available} of ${desired} replicas available`;
  if (available >= desired) return { status: 'True', reason: 'MinimumReplicasAvailable', message };
  return { status: 'False', reason: 'ReplicasUnavailable', message };
}

/**
 * Progressing while the Deployment rolls out, with the checks of `kubectl rollout status`
 * (kubectl's DeploymentStatusViewer): its controller has not seen the latest generation, fewer
 * replicas than desired are updated, old replicas remain, or updated replicas are not yet
 * available. An invalid spec is never rolled out, so it reports False.
 */
function progressing(desired: number | undefined, observed: ObservedChildren, invalid: string | undefined): Draft {
  if (invalid !== undefined || desired === undefined) {
    return { status: 'False', reason: 'InvalidSpec', message: 'No rollout while the spec is invalid' };
  }
  const d = observed.deployment;
  if (!d) return { status: 'Unknown', reason: 'NoDeployment', message: 'The Deployment does not exist yet' };
  const rolling = (message: string): Draft => ({ status: 'True', reason: 'RollingOut', message });
  if (d.generation !== undefined && (d.observedGeneration ?? 0) < d.generation) {
    return rolling(`Waiting for the Deployment's generation ${d.generation} to be observed`);
  }
  const updated = d.updatedReplicas ?? 0;
  if (updated < desired) return rolling(`${updated} of ${desired} replicas updated`);
  const replicas = d.replicas ?? 0;
  if (replicas > updated) return rolling(`${replicas - updated} old replicas pending termination`);
  const available = d.availableReplicas ?? 0;
  if (available < updated) return rolling(`${available} of ${updated} updated replicas available`);
  return { status: 'False', reason: 'Complete', message: `${updated} of ${desired} replicas updated` };
}

/**
 * The whole status of a WebApp: phase Failed when Degraded, Running when Ready, else Pending;
 * message is Degraded's message when degraded, else Ready's. Desired replicas are the defaulted
 * spec.replicas; an invalid spec has none.
 */
export function computeStatus(input: StatusInput): WebAppStatus {
  const desired = input.invalid === undefined ? input.webApp.spec.replicas : undefined;
  const available = input.observed.deployment?.availableReplicas ?? 0;
  const readyReplicas = input.observed.deployment?.readyReplicas ?? 0;
  const degradedDraft = degraded(input);
  const readyDraft = ready(desired, available, degradedDraft);
  const progressingDraft = progressing(desired, input.observed, input.invalid);
  const subject: ConditionSubject = {
    generation: input.webApp.metadata.generation,
    previous: input.webApp.status?.conditions,
    now: input.now,
  };
  return {
    phase: phaseOf(degradedDraft, readyDraft),
    readyReplicas,
    availableReplicas: available,
    observedGeneration: input.webApp.metadata.generation,
    conditions: [
      toCondition(CONDITION_READY, readyDraft, subject),
      toCondition(CONDITION_PROGRESSING, progressingDraft, subject),
      toCondition(CONDITION_DEGRADED, degradedDraft, subject),
      toCondition(CONDITION_WITHIN_LIMITS, withinLimits(input.limitExceeded), subject),
    ],
    message: degradedDraft.status === 'True' ? degradedDraft.message : readyDraft.message,
  };
}

/**
 * Whether writing `next` would change the stored status `current` (undefined: none stored yet).
 * JSON equality: key order is ignored, undefined fields count as missing, condition order counts.
 */
export function statusEqual(current: WebAppStatus | undefined, next: WebAppStatus): boolean {
  return jsonEqual(current, next);
}
