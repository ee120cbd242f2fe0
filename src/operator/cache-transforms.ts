// What the caches keep of each object (controller-runtime's cache.TransformFunc, client-go's
// SetTransform): a new, smaller object built from the one the apiserver sent, holding exactly
// what the reconciler, the status code and the applied cache read. Everything else (managedFields,
// the kubectl last-applied annotation, the defaults the apiserver fills into a Deployment's pod
// template, a Service's cluster IPs, the children's status conditions) would be held by every
// replica for every object, and read by nobody.
//
// Built as fresh object literals, not by `delete`: a deleted property turns a V8 object into a
// slower and larger dictionary, while literals of one shape share one hidden class.
//
// What is read, and so kept:
// - Owners (toCachedOwner, for every owner kind): all of it but managedFields and the
//   last-applied annotation.
// - WebApp: all of it but managedFields and the last-applied annotation. reconcileWebApp defaults
//   and validates the whole object, compares the whole status (statusEqual), and the finalizer and
//   Events read metadata. Its annotations are kept: the shipshape.dev/v2-fields annotation holds the
//   v2-only fields the children are built from (desired-webapp.ts).
// - Children: identity (name, namespace, resourceVersion, labels: the owner label maps an event to
//   its WebApp), the Deployment's metadata.generation and the five status counts fromDeployment
//   reads, and every field Shipshape applies (children.ts, autoscaler.ts), for the applied cache's
//   drift check (a Deployment's spec.replicas too, which the autoscaler sets while Shipshape leaves
//   it out: each scaling then reads as a change, and the next reconcile makes one apply that
//   changes nothing).
//   A hand edit of an applied field changes this view, so the next reconcile applies again; an edit
//   of a field Shipshape does not own changes nothing a forced apply would restore. The applied
//   cache signs what an apply returns through the same view (toCachedChild), so a kept field and a
//   dropped one are judged alike on both sides. A field added to a child's body must be kept here:
//   test/unit/operator/cache-transforms.test.ts (over fixtures at v1 and at v2) fails until it is.
// Each child kind names its view in its spec (./child-kind-spec.ts); the shared caches keep one
// view per resource, so an owner kind whose children share a resource with WebApp's (a Service)
// uses the same view, extended here if it applies more fields.
import type { KubernetesObject } from '@kubernetes/client-node';
import { isObject } from '../json/json.ts';
import { createStringPool } from '../runtime/string-pool.ts';
import { VIEW_DIGEST, carriedDigest, digestOf } from './view-digest.ts';

/** kubectl apply's copy of the whole object it applied (a second spec, as a string). */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

type Json = Record<string, unknown>;
type Meta = NonNullable<KubernetesObject['metadata']>;

/** The value when it is a JSON object (not an array), else undefined: a view reads only those. */
export const record = (value: unknown): Json | undefined => (isObject(value) ? value : undefined);
/** The value's items when it is an array (an item that is not an object read as {}), else undefined. */
export const records = (value: unknown): Json[] | undefined =>
  Array.isArray(value) ? value.map((item) => record(item) ?? {}) : undefined;

/** Annotations without the last-applied copy; undefined when nothing else is left. */
function keptAnnotations(annotations: Record<string, string> | undefined): Record<string, string> | undefined {
  if (annotations === undefined || !(LAST_APPLIED_ANNOTATION in annotations)) return annotations;
  const rest = Object.fromEntries(Object.entries(annotations).filter(([key]) => key !== LAST_APPLIED_ANNOTATION));
  return Object.keys(rest).length ? rest : undefined;
}

// The strings every owner repeats (its apiVersion, finalizer, and its status: condition reasons,
// messages and transition times, the phase), one copy each for the whole cache. Process-wide like
// V8's own string table; bounded (src/runtime/string-pool.ts).
const ownerStrings = createStringPool();

