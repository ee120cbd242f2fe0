// What the applied cache compares of a child, as two hashes: its *signature* (the object without
// `status`, `metadata.resourceVersion` and `metadata.managedFields`: a status write keeps it, a
// hand edit of spec, labels, annotations or data changes it) and its *content* (the signature's
// fields less `metadata.generation`: what an apply sets, to compare a cached child with a body
// before anything was applied this term). Both are taken of an object as a cache's view keeps it
// (./cache-transforms.ts); a cache entry may carry them (VIEW_DIGEST), computed once on arrival,
// instead of the fields they cover (decision 17).
//
// Own code, not a library: the signature must ignore how objects arrive. List items lack
// apiVersion and kind (measured against Kubernetes 1.37.2); and should a typed object of
// @kubernetes/client-node reach it, its `Date`s are written as the apiserver writes metav1.Time.
import { createHash } from 'node:crypto';

export type ViewDigest = { signature: string; content: string };

/** The property of a cache entry that holds the digest of its view in place of the view's fields. */
export const VIEW_DIGEST: unique symbol = Symbol('shipshape.viewDigest');

type Obj = { metadata?: object };

export const sha256 = (text: string) => createHash('sha256').update(text).digest('base64');

/** JSON with sorted keys; a `Date` as the apiserver writes metav1.Time (RFC 3339, seconds). */
function canonical(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().replace(/\.000Z$/, 'Z');
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => [key, canonical(record[key])]),
  );
}

/** `obj` without the top-level and metadata fields named (copies; `obj` is not changed). */
function without(obj: Obj, top: readonly string[], meta: readonly string[]): Record<string, unknown> {
  const content: Record<string, unknown> = { ...obj };
  const metadata: Record<string, unknown> = { ...(obj.metadata as Record<string, unknown>) };
  for (const field of top) delete content[field];
  for (const field of meta) delete metadata[field];
  return { ...content, metadata };
}

/** The signature of a view (apiVersion and kind are in the applied cache's key). */
export function signatureOf(view: Obj): string {
  return sha256(
    JSON.stringify(canonical(without(view, ['apiVersion', 'kind', 'status'], ['resourceVersion', 'managedFields']))),
  );
}

/** The content of a view: what an apply sets, not what the server keeps (status, versions). */
export function contentOf(view: Obj): string {
  const fields = without(view, ['apiVersion', 'kind', 'status'], ['resourceVersion', 'generation', 'managedFields']);
  return sha256(JSON.stringify(canonical(fields)));
}

/** Both hashes of a view. */
export const digestOf = (view: Obj): ViewDigest => ({ signature: signatureOf(view), content: contentOf(view) });

/** The digest an entry carries, if it is one that holds a digest instead of its view. */
export const carriedDigest = (entry: object): ViewDigest | undefined =>
  (entry as { [VIEW_DIGEST]?: ViewDigest })[VIEW_DIGEST];
