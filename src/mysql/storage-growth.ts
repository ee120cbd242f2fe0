// Growing a MySQLCluster's storage (issue #36). A StatefulSet's volume claim templates are
// immutable, so its storage grows the way Kubernetes' own docs describe: resize each existing
// claim (the storage class must allow expansion; the volume's driver grows it, online or at the
// next mount), delete the StatefulSet with propagationPolicy Orphan, so that its Pods and claims
// stay and the database keeps serving, and apply it again with the larger template: the new
// StatefulSet adopts the Pods (the same selector and template revision, so nothing rolls) and
// creates any new member's claim at the new size.
// Only a Bound claim is resized: the apiserver refuses a resize of any other (only a bound claim's
// requests may change), so a Pending or Lost claim is skipped and named. A resize the apiserver
// refuses for good (a 4xx other than 409 and 429: a StorageClass without allowVolumeExpansion gives
// 403 or 422) leaves the StatefulSet as it stands: deleting it would only recreate the same one;
// the refusal is reported (StorageResizeRefused) and retried at the resync, once the class allows
// expansion. A 409, a 429 or a 5xx rejects: a retryable failure.
// Idempotent, for a reconcile woken again before the watch cache shows the StatefulSet gone: a
// claim already at the size is not patched again, and deleting a StatefulSet being deleted is
// harmless.
import { compareQuantities } from '../../webhooks/quantity.ts';
import { KubeApiError } from '../kube/json-client.ts';
import type { MySQLReconcileContext } from './reconcile-context.ts';

export type StorageGrowth = {
  /** The claims this call resized. */
  resized: string[];
  /** Claims below the size that are not Bound (Pending, Lost): not resized. */
  skipped: string[];
  /** The resizes the apiserver refused: the StatefulSet was not deleted. One line each. */
  refused: string[];
  /** Progressing's message while it happens (the same for every call with the same sizes). */
  message: string;
};

/** Whether the apiserver refused for good: retrying the same request cannot succeed. */
const isRefusal = (err: unknown): err is KubeApiError =>
  err instanceof KubeApiError && err.status >= 400 && err.status < 500 && err.status !== 409 && err.status !== 429;

/**
 * Resizes the Bound claims of `cluster` below `to`, then, unless the apiserver refused one, deletes
 * its StatefulSet `name` orphaning its Pods and claims. Rejects with a retryable failure only.
 */
export async function growStorage(
  ctx: Pick<MySQLReconcileContext, 'listClaims' | 'resizeClaim' | 'deleteChild'>,
  namespace: string,
  name: string,
  sizes: { from: string; to: string },
): Promise<StorageGrowth> {
  const resized: string[] = [];
  const skipped: string[] = [];
  const refused: string[] = [];
  for (const claim of await ctx.listClaims(namespace, name)) {
    if (compareQuantities(claim.size, sizes.to) >= 0) continue;
    if (claim.phase !== 'Bound') {
      skipped.push(`${claim.name} (${claim.phase ?? 'no phase'})`);
      continue;
    }
    try {
      await ctx.resizeClaim(namespace, claim.name, sizes.to);
      resized.push(claim.name);
    } catch (err) {
      if (!isRefusal(err)) throw err;
      refused.push(`PersistentVolumeClaim ${claim.name} was not resized to ${sizes.to}: ${err.message.split('\n')[0]}`);
    }
  }
  const notBound = skipped.length ? `; not Bound, so not resized: ${skipped.join(', ')}` : '';
  if (refused.length > 0) {
    return {
      resized,
      skipped,
      refused,
      message: `${refused.join('; ')}; StatefulSet ${name} is left as it is, and the resize retried at the next resync${notBound}`,
    };
  }
  await ctx.deleteChild('StatefulSet', namespace, name, { propagationPolicy: 'Orphan' });
  return {
    resized,
    skipped,
    refused,
    message:
      `Growing the data claims from ${sizes.from} to ${sizes.to}: StatefulSet ${name} is recreated with ` +
      `the new volume claim template, its Pods and claims kept${notBound}`,
  };
}