/** Every string in `value` (a parsed status: plain objects and arrays) swapped for its pooled copy, in place. */
function internStrings(value: unknown): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (typeof value[i] === 'string') value[i] = ownerStrings.intern(value[i]);
      else internStrings(value[i]);
    }
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Json;
    for (const key of Object.keys(record)) {
      const v = record[key];
      if (typeof v === 'string') record[key] = ownerStrings.intern(v);
      else internStrings(v);
    }
  }
}

/**
 * An owner as the cache keeps it: without metadata.managedFields and the last-applied annotation,
 * its recurring strings pooled (the values are the same; the status's objects are the parsed ones,
 * changed in place, which is why only a freshly parsed object is passed here).
 */
export function toCachedOwner<T extends KubernetesObject>(obj: T): T {
  const metadata = obj.metadata;
  if (!metadata) return obj;
  const rest: Meta = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (key !== 'managedFields' && key !== 'annotations') (rest as Record<string, unknown>)[key] = value;
  }
  if (rest.finalizers) rest.finalizers = rest.finalizers.map((f) => ownerStrings.intern(f));
  const kept = keptAnnotations(metadata.annotations);
  internStrings((obj as { status?: unknown }).status);
  return {
    ...obj,
    ...(obj.apiVersion !== undefined && { apiVersion: ownerStrings.intern(obj.apiVersion) }),
    metadata: { ...rest, ...(kept && { annotations: kept }) },
  };
}

/** A WebApp as the cache keeps it (the owners' view). */
export const toCachedWebApp = toCachedOwner;

/** The metadata of a child that anything reads or Shipshape applies. */
function childMetadata(m: Meta | undefined): Meta | undefined {
  if (!m) return m;
  return {
    name: m.name,
    namespace: m.namespace,
    resourceVersion: m.resourceVersion,
    generation: m.generation,
    labels: m.labels,
    ownerReferences: m.ownerReferences,
  };
}

/**
 * A container as a builder applies it: the `fields` it sets. The apiserver stores `resources: {}`
 * for a container applied without any: the same as none, and kept as none, so that it matches a
 * body without resources.
 */
export function containerView(c: Json, fields: readonly string[]): Json {
  const view = Object.fromEntries(fields.map((field) => [field, c[field]]));
  const resources = record(c.resources);
  if (resources && Object.keys(resources).length === 0) view.resources = undefined;
  return view;
}

/** The container fields toDeployment applies (the container Shipshape names and any other). */
const DEPLOYMENT_CONTAINER = ['name', 'image', 'ports', 'envFrom', 'env', 'readinessProbe', 'resources'] as const;

function deploymentSpec(spec: Json | undefined): Json | undefined {
  if (!spec) return spec;
  const template = record(spec.template);
  const templateMeta = record(template?.metadata);
  const podSpec = record(template?.spec);
  return {
    replicas: spec.replicas,
    selector: spec.selector,
    template: template && {
      metadata: templateMeta && { labels: templateMeta.labels, annotations: templateMeta.annotations },
      spec: podSpec && { containers: records(podSpec.containers)?.map((c) => containerView(c, DEPLOYMENT_CONTAINER)) },
    },
  };
}

/** The counts fromDeployment (status.ts) reads. */
function deploymentStatus(status: Json | undefined): Json | undefined {
  if (!status) return status;
  return {
    replicas: status.replicas,
    availableReplicas: status.availableReplicas,
    updatedReplicas: status.updatedReplicas,
    readyReplicas: status.readyReplicas,
    observedGeneration: status.observedGeneration,
  };
}

/** What a cache keeps of a resource beyond its identity (apiVersion, kind, childMetadata). */
export type Projection = (obj: Json) => Json;

/**
 * A Service: what Shipshape applies. `clusterIP` only when it is `None` (a headless Service's, the
 * one value an owner applies; an allocated IP is the apiserver's and would differ from every body)
 * and `publishNotReadyAddresses` only when true (the apiserver omits false): so that a WebApp's
 * Service, which sets neither, keeps the view it always had, and a new leader's sweep still finds
 * it equal to the body.
 */
