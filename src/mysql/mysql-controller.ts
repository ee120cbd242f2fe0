// The MySQLCluster controller: MySQLCluster's instantiation of the generic controller
// (src/operator/owner-controller.ts), with its owner descriptor (./mysql-kind.ts), its children
// (./child-kinds.ts), reconcileMySQLCluster, and the context it reads (./reconcile-context.ts): the
// base plus the admission's own judgement of the stored object and its members' data claims, and
// the memo of the Secrets known to exist (./known-secrets.ts), which hasChild('Secret') consults.
// The claims are read and changed through the API, not a cache: they are touched only when storage
// grows or a cluster is deleted with claimRetention Delete, and a cache would hold every member's
// claim on every replica for those two moments.
import type { MySQLClusterStatus } from '../api/mysqlcluster.ts';
import { LABEL_MANAGED_BY, MANAGED_BY } from '../constants.ts';
import { collectionPath, objectPath } from '../kube/apply.ts';
import { type JsonClient, isNotFound } from '../kube/json-client.ts';
import type { OwnerContextDeps, OwnerReconcileContext } from '../operator/owner-context.ts';
import { type OwnerControllerCommon, createOwnerController } from '../operator/owner-controller.ts';
import { judgeMySQLCluster } from '../../webhooks/judge-mysqlcluster.ts';
import type { PolicyConfig } from '../../webhooks/limits.ts';
import { MYSQL_CHILD_KINDS } from './child-kinds.ts';
import { withKnownSecrets } from './known-secrets.ts';
import { MYSQLCLUSTER_OWNER } from './mysql-kind.ts';
import { MYSQL_OWNER_LABEL, isClaimOf } from './names.ts';
import type { Claim, MySQLReconcileContext } from './reconcile-context.ts';
import { reconcileMySQLCluster } from './reconcile-mysqlcluster.ts';

export type MySQLControllerOptions = OwnerControllerCommon<MySQLReconcileContext> & { policyConfig: PolicyConfig };

type StoredClaim = {
  metadata?: { name?: string };
  spec?: { storageClassName?: string; resources?: { requests?: { storage?: string | number } } };
  status?: {
    phase?: string;
    capacity?: { storage?: string | number };
    conditions?: { type?: string; status?: string; message?: string }[];
  };
};

const claimsPath = (namespace: string) => collectionPath('v1', 'persistentvolumeclaims', namespace);

/**
 * The data claims of `cluster`'s members: the claims labelled with its name and as managed by
 * Shipshape (the template's labels), named `data-<cluster>-<ordinal>` as the StatefulSet names
 * them. Either alone could select a user's claim: a label copied onto another claim, or a claim of
 * that name made by hand; and deleteClaims deletes what this returns.
 */
async function listClaims(client: JsonClient, namespace: string, cluster: string): Promise<Claim[]> {
  const query = { labelSelector: `${MYSQL_OWNER_LABEL}=${cluster},${LABEL_MANAGED_BY}=${MANAGED_BY}` };
  const list = await client.request<{ items?: StoredClaim[] }>('GET', claimsPath(namespace), { query });
  const items = (list.items ?? []).filter((c) => isClaimOf(cluster, c.metadata?.name ?? ''));
  return items.map((c) => ({
    name: c.metadata?.name ?? '',
    size: String(c.spec?.resources?.requests?.storage ?? ''),
    ...(c.spec?.storageClassName !== undefined && { storageClassName: c.spec.storageClassName }),
    ...(c.status?.phase !== undefined && { phase: c.status.phase }),
    ...(c.status?.capacity?.storage !== undefined && { capacity: String(c.status.capacity.storage) }),
    ...(c.status?.conditions?.length && {
      conditions: c.status.conditions.map(({ type = '', status, message }) => ({
        type,
        ...(status !== undefined && { status }),
        ...(message !== undefined && { message }),
      })),
    }),
  }));
}

/** MySQLCluster's context: the base, the policies' judgement of the stored object, and the claims. */
export function toMySQLContext(
  base: OwnerReconcileContext<MySQLClusterStatus>,
  deps: OwnerContextDeps,
  policyConfig: PolicyConfig,
): MySQLReconcileContext {
  const { client, logger } = deps;
  // The root password Secret is not watched: the memo says whether it exists (./known-secrets.ts).
  const secrets = withKnownSecrets(base, {
    ttlMs: base.resyncMs,
    now: base.now,
    assumed: (secret, err) =>
      logger.warn({ err, secret }, 'A create of a Secret that existed a resync ago was refused: taken as existing'),
  });
  return {
    ...base,
    ...secrets,
    desired: (raw, namespace, name) =>
      judgeMySQLCluster(raw, {
        config: policyConfig,
        namespaceAnnotations: base.namespaceAnnotations(namespace),
        name,
      }),
    listClaims: (namespace, cluster) => listClaims(client, namespace, cluster),
    async resizeClaim(namespace, claim, size) {
      await client.request('PATCH', objectPath('v1', 'persistentvolumeclaims', namespace, claim), {
        body: { spec: { resources: { requests: { storage: size } } } },
        contentType: 'application/merge-patch+json',
      });
    },
    async deleteClaims(namespace, cluster) {
      const deleted: string[] = [];
      for (const claim of await listClaims(client, namespace, cluster)) {
        try {
          await client.request('DELETE', objectPath('v1', 'persistentvolumeclaims', namespace, claim.name));
          deleted.push(claim.name);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      return deleted;
    },
  };
}

/** The MySQLCluster controller as a leader-only Runnable; registers MySQLCluster with the shared caches. */
export function createMySQLController(options: MySQLControllerOptions) {
  const { policyConfig, ...common } = options;
  return createOwnerController<MySQLClusterStatus, MySQLReconcileContext>({
    ...common,
    owner: MYSQLCLUSTER_OWNER,
    children: MYSQL_CHILD_KINDS,
    reconcile: reconcileMySQLCluster,
    context: (base, deps) => toMySQLContext(base, deps, policyConfig),
  });
}
