// The finalizer's cleanup of a deleted MySQLCluster (issue #36): its children deleted in the reverse
// of MYSQL_CHILD_KINDS order, and its data as spec.storage.claimRetention says.
// - Retain (the default, and whatever the spec says if it is not exactly Delete): the data claims
//   `data-<name>-N` and the root password Secret stay. Deleting a database's data is the one step
//   nobody can undo, so it is never the default and never a side effect of deleting the object
//   that describes the servers (`kubectl delete -f` of a directory, a namespace-wide cleanup, an
//   Argo CD prune). A cluster recreated with the same name re-adopts the claims, and finds the
//   password its data was initialised with (root-password.ts).
// - Delete: the claims are deleted; the root password Secret is kept all the same, and the Event
//   says so. Shipshape may create Secrets but not delete them (src/manifests/rbac.ts: a delete on
//   Secrets cannot be limited to its own), and nothing here could tell ours from a user's Secret of
//   that name anyway (it is not watched and has no ownerReference; a 409 on its create proves only
//   that one exists). A cluster recreated with the same name starts on new data with that password.
// The StatefulSet is deleted with the default propagation: its Pods go, and its claim retention
// policy (Retain, statefulset.ts) leaves the claims to this function.
import type { MySQLCluster } from '../api/mysqlcluster.ts';
import type { ReconcileResult } from '../operator/reconcile-context.ts';
import { describeKinds } from '../operator/child-kinds.ts';
import { MYSQL_CHILD_KINDS, type MySQLChildKindSpec } from './child-kinds.ts';
import { controlledBy } from './names.ts';
import type { MySQLReconcileContext } from './reconcile-context.ts';

export async function cleanupMySQLCluster(
  ctx: MySQLReconcileContext,
  cluster: Pick<MySQLCluster, 'metadata'> & { spec?: MySQLCluster['spec'] },
  namespace: string,
  name: string,
): Promise<ReconcileResult> {
  const retention = cluster.spec?.storage?.claimRetention === 'Delete' ? 'Delete' : 'Retain';
  const kinds = [...(MYSQL_CHILD_KINDS as readonly MySQLChildKindSpec[])].reverse();
  const deleted: string[] = [];
  const kept: string[] = [];
  for (const spec of kinds.filter((k) => !k.createOnly)) {
    const childName = spec.name(cluster);
    // Only a child the cache shows controlled by this cluster: another owner's object of that name
    // (this cluster's was never applied over it), or a user's without our ownerReference (the
    // cluster was never valid, or the name was taken first), stays. One the cache does not show
    // yet carries our ownerReference: the garbage collector deletes it once the cluster is gone.
    if (!controlledBy(ctx.getChild(spec.kind, namespace, childName), cluster)) continue;
    if (await ctx.deleteChild(spec.kind, namespace, childName)) deleted.push(`${spec.kind} ${childName}`);
  }
  const secrets = kinds.filter((k) => k.createOnly).map((k) => `${k.kind} ${k.name(cluster)}`);
  if (retention === 'Delete') {
    const claims = (await ctx.deleteClaims(namespace, name)).length;
    if (claims > 0) deleted.push(`${claims} PersistentVolumeClaim${claims === 1 ? '' : 's'}`);
    kept.push(...secrets.map((secret) => `${secret} (Shipshape deletes no Secret)`));
  } else {
    kept.push('its data PersistentVolumeClaims', ...secrets);
  }
  const what = deleted.length
    ? `Deleted ${describeKinds(deleted)} of ${name}`
    : `Nothing of ${name} was left to delete`;
  const keptNote = kept.length ? `; kept ${describeKinds(kept)}` : '';
  ctx.events.record(cluster, 'Normal', 'Deleted', `${what}${keptNote} (claimRetention ${retention})`);
  return {};
}
