// Skips a server-side apply whose outcome is already known: the watch cache holds the very
// object our last apply of the same body returned (same resourceVersion). Any other writer (a
// hand edit, a scale, a delete) changes the resourceVersion, so the next reconcile applies again
// and restores our fields. Without this, every status write we make wakes the WebApp and re-applies
// its three unchanged children.
import { createHash } from 'node:crypto';

type Obj = { kind?: string; metadata?: { name?: string; namespace?: string; resourceVersion?: string } };

export function createAppliedCache(lookup: (kind: string, namespace: string, name: string) => Obj | undefined) {
  const applied = new Map<string, { resourceVersion: string; hash: string }>();
  const keyOf = (o: Obj) => `${o.kind}/${o.metadata?.namespace}/${o.metadata?.name}`;
  const hashOf = (o: Obj) => createHash('sha256').update(JSON.stringify(o)).digest('hex');

  return {
    /** Applies `obj` through `apply` unless the cache shows it is already in place. */
    async apply<T extends Obj>(obj: T, apply: (obj: T) => Promise<T>): Promise<T> {
      const key = keyOf(obj);
      const hash = hashOf(obj);
      const cached = lookup(obj.kind ?? '', obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
      const last = applied.get(key);
      if (cached && last && last.hash === hash && cached.metadata?.resourceVersion === last.resourceVersion) {
        return cached as T;
      }
      const stored = await apply(obj);
      const resourceVersion = stored.metadata?.resourceVersion;
      if (resourceVersion) applied.set(key, { resourceVersion, hash });
      return stored;
    },
    /** The resourceVersion our last apply of this child returned, if any. */
    lastResourceVersion(kind: string, namespace: string, name: string): string | undefined {
      return applied.get(`${kind}/${namespace}/${name}`)?.resourceVersion;
    },
    forget(kind: string, namespace: string, name: string): void {
      applied.delete(`${kind}/${namespace}/${name}`);
    },
  };
}