function serviceSpec(spec: Json | undefined): Json | undefined {
  if (!spec) return spec;
  return {
    type: spec.type,
    ...(spec.clusterIP === 'None' && { clusterIP: spec.clusterIP }),
    ...(spec.publishNotReadyAddresses === true && { publishNotReadyAddresses: true }),
    selector: spec.selector,
    ports: spec.ports,
  };
}

/** The views of the resources WebApp's children are (its CHILD_KINDS name them). */
export const CHILD_VIEWS = {
  ConfigMap: (o) => ({ data: o.data }),
  Deployment: (o) => ({ spec: deploymentSpec(record(o.spec)), status: deploymentStatus(record(o.status)) }),
  Service: (o) => ({ spec: serviceSpec(record(o.spec)) }),
  PodDisruptionBudget: (o) => {
    const spec = record(o.spec);
    return { spec: spec && { maxUnavailable: spec.maxUnavailable, selector: spec.selector } };
  },
  // Not its status (current and desired replicas, conditions): nothing reads it.
  HorizontalPodAutoscaler: (o) => {
    const spec = record(o.spec);
    return {
      spec: spec && {
        scaleTargetRef: spec.scaleTargetRef,
        minReplicas: spec.minReplicas,
        maxReplicas: spec.maxReplicas,
        metrics: spec.metrics,
      },
    };
  },
} as const satisfies Record<string, Projection>;

/**
 * A child as the cache keeps it through `view`, and as the applied cache signs it: its identity
 * and what `view` keeps; without a view, the whole object. Idempotent: the view of a view is the
 * view. Fields absent from the object stay absent (undefined, which the applied cache's signature
 * and JSON ignore).
 */
export function toChildView<T extends KubernetesObject>(view: Projection | undefined, obj: T): T {
  if (!obj?.metadata || !view) return obj;
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: childMetadata(obj.metadata),
    ...view(obj as unknown as Json),
  } as T;
}

/**
 * What a cache entry keeps beside the digest of its view, for a resource whose readers read less
 * than the view holds. A Deployment's: the replicas (handOverReplicas reads them) and the status
 * counts; its spec's other fields (the pod template: the largest part of its view) are read by
 * nothing but the applied cache, which compares their digest.
 */
export const CHILD_KEPT = {
  Deployment: (o) => {
    const spec = record(o.spec);
    return { ...(spec && { spec: { replicas: spec.replicas } }), status: deploymentStatus(record(o.status)) };
  },
} as const satisfies Partial<Record<keyof typeof CHILD_VIEWS, Projection>>;

/**
 * A child as a cache keeps it: through `view` (toChildView); or, with `kept`, its identity, what
 * `kept` returns, and under VIEW_DIGEST the digest of its view (./view-digest.ts), which the
 * applied cache compares instead of the view's fields. Idempotent for a view; an entry that
 * already carries a digest is returned as it is.
 */
export function toCacheEntry<T extends KubernetesObject>(
  view: Projection | undefined,
  kept: Projection | undefined,
  obj: T,
): T {
  if (!kept || !view || !obj?.metadata) return toChildView(view, obj);
  if (carriedDigest(obj)) return obj;
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: childMetadata(obj.metadata),
    ...kept(obj as unknown as Json),
    [VIEW_DIGEST]: digestOf(toChildView(view, obj)),
  } as unknown as T;
}

/** A WebApp child of `kind` as the cache keeps it (toCacheEntry through its CHILD_VIEWS and CHILD_KEPT entries). */
export function toCachedChild<T extends KubernetesObject>(kind: keyof typeof CHILD_VIEWS, obj: T): T {
  return toCacheEntry(CHILD_VIEWS[kind], (CHILD_KEPT as Partial<Record<string, Projection>>)[kind], obj);
}
