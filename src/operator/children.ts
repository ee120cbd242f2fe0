// The desired children of a WebApp (ConfigMap, Deployment, Service, and a PodDisruptionBudget
// when it runs more than one replica) as server-side-apply bodies.
// Each body holds only the fields Shipshape owns. Under server-side apply a field left out is a
// field released: removing spec.resources removes the container's resources on the next apply,
// and fields other managers set (defaults, annotations from other tools) are left alone.
// Pure functions: the reconciler applies their output as FIELD_MANAGER, forcing conflicts.
import { createHash } from 'node:crypto';
import type {
  V1ConfigMap,
  V1Deployment,
  V1ObjectMeta,
  V1OwnerReference,
  V1PodDisruptionBudget,
  V1ResourceRequirements,
  V1Service,
} from '@kubernetes/client-node';
import type { DefaultedWebApp } from '../api/defaults.ts';
import type { ResourceList, WebApp, WebAppSpec } from '../api/webapp.ts';
import { API_GROUP, LABEL_MANAGED_BY, LABEL_NAME, MANAGED_BY, WEBAPP_API_VERSION, WEBAPP_KIND } from '../constants.ts';

/** The instance label of the recommended app.kubernetes.io set. */
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
/**
 * Carries the owning WebApp's name on every child. The reconciler's child watches select on its
 * presence and map an event back to the WebApp `<namespace>/<label value>`.
 */
export const CHILD_OWNER_LABEL = `${API_GROUP}/webapp`;
/** Pod template annotation holding configHash(): a change of env changes the template and rolls the pods. */
export const CONFIG_HASH_ANNOTATION = `${API_GROUP}/config-hash`;
export const CONTAINER_NAME = 'app';
export const PORT_NAME = 'http';

/** What the reconciler applies: a body with its kind and name. */
export type ChildObject = { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } };

/** metadata.name of the WebApp; the reconciler only hands over stored objects, which have one. */
function nameOf(webApp: Pick<WebApp, 'metadata'>): string {
  const name = webApp.metadata.name;
  if (!name) throw new TypeError('children: the WebApp has no metadata.name');
  return name;
}

export function configMapName(webApp: Pick<WebApp, 'metadata'>): string {
  return `${nameOf(webApp)}-env`;
}

/**
 * Makes the WebApp the controller of a child: garbage collection deletes the child with it, and
 * blockOwnerDeletion keeps a foreground deletion of the WebApp waiting for the child.
 */
export function toOwnerReference(webApp: WebApp): V1OwnerReference {
  const uid = webApp.metadata.uid;
  if (!uid) throw new TypeError('children: the WebApp has no metadata.uid');
  return {
    apiVersion: WEBAPP_API_VERSION,
    kind: WEBAPP_KIND,
    name: nameOf(webApp),
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Labels of every child and of the pods. WebApp names are DNS-1035 labels, so valid label values. */
export function childLabels(webApp: WebApp): Record<string, string> {
  const name = nameOf(webApp);
  return {
    [LABEL_NAME]: name,
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_INSTANCE]: name,
    [CHILD_OWNER_LABEL]: name,
  };
}

/**
 * The pod selector of the Deployment and the Service. A Deployment's selector is immutable, so it
 * holds only labels derived from the name, which never changes; labels added to childLabels later
 * must not join it.
 */
export function selectorLabels(webApp: WebApp): Record<string, string> {
  const name = nameOf(webApp);
  return { [LABEL_NAME]: name, [LABEL_INSTANCE]: name };
}

function childMetadata(webApp: WebApp, name: string): V1ObjectMeta {
  return {
    name,
    namespace: webApp.metadata.namespace,
    labels: childLabels(webApp),
    ownerReferences: [toOwnerReference(webApp)],
  };
}

/**
 * The ConfigMap `<name>-env` with one key per spec.env entry; a missing value is ''. Names are
 * unique (the validating webhook denies duplicates); were they not, the last entry would win, as
 * it does for a container's env.
 */
export function toConfigMap(webApp: DefaultedWebApp): V1ConfigMap {
  const data: Record<string, string> = {};
  for (const { name, value } of webApp.spec.env) data[name] = value ?? '';
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMetadata(webApp, configMapName(webApp)),
    data,
  };
}

