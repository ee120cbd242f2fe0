// What the generic operator machinery needs to know of an owner kind (controller-runtime's
// builder.For(...), kube-rs's Controller::new(api, ...)): where it is read, the label that maps a
// child back to it, its finalizer and the name its controller goes by in logs, spans and metrics.
//
// Adding a kind: its descriptor (like ./webapp-kind.ts), its child specs (./child-kind-spec.ts,
// like ./child-kinds.ts), a reconcile(key, ctx) over ./owner-context.ts's base context, a few
// lines in src/main.ts (createOwnerController with the shared createOwnerCaches), and the RBAC
// rules for the kind and its children in src/manifests/rbac.ts.

export type OwnerKind = {
  kind: string;
  /** group/version the controller reads and patches (the stored version, normally). */
  apiVersion: string;
  /** The resource, as in its API paths. */
  plural: string;
  /**
   * The label every child carries with the owner's name: the shared child caches route a child's
   * event to the owner kind whose label it carries, as `<namespace>/<label value>`.
   */
  ownerLabel: string;
  finalizer: string;
  /** The controller's name: logs, the reconcile span (`reconcile <name>`) and metric labels. */
  controllerName: string;
};

type Labelled = { metadata?: { namespace?: string; labels?: Record<string, string> } };

/** The owner key (`namespace/name`) a child of `owner` maps to, or undefined without its label. */
export function ownerKeyOf(owner: Pick<OwnerKind, 'ownerLabel'>, child: Labelled): string | undefined {
  const name = child.metadata?.labels?.[owner.ownerLabel];
  return name ? `${child.metadata?.namespace}/${name}` : undefined;
}
