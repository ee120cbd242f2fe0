// Growing a MySQLCluster's storage (issue #36). A StatefulSet's volume claim templates are
// immutable, so its storage grows the way Kubernetes' own docs describe: resize each existing
// claim (the storage class must allow expansion; the volume's driver grows it, online or at the
// next mount), delete the StatefulSet with propagationPolicy Orphan, so that its Pods and claims
// stay and the database keeps serving, and apply it again with the larger template: the new
// StatefulSet adopts the Pods (the same selector and template revision, so nothing rolls) and
// creates any new member's claim at the new size.
// Idempotent, for a reconcile woken again before the watch cache shows the StatefulSet gone: a
// claim already at the size is not patched again, and deleting a StatefulSet being deleted is
// harmless.
import { compareQuantities } from '../../webhooks/quantity.ts';
import type { MySQLReconcileContext } from './reconcile-context.ts';

export type StorageGrowth = {
  /** The claims this call resized. */
  resized: string[];
  /** Progressing's message while it happens (the same for every call with the same sizes). */
  message: string;
};

/**
 * Resizes the claims of `cluster` below `to`, then deletes its StatefulSet `name` orphaning its
 * Pods and claims. A claim the apiserver refuses to resize rejects (the reconciler reports it as
 * ApplyFailed and retries with backoff), before the StatefulSet is touched.
 */
export async function growStorage(
  ctx: Pick<MySQLReconcileContext, 'listClaims' | 'resizeClaim' | 'deleteChild'>,
  namespace: string,
  name: string,
  sizes: { from: string; to: string },
): Promise<StorageGrowth> {
  const resized: string[] = [];
  for (const claim of await ctx.listClaims(namespace, name)) {
    if (compareQuantities(claim.size, sizes.to) >= 0) continue;
    await ctx.resizeClaim(namespace, claim.name, sizes.to);
    resized.push(claim.name);
  }
  await ctx.deleteChild('StatefulSet', namespace, name, { propagationPolicy: 'Orphan' });
  return {
    resized,
    message:
      `Growing the data claims from ${sizes.from} to ${sizes.to}: StatefulSet ${name} is recreated with ` +
      'the new volume claim template, its Pods and claims kept',
  };
}