/**
 * A digest of the ConfigMap's data: sha256 over its entries in key order, as hex, first 16
 * characters. Independent of key insertion order, so reordering spec.env rolls nothing.
 */
export function configHash(configMap: V1ConfigMap): string {
  const entries = Object.entries(configMap.data ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 16);
}

/** Quantities may be integers in a WebApp; a container's resource lists hold strings. */
function toQuantities(list: ResourceList | undefined): Record<string, string> | undefined {
  if (!list) return undefined;
  const quantities: Record<string, string> = {};
  for (const [name, quantity] of Object.entries(list)) {
    if (quantity !== undefined) quantities[name] = String(quantity);
  }
  return quantities;
}

function toResources(resources: WebAppSpec['resources']): V1ResourceRequirements | undefined {
  if (!resources) return undefined;
  const requirements: V1ResourceRequirements = {};
  const requests = toQuantities(resources.requests);
  const limits = toQuantities(resources.limits);
  if (requests) requirements.requests = requests;
  if (limits) requirements.limits = limits;
  return requirements;
}

/**
 * A pod is Ready, and so behind the Service and counted in the WebApp's readyReplicas, once its
 * container accepts TCP connections on the `http` port: all a WebApp says about its app (v1 has no
 * health path to ask). Every field is written, not left to the apiserver's defaults, so that the
 * body applied is the body stored. periodSeconds 5 rather than the default 10: a new pod joins the
 * Service within about 5 s of listening.
 */
export const READINESS_PROBE = Object.freeze({
  tcpSocket: { port: PORT_NAME },
  periodSeconds: 5,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
});

/** The Deployment `<name>`; `hash` is configHash(toConfigMap(webApp)). */
export function toDeployment(webApp: DefaultedWebApp, hash: string): V1Deployment {
  const { spec } = webApp;
  const resources = toResources(spec.resources);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: childMetadata(webApp, nameOf(webApp)),
    spec: {
      replicas: spec.replicas,
      selector: { matchLabels: selectorLabels(webApp) },
      template: {
        metadata: { labels: childLabels(webApp), annotations: { [CONFIG_HASH_ANNOTATION]: hash } },
        spec: {
          containers: [
            {
              name: CONTAINER_NAME,
              image: spec.image,
              ports: [{ name: PORT_NAME, containerPort: spec.port, protocol: 'TCP' }],
              envFrom: [{ configMapRef: { name: configMapName(webApp) } }],
              readinessProbe: READINESS_PROBE,
              ...(resources && { resources }),
            },
          ],
        },
      },
    },
  };
}

/** The Service `<name>`, sending spec.service.port to the container's spec.port. */
export function toService(webApp: DefaultedWebApp): V1Service {
  const { spec } = webApp;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMetadata(webApp, nameOf(webApp)),
    spec: {
      type: spec.service.type,
      selector: selectorLabels(webApp),
      ports: [{ name: PORT_NAME, port: spec.service.port, targetPort: spec.port, protocol: 'TCP' }],
    },
  };
}

/**
 * The PodDisruptionBudget `<name>` for a WebApp with more than one replica: a voluntary disruption
 * (a node drain) may take at most one of its pods at a time. None for one replica or zero, where it
 * would block a drain forever; the reconciler deletes one that is no longer wanted.
 */
export function toPodDisruptionBudget(webApp: DefaultedWebApp): V1PodDisruptionBudget | undefined {
  if (webApp.spec.replicas <= 1) return undefined;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMetadata(webApp, nameOf(webApp)),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(webApp) } },
  };
}
