// A kind an owner owns (controller-runtime's Owns(&appsv1.Deployment{}), kube-rs's
// Controller::owns): what the shared caches watch (`kind`, `apiVersion`, `plural`, `view`) and what
// the owner's reconciler builds. Generic over what `build` takes, so each owner kind hands its
// children whatever it builds them from (WebApp: the spec read through the hub, ./child-kinds.ts).
import type { ChildObject } from './children.ts';
import type { Projection } from './cache-transforms.ts';

/** A resource the caches watch for an owner: one informer per apiVersion and plural. */
export type ChildResource = {
  kind: string;
  apiVersion: string;
  /** The resource, as in its API paths (src/kube/apply.ts builds them). */
  plural: string;
  /**
   * What the cache keeps of each object (src/operator/cache-transforms.ts), and what the applied
   * cache signs an apply's answer through; default: the object without managedFields. Owner kinds
   * that own the same resource must name the same view (createOwnerCaches refuses otherwise).
   */
  view?: Projection;
  /**
   * With a view: the cache keeps the child's identity, what this returns, and the digest of its view
   * instead of the view's fields (src/operator/cache-transforms.ts, toCacheEntry); for a resource
   * whose view holds much that only the applied cache compares. Like the view, one per resource.
   */
  kept?: Projection;
  /**
   * false: no informer, so hasChild is false and getChild undefined for it; the reconciler creates
   * (never updates) or deletes it by name. For a Secret the operator generates: a watch of Secrets,
   * even one selecting by label, needs list and watch on every Secret in the cluster, which an
   * operator that only writes its own should not hold (src/manifests/rbac.ts grants create and
   * delete alone). Default: watched.
   */
  watched?: false;
};

export type ChildKindSpec<Source> = ChildResource & {
  /** The child's name; read from a stored object, so only metadata.name is trusted. */
  name(owner: { metadata: { name?: string } }): string;
  /** The server-side apply body, or undefined when this owner should have none (it is deleted). */
  build(source: Source): ChildObject | undefined;
};
