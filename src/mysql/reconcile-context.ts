// The port reconcileMySQLCluster talks through (kube-rs's Context), so that it stays a plain
// function: the generic machinery's base context (the owner read from its watch cache, a JSON
// Patch on it, the children's server-side apply, create, cache and delete, the status write,
// Events, the clock), which the wiring provides for every owner kind, plus what only a MySQLCluster
// needs: its judged spec and its data claims. The unit tests implement it in memory.
import type { MySQLClusterStatus, MySQLDesired } from '../api/mysqlcluster.ts';
import type { JsonPatchOperation } from '../json/json-patch.ts';
import type { ChildChange } from '../operator/applied-cache.ts';
import type { ChildObject } from '../operator/children.ts';
import type { EventRecorder } from '../operator/event-recorder.ts';

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

export type MySQLReconcileContext = {
  /** The MySQLCluster as the watch cache has it, or undefined when it is gone. */
  get(namespace: string, name: string): Record<string, unknown> | undefined;
  /** JSON Patch on the MySQLCluster (the finalizer). */
  patch(namespace: string, name: string, operations: JsonPatchOperation[]): Promise<unknown>;
  /** Server-side apply, forcing conflicts; resolves with the object as stored and what changed. */
  apply<T extends ChildObject>(obj: T): Promise<{ object: T; change: ChildChange }>;
  /** POST: resolves false when the object already exists, which it never updates. */
  create<T extends ChildObject>(obj: T): Promise<boolean>;
  /**
   * Whether the watch cache holds the child; for the unwatched Secret, whether a create made or
   * found it within the last resync period (known-secrets.ts).
   */
  hasChild(kind: string, namespace: string, name: string): boolean;
  /** The child as the watch cache keeps it (its view, ./cache-views.ts), or undefined. */
  getChild(kind: string, namespace: string, name: string): Record<string, unknown> | undefined;
  /** Deletes a child; resolves false when it was already gone (not an error). */
  deleteChild(
    kind: string,
    namespace: string,
    name: string,
    options?: { propagationPolicy?: 'Orphan' | 'Background' | 'Foreground' },
  ): Promise<boolean>;
  /**
   * Replaces the status through the status subresource. May resolve false when this very status
   * was already written for the object with this `uid` and the cache lags: nothing was written.
   */
  writeStatus(namespace: string, name: string, status: MySQLClusterStatus, uid?: string): Promise<boolean | void>;
  events: Pick<EventRecorder, 'record'>;
  namespaceAnnotations(namespace: string): Record<string, string> | undefined;
  now(): Date;
  /** Periodic resync of a converged MySQLCluster. */
  resyncMs: number;

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
