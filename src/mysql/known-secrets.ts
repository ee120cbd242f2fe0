// The Secrets a MySQLCluster controller knows to exist, for one leadership term (issue #36). The
// root password Secret is not watched (read access to every Secret is not ours to ask for), so no
// cache can say it exists, and a create on every reconcile costs more than its 409: quota
// admission runs before the AlreadyExists check, so a namespace at its count/secrets quota answers
// 403 to each one (and nothing after the Secret would be applied), and every Secret policy webhook
// and audit log sees a password-shaped body each time. A Secret this term created, or found with
// 409 AlreadyExists, is known for one resync period: then the next reconcile creates it again, so a
// Secret deleted by hand is back within a resync, for one POST per cluster and resync.
// A create of a Secret known until lately that quota admission refuses (403) is taken as finding it:
// the quota is counted before the existence is, and the Secret existed a resync ago; the cluster's
// other children are applied all the same, instead of the reconcile failing each resync.
import { KubeApiError } from '../kube/json-client.ts';
import type { ChildObject } from '../operator/children.ts';
import type { DeleteOptions } from '../operator/owner-context.ts';

/** What the memo wraps: the base context's create, hasChild and deleteChild. */
export type SecretCalls = {
  create<T extends ChildObject>(obj: T): Promise<boolean>;
  hasChild(kind: string, namespace: string, name: string): boolean;
  deleteChild(kind: string, namespace: string, name: string, options?: DeleteOptions): Promise<boolean>;
};

/**
 * `calls` with Secrets remembered for `ttlMs` from their create (or 409): hasChild('Secret', ...)
 * says what the memo knows, a create remembers, a delete forgets. Other kinds pass through.
 */
export function withKnownSecrets(
  calls: SecretCalls,
  options: { ttlMs: number; now: () => Date; assumed?: (secret: string, err: KubeApiError) => void },
): SecretCalls {
  const { ttlMs, now, assumed } = options;
  /** namespace/name → when the knowledge expires (ms since the epoch). */
  const known = new Map<string, number>();
  const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;
  const remember = (key: string) => {
    const at = now().getTime();
    // Entries expired for more than a period: the cluster is gone or its Secret was deleted.
    for (const [other, expires] of known) if (expires + ttlMs <= at) known.delete(other);
    known.set(key, at + ttlMs);
  };
  const fresh = (key: string) => (known.get(key) ?? -Infinity) > now().getTime();
  const lately = (key: string) => (known.get(key) ?? -Infinity) + ttlMs > now().getTime();
  return {
    async create<T extends ChildObject>(obj: T) {
      if (obj.kind !== 'Secret') return calls.create(obj);
      const key = keyOf(obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
      try {
        const created = await calls.create(obj);
        remember(key);
        return created;
      } catch (err) {
        if (!(err instanceof KubeApiError && err.status === 403 && lately(key))) throw err;
        assumed?.(key, err);
        remember(key);
        return false;
      }
    },
    hasChild: (kind, namespace, name) =>
      kind === 'Secret' ? fresh(keyOf(namespace, name)) : calls.hasChild(kind, namespace, name),
    deleteChild(kind, namespace, name, deleteOptions) {
      if (kind === 'Secret') known.delete(keyOf(namespace, name));
      return deleteOptions
        ? calls.deleteChild(kind, namespace, name, deleteOptions)
        : calls.deleteChild(kind, namespace, name);
    },
  };
}
