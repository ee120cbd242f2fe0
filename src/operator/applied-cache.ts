// Skips a server-side apply whose outcome is already known, and says what an apply changed. Both
// turn on a child's *signature*: the object without `status`, `metadata.resourceVersion` and
// `metadata.managedFields`. The Deployment controller writes status (and the
// `deployment.kubernetes.io/revision` annotation) after our applies; a status write bumps the
// resourceVersion but keeps the signature, so it neither triggers an apply nor reads as "Updated".
// A hand edit of spec, labels, annotations or data changes the signature, so the next reconcile
// applies again and restores our fields.
//
// Own code, not a library: the signature must ignore how objects arrive. List items lack
// apiVersion and kind (measured against Kubernetes 1.37.2); and should a typed object of
// @kubernetes/client-node reach it, its `Date`s are written as the apiserver writes metav1.Time.
// The controller reads and writes JSON (src/kube/json-client.ts), so no field a typed model does
// not know is dropped from one side only.
import { createHash } from 'node:crypto';

/** What an apply did to the stored child: decided here once, for Events, spans and metrics. */
export type ChildChange = 'created' | 'updated' | 'unchanged';

type Obj = {
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
};

type Stored = { resourceVersion: string; signature: string; hash: string };

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64');

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

/** The object as far as anything but status goes (apiVersion and kind are in the cache key). */
function signOf(obj: Obj): string {
  const content: Record<string, unknown> = { ...obj, metadata: { ...obj.metadata } };
  const metadata = content.metadata as Record<string, unknown>;
  for (const field of ['apiVersion', 'kind', 'status']) delete content[field];
  for (const field of ['resourceVersion', 'managedFields']) delete metadata[field];
  return sha256(JSON.stringify(canonical(content)));
}

/**
 * Whether resourceVersion `a` is newer than `b`. The API conventions call resourceVersions opaque,
 * but every apiserver writes etcd's revision there and its own watch cache compares them as
 * integers; anything else counts as newer, so the watch cache's object wins.
 */
export function isNewer(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  return !/^\d+$/.test(a) || !/^\d+$/.test(b) || BigInt(a) > BigInt(b);
}

/**
 * `lookup` reads the watch cache. `view` is what that cache keeps of an object (its transform,
 * src/operator/cache-transforms.ts): an object an apply returns is signed through it too, so the
 * two sides of a comparison hold the same fields. Default: the object as it is.
 */
export function createAppliedCache(
  lookup: (kind: string, namespace: string, name: string) => Obj | undefined,
  view: (obj: Obj) => Obj = (obj) => obj,
) {
  const applied = new Map<string, Stored>();
  const signatureOf = (obj: Obj) => signOf(view(obj));
  /** What the view keeps of `obj` that an apply sets: not what the server keeps (status, versions). */
  const contentOf = (obj: Obj) => {
    const content: Record<string, unknown> = { ...view(obj) };
    const metadata: Record<string, unknown> = { ...(content.metadata as object) };
    for (const field of ['apiVersion', 'kind', 'status']) delete content[field];
    for (const field of ['resourceVersion', 'generation', 'managedFields']) delete metadata[field];
    return JSON.stringify(canonical({ ...content, metadata }));
  };
  const keyOf = (o: Obj) => `${o.kind}/${o.metadata?.namespace}/${o.metadata?.name}`;

  return {
    /**
     * Applies `obj` through `apply` unless the watch cache holds what our last apply of the same
     * body stored (the same resourceVersion, or the same signature: only status moved on), or,
     * before any apply of it, holds exactly what `obj` sets (through `view`). The
     * change is "created" when no child was known, "updated" when the apply changed the signature
     * of the freshest object known (the watch cache's or our last stored), else "unchanged".
     */
    async apply<T extends Obj>(obj: T, apply: (obj: T) => Promise<T>): Promise<{ object: T; change: ChildChange }> {
      const key = keyOf(obj);
      const hash = sha256(JSON.stringify(obj));
      const cached = lookup(obj.kind ?? '', obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
      const last = applied.get(key);
      const cachedVersion = cached?.metadata?.resourceVersion;
      const cachedSignature = cached && cachedVersion !== last?.resourceVersion ? signatureOf(cached) : undefined;
      if (cached && last?.hash === hash && (cachedSignature === undefined || cachedSignature === last.signature)) {
        return { object: cached as T, change: 'unchanged' };
      }
      // Nothing applied this term (a new leader's sweep), and the watch cache already holds the body
      // field for field, with no field the view keeps beyond it (one a past body set and this one
      // releases): an apply would change nothing, so it is not made, and counts as our last.
      if (cached && last === undefined && cachedVersion && contentOf(cached) === contentOf(obj)) {
        applied.set(key, { resourceVersion: cachedVersion, signature: cachedSignature ?? signatureOf(cached), hash });
        return { object: cached as T, change: 'unchanged' };
      }
      const before =
        last && !isNewer(cachedVersion, last.resourceVersion)
          ? last.signature
          : cached && (cachedSignature ?? signatureOf(cached));
      const stored = await apply(obj);
      const signature = signatureOf(stored);
      const resourceVersion = stored.metadata?.resourceVersion;
      if (resourceVersion) applied.set(key, { resourceVersion, signature, hash });
      const change = before === undefined ? 'created' : before === signature ? 'unchanged' : 'updated';
      return { object: stored, change };
    },
    forget(kind: string, namespace: string, name: string): void {
      applied.delete(`${kind}/${namespace}/${name}`);
    },
  };
}
