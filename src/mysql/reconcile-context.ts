// The port reconcileMySQLCluster talks through (kube-rs's Context), so that it stays a plain
// function: the generic machinery's base context (the owner read from its watch cache, a JSON
// Patch on it, the children's server-side apply, create, cache and delete, the status write,
// Events, the clock), which the wiring provides for every owner kind, plus what only a MySQLCluster
// needs: its judged spec and its data claims. The unit tests implement it in memory.
import type { MySQLClusterStatus, MySQLDesired } from '../api/mysqlcluster.ts';
import type { OwnerReconcileContext } from '../operator/owner-context.ts';

/** A data PersistentVolumeClaim of a member, as listClaims reports it. */
export type Claim = {
  name: string;
  /** spec.resources.requests.storage, as stored (a quantity). */
  size: string;
  storageClassName?: string;
  /** status.phase: Pending, Bound or Lost. */
  phase?: string;
  /** status.capacity.storage: the volume's size, which lags the request while it is resized. */
  capacity?: string;
  /** status.conditions: Resizing, FileSystemResizePending, ControllerResizeError, NodeResizeError. */
  conditions?: { type: string; status?: string; message?: string }[];
};

/**
 * The generic base (src/operator/owner-context.ts: the owner and its children through the watch
 * caches, applies, creates, deletes, the status write, Events, the clock), plus MySQLCluster's own.
 * hasChild('Secret', ...) is the memo of known-secrets.ts: the Secret is not watched.
 */
export type MySQLReconcileContext = OwnerReconcileContext<MySQLClusterStatus> & {
  /**
   * The webhook's own policies on the stored object (judgeMySQLCluster, webhooks/): its defaulted
   * spec, or why it cannot be built; and the limits it exceeds (built all the same).
   */
  desired(raw: Record<string, unknown>, namespace: string, name: string): MySQLDesired;
  /**
   * The data claims of the cluster's members: the PersistentVolumeClaims in `namespace` labelled
   * MYSQL_OWNER_LABEL=`cluster` and app.kubernetes.io/managed-by=shipshape (the volume claim
   * template's labels) and named `data-<cluster>-<ordinal>`, including those of members scaled away
   * and of an earlier cluster of the same name whose claims were retained.
   */
  listClaims(namespace: string, cluster: string): Promise<Claim[]>;
  /**
   * Sets a claim's spec.resources.requests.storage to `size` (a JSON merge or JSON Patch); the
   * apiserver refuses it (a KubeApiError, 403 or 422) when the claim's StorageClass does not allow
   * expansion or the claim is not Bound.
   */
  resizeClaim(namespace: string, claim: string, size: string): Promise<void>;
  /** Deletes the cluster's data claims (listClaims's selection); resolves with the names deleted. */
  deleteClaims(namespace: string, cluster: string): Promise<string[]>;
};
