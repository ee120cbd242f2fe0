// The names, labels and ownerReference of a MySQLCluster's children (issue #36), in one place: the
// builders, the reconciler, its cleanup and the wiring's watches and claim listing all read them here.
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { MYSQLCLUSTER_API_VERSION, MYSQLCLUSTER_KIND, type MySQLCluster } from '../api/mysqlcluster.ts';
import { API_GROUP, LABEL_MANAGED_BY, LABEL_NAME, MANAGED_BY } from '../constants.ts';
import { LABEL_INSTANCE } from '../operator/children.ts';
import { MySQLError } from './mysql-error.ts';

/**
 * Carries the owning MySQLCluster's name on every child, on its Pods and on its data claims (the
 * volume claim template's labels). The child watches select on its presence and map an event back
 * to `<namespace>/<label value>`; listClaims selects the claims by it.
 */
export const MYSQL_OWNER_LABEL = `${API_GROUP}/mysqlcluster`;
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
/**
 * app.kubernetes.io/name is the application (the recommended labels' own example: mysql), and the
 * instance is the cluster. Not the cluster's name twice, as a WebApp's children have it: a WebApp
 * selects `name=X,instance=X`, so a WebApp and a MySQLCluster of the same name in one namespace
 * would have the WebApp's Service route to the database. Only a cluster named `mysql` beside a
 * WebApp named `mysql` still collides that way.
 */
export const APP_NAME = 'mysql';
export const COMPONENT = 'database';
export const MYSQL_PORT = 3306;
export const MYSQL_PORT_NAME = 'mysql';
/** The volume claim template's name; the StatefulSet names each member's claim `data-<name>-<ordinal>`. */
export const DATA_VOLUME = 'data';
export const ROOT_PASSWORD_KEY = 'root-password';

type Owner = Pick<MySQLCluster, 'metadata'>;

/** metadata.name of the MySQLCluster; the reconciler only hands over stored objects, which have one. */
export function clusterName(owner: Owner): string {
  const name = owner.metadata.name;
  if (!name) throw new MySQLError('MYSQL_NO_NAME', 'the MySQLCluster has no metadata.name');
  return name;
}

export const rootPasswordSecretName = (owner: Owner) => `${clusterName(owner)}-root-password`;
export const configMapName = (owner: Owner) => `${clusterName(owner)}-config`;
/** The headless Service: the StatefulSet's serviceName, giving each member its DNS name. */
export const membersServiceName = (owner: Owner) => `${clusterName(owner)}-members`;
/** The data claim of member `ordinal`, as the StatefulSet controller names it. */
export const claimName = (owner: Owner, ordinal: number) => `${DATA_VOLUME}-${clusterName(owner)}-${ordinal}`;
/** Whether `claim` is named as cluster `cluster`'s member's data claim: `data-<cluster>-<ordinal>`. */
export function isClaimOf(cluster: string, claim: string): boolean {
  const prefix = `${DATA_VOLUME}-${cluster}-`;
  return claim.startsWith(prefix) && /^(0|[1-9]\d*)$/.test(claim.slice(prefix.length));
}

/** Labels of every child, of the Pods and of the claims. Cluster names are DNS labels: valid values. */
export function mysqlLabels(owner: Owner): Record<string, string> {
  const name = clusterName(owner);
  return {
    [LABEL_NAME]: APP_NAME,
    [LABEL_INSTANCE]: name,
    [LABEL_COMPONENT]: COMPONENT,
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [MYSQL_OWNER_LABEL]: name,
  };
}

/**
 * The Pod selector of the StatefulSet, the Services and the PodDisruptionBudget. A StatefulSet's
 * selector is immutable, so it holds only labels derived from the name, which never changes; labels
 * added to mysqlLabels later must not join it. The owner label keeps it off a WebApp's Pods.
 */
export function mysqlSelector(owner: Owner): Record<string, string> {
  const name = clusterName(owner);
  return { [LABEL_NAME]: APP_NAME, [LABEL_INSTANCE]: name, [MYSQL_OWNER_LABEL]: name };
}

/**
 * Makes the MySQLCluster the controller of a child: garbage collection deletes the child with it,
 * and blockOwnerDeletion keeps a foreground deletion of the cluster waiting for the child.
 */
export function toMySQLOwnerReference(owner: Owner): V1OwnerReference {
  const uid = owner.metadata.uid;
  if (!uid) throw new MySQLError('MYSQL_NO_UID', 'the MySQLCluster has no metadata.uid');
  return {
    apiVersion: MYSQLCLUSTER_API_VERSION,
    kind: MYSQLCLUSTER_KIND,
    name: clusterName(owner),
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The metadata of an owned child: its name, the cluster's namespace, labels and ownerReference. */
export function mysqlChildMetadata(owner: Owner, name: string): V1ObjectMeta {
  return {
    name,
    namespace: owner.metadata.namespace,
    labels: mysqlLabels(owner),
    ownerReferences: [toMySQLOwnerReference(owner)],
  };
}

/**
 * Whether `child` (as the cache shows it) is controlled by `owner`: its controller ownerReference
 * names this MySQLCluster (by kind and name, as the base context's apply guard does: a cluster
 * recreated with the same name takes its predecessor's children back). Only such a child is
 * deleted; another owner's child whose name this one's would take (cluster `a`'s Service
 * `a-members` and cluster `a-members`'s client Service, a WebApp's), or an object of the name
 * without that reference (a user's), is not ours. Applying over another owner's is refused by the
 * base context (ChildOwnedError).
 */
export function controlledBy(child: object | undefined, owner: Owner): boolean {
  const refs = (child as { metadata?: { ownerReferences?: V1OwnerReference[] } } | undefined)?.metadata
    ?.ownerReferences;
  const controller = refs?.find((ref) => ref.controller);
  return controller?.kind === MYSQLCLUSTER_KIND && controller.name === clusterName(owner);
}
