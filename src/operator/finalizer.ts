// The finalizer dance in one place (kube-rs's `finalizer()`): make sure our finalizer is on a live
// object before `apply`; on deletion run `cleanup`, then drop only our finalizer with a JSON Patch
// that `test`s it first, so a concurrent change to the list fails the patch instead of dropping
// someone else's finalizer.
import type { JsonPatchOperation } from '../json/json-patch.ts';

export type FinalizedObject = {
  metadata?: { resourceVersion?: string; finalizers?: string[]; deletionTimestamp?: string | Date };
};

export type FinalizerHandlers<T, R> = {
  /** The object is live and carries the finalizer. */
  apply(obj: T): Promise<R>;
  /** The object is being deleted and still carries the finalizer; throw to retry. */
  cleanup(obj: T): Promise<R>;
};

/** Applies a JSON Patch to the object (a conflict or failed `test` rejects). */
export type PatchObject = (operations: JsonPatchOperation[]) => Promise<unknown>;

export type FinalizerOutcome<R> = { event: 'apply' | 'cleanup'; result: R } | { event: 'none' };

export async function finalizer<T extends FinalizedObject, R>(
  obj: T,
  name: string,
  patch: PatchObject,
  handlers: FinalizerHandlers<T, R>,
): Promise<FinalizerOutcome<R>> {
  const finalizers = obj.metadata?.finalizers ?? [];
  const index = finalizers.indexOf(name);
  if (obj.metadata?.deletionTimestamp) {
    if (index < 0) return { event: 'none' };
    const result = await handlers.cleanup(obj);
    await patch([
      { op: 'test', path: `/metadata/finalizers/${index}`, value: name },
      { op: 'remove', path: `/metadata/finalizers/${index}` },
    ]);
    return { event: 'cleanup', result };
  }
  if (index < 0) {
    // Guarded by resourceVersion: `add` on an existing member would replace the whole list.
    await patch([
      { op: 'test', path: '/metadata/resourceVersion', value: obj.metadata?.resourceVersion },
      finalizers.length
        ? { op: 'add', path: '/metadata/finalizers/-', value: name }
        : { op: 'add', path: '/metadata/finalizers', value: [name] },
    ]);
  }
  return { event: 'apply', result: await handlers.apply(obj) };
}
