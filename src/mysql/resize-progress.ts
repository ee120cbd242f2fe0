// Whether a storage growth has reached the volumes (issue #36). A resized claim's request is only
// what was asked: its volume grows when the storage driver's resizer (and, for a file system grown
// offline, the kubelet at the next mount) gets to it, and status.capacity.storage says when it
// has. Until then the cluster reports Progressing StorageResizing, naming the claims waiting, while
// Ready stays about its members, which serve at the old size meanwhile; a claim whose resize failed
// (its ControllerResizeError or NodeResizeError condition) is reported Degraded StorageResizeFailed,
// with the condition's message. Read only after a growth, until the claims have caught up (the
// claims are not watched: mysql-controller.ts says why), at each reconcile, so at the resync.
import { compareQuantities } from '../../webhooks/quantity.ts';
import type { Claim, MySQLReconcileContext } from './reconcile-context.ts';

/** The claim conditions of a resize that failed (PersistentVolumeClaimConditionType). */
const RESIZE_ERRORS = new Set(['ControllerResizeError', 'NodeResizeError']);

export type ResizeProgress = {
  /** Progressing's message while claims wait for their volumes to grow. */
  waiting?: string;
  /** Degraded's message when a claim's resize failed. */
  failed?: string;
};

const waitingFor = (claim: Claim) => claim.capacity !== undefined && compareQuantities(claim.capacity, claim.size) < 0;

/** The cluster's claims whose volumes have not grown to their request, or failed to. */
export async function resizeProgress(
  ctx: Pick<MySQLReconcileContext, 'listClaims'>,
  namespace: string,
  name: string,
): Promise<ResizeProgress> {
  const claims = await ctx.listClaims(namespace, name);
  const failures = claims.flatMap((claim) =>
    (claim.conditions ?? [])
      .filter((c) => RESIZE_ERRORS.has(c.type) && c.status !== 'False')
      .map((c) => `PersistentVolumeClaim ${claim.name} could not be resized (${c.type}): ${c.message ?? ''}`),
  );
  const waiting = claims.filter(waitingFor);
  return {
    ...(failures.length > 0 && { failed: failures.join('; ') }),
    ...(waiting.length > 0 && {
      waiting:
        `Waiting for the volumes of PersistentVolumeClaims ${waiting.map((c) => c.name).join(', ')} to grow: ` +
        waiting.map((c) => `${c.name} has ${c.capacity} of ${c.size}`).join(', '),
    }),
  };
}
