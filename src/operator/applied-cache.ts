// Skips a server-side apply whose outcome is already known, and says what an apply changed. Both
// turn on a child's *signature*: the object without `status`, `metadata.resourceVersion` and
// `metadata.managedFields`. The Deployment controller writes status (and the
// `deployment.kubernetes.io/revision` annotation) after our applies; a status write bumps the
// resourceVersion but keeps the signature, so it neither triggers an apply nor reads as "Updated".
// A hand edit of spec, labels, annotations or data changes the signature, so the next reconcile
// applies again and restores our fields.
//
// The signature and content are ./view-digest.ts's. A watch cache entry may carry them
// (VIEW_DIGEST) instead of its view's fields; it is then compared through them.
import { carriedDigest, contentOf, sha256, signatureOf } from './view-digest.ts';

/** What an apply did to the stored child: decided here once, for Events, spans and metrics. */
export type ChildChange = 'created' | 'updated' | 'unchanged';

type Obj = {
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
};

type Stored = { resourceVersion: string; signature: string; hash: string };

/** Children remembered by default: many times what a leader applies while the watch lags behind. */
export const MAX_APPLIED = 4096;

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
  maxEntries = MAX_APPLIED,
) {
  // The most recently applied children only, oldest dropped first (a Map keeps insertion order; a
  // stored entry is set again). A child dropped is judged as in a new term: by comparing the cached
  // view's content with the body, which is exact once the watch cache shows our last apply; the
  // entries matter while it may not yet (seconds). So the leader's memory stays flat however many
  // children it owns (it held about 1.7 MiB per 1,000 WebApps, growing all term).
  const applied = new Map<string, Stored>();
  const remember = (key: string, stored: Stored) => {
    applied.delete(key);
    applied.set(key, stored);
    if (applied.size > maxEntries) applied.delete(applied.keys().next().value!);
  };
  // A watch cache entry's hashes: those it carries, or its view's, each taken only when asked for.
  const cachedSignatureOf = (obj: Obj) => carriedDigest(obj)?.signature ?? signatureOf(view(obj));
  const cachedContentOf = (obj: Obj) => carriedDigest(obj)?.content ?? contentOf(view(obj));
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
      const cachedSignature = cached && cachedVersion !== last?.resourceVersion ? cachedSignatureOf(cached) : undefined;
      if (cached && last?.hash === hash && (cachedSignature === undefined || cachedSignature === last.signature)) {
        return { object: cached as T, change: 'unchanged' };
      }
      // Nothing applied this term (a new leader's sweep), or not recently (dropped), and the watch
      // cache already holds the body field for field, with no field the view keeps beyond it (one a
      // past body set and this one releases): an apply would change nothing, so it is not made, and
      // counts as our last.
      if (cached && last === undefined && cachedVersion && cachedContentOf(cached) === contentOf(view(obj))) {
        remember(key, {
          resourceVersion: cachedVersion,
          signature: cachedSignature ?? cachedSignatureOf(cached),
          hash,
        });
        return { object: cached as T, change: 'unchanged' };
      }
      const before =
        last && !isNewer(cachedVersion, last.resourceVersion)
          ? last.signature
          : cached && (cachedSignature ?? cachedSignatureOf(cached));
      const stored = await apply(obj);
      const signature = signatureOf(view(stored));
      const resourceVersion = stored.metadata?.resourceVersion;
      if (resourceVersion) remember(key, { resourceVersion, signature, hash });
      const change = before === undefined ? 'created' : before === signature ? 'unchanged' : 'updated';
      return { object: stored, change };
    },
    /** Children remembered now (at most `maxEntries`). */
    get size(): number {
      return applied.size;
    },
    forget(kind: string, namespace: string, name: string): void {
      applied.delete(`${kind}/${namespace}/${name}`);
    },
  };
}
