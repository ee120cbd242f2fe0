// The desired children of a WebApp (ConfigMap, Deployment, a Service when a port has a
// servicePort, a PodDisruptionBudget when it runs more than one replica; the HorizontalPodAutoscaler
// is ./autoscaler.ts's) as server-side-apply bodies, built from the spec defaulted at v2
// (./desired-webapp.ts): a WebApp written at v1 without v2-only fields gives the bodies it always had
// (test/fixtures/operator/*.children.yaml).
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
import type { ContainerPort, EnvVarV2 } from '../api/webapp-v2.ts';
import type { ResourceList, WebApp, WebAppSpec } from '../api/webapp.ts';
import { API_GROUP, LABEL_MANAGED_BY, LABEL_NAME, MANAGED_BY, WEBAPP_API_VERSION, WEBAPP_KIND } from '../constants.ts';
import { type ChildSource, asDesired } from './desired-webapp.ts';

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
/** The name of v1's one port, and of the port a v2 WebApp gets by default. */
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
export function toOwnerReference(webApp: Pick<WebApp, 'metadata'>): V1OwnerReference {
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
export function childLabels(webApp: Pick<WebApp, 'metadata'>): Record<string, string> {
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
export function selectorLabels(webApp: Pick<WebApp, 'metadata'>): Record<string, string> {
  const name = nameOf(webApp);
  return { [LABEL_NAME]: name, [LABEL_INSTANCE]: name };
}

/** The metadata every child carries: its name, the WebApp's namespace, labels and ownerReference. */
export function childMetadata(webApp: Pick<WebApp, 'metadata'>, name: string): V1ObjectMeta {
  return {
    name,
    namespace: webApp.metadata.namespace,
    labels: childLabels(webApp),
    ownerReferences: [toOwnerReference(webApp)],
  };
}

/** An env entry that reads a Secret's or ConfigMap's key: the pods read it, not our ConfigMap. */
const isReference = (entry: EnvVarV2) => entry.valueFrom !== undefined;

/**
 * The ConfigMap `<name>-env` with one key per literal spec.env entry; a missing value is ''. Entries
 * with a valueFrom are the container's env (toDeployment), so a Secret's value never lands here.
 * Names are unique (the validating webhook denies duplicates); were they not, the last entry would
 * win, as it does for a container's env.
 */
export function toConfigMap(source: ChildSource): V1ConfigMap {
  const webApp = asDesired(source);
  const data: Record<string, string> = {};
  for (const entry of webApp.spec.env) if (!isReference(entry)) data[entry.name] = entry.value ?? '';
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
 * container accepts TCP connections on the `http` port (a v2 WebApp's first port, by its name: see
 * readinessProbe): all a WebApp says about its app (it has no health path to ask). Every field is written, not left to the apiserver's defaults, so that the
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

/**
 * READINESS_PROBE on the first port, by name (the port a v1 WebApp has, or a v2 WebApp lists
 * first); none for a WebApp with no port, which has nothing to probe.
 */
function readinessProbe(ports: readonly ContainerPort[]): typeof READINESS_PROBE | undefined {
  const first = ports[0];
  if (!first) return undefined;
  return first.name === PORT_NAME ? READINESS_PROBE : { ...READINESS_PROBE, tcpSocket: { port: first.name } };
}

/**
 * The Deployment `<name>`; `hash` is configHash(toConfigMap(webApp)). Every port is on the
 * container, by name; env entries with a valueFrom are its `env` (the ConfigMap's keys with the
 * same name would lose to them, as Kubernetes gives env precedence over envFrom, but names are
 * unique). With spec.autoscaling set, `replicas` is left out: server-side apply releases the field
 * and the HorizontalPodAutoscaler owns it.
 */
export function toDeployment(source: ChildSource, hash: string): V1Deployment {
  const webApp = asDesired(source);
  const { spec } = webApp;
  const resources = toResources(spec.resources);
  const references = spec.env.filter(isReference).map(({ name, valueFrom }) => ({ name, valueFrom }));
  const probe = readinessProbe(spec.ports);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: childMetadata(webApp, nameOf(webApp)),
    spec: {
      ...(spec.autoscaling === undefined && { replicas: spec.replicas }),
      selector: { matchLabels: selectorLabels(webApp) },
      template: {
        metadata: { labels: childLabels(webApp), annotations: { [CONFIG_HASH_ANNOTATION]: hash } },
        spec: {
          containers: [
            {
              name: CONTAINER_NAME,
              image: spec.image,
              ports: spec.ports.map(({ name, containerPort }) => ({ name, containerPort, protocol: 'TCP' })),
              envFrom: [{ configMapRef: { name: configMapName(webApp) } }],
              ...(references.length > 0 && { env: references }),
              ...(probe && { readinessProbe: probe }),
              ...(resources && { resources }),
            },
          ],
        },
      },
    },
  };
}

/**
 * The Service `<name>`, sending each port's servicePort to its containerPort (v1: spec.service.port
 * to spec.port); none when no port has a servicePort, and the reconciler deletes one no longer wanted.
 * A WebApp defaulted at v1 always has one: its one port has service.port.
 */
export function toService(source: DefaultedWebApp): V1Service;
export function toService(source: ChildSource): V1Service | undefined;
export function toService(source: ChildSource): V1Service | undefined {
  const webApp = asDesired(source);
  const { spec } = webApp;
  const exposed = spec.ports.filter((p) => p.servicePort !== undefined);
  if (exposed.length === 0) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMetadata(webApp, nameOf(webApp)),
    spec: {
      type: spec.service.type,
      selector: selectorLabels(webApp),
      ports: exposed.map((p) => ({ name: p.name, port: p.servicePort!, targetPort: p.containerPort, protocol: 'TCP' })),
    },
  };
}

/**
 * The PodDisruptionBudget `<name>` for a WebApp with more than one replica: a voluntary disruption
 * (a node drain) may take at most one of its pods at a time. None for one replica or zero, where it
 * would block a drain forever; the reconciler deletes one that is no longer wanted.
 * With autoscaling, the count is autoscaling.minReplicas, the fewest pods the autoscaler keeps:
 * the budget follows the spec, not the autoscaler's moment-to-moment count, so it is neither
 * created and deleted as the load moves nor missing when the autoscaler settles at its minimum.
 */
export function toPodDisruptionBudget(source: ChildSource): V1PodDisruptionBudget | undefined {
  const webApp = asDesired(source);
  const { autoscaling, replicas } = webApp.spec;
  if ((autoscaling ? autoscaling.minReplicas : replicas) <= 1) return undefined;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMetadata(webApp, nameOf(webApp)),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(webApp) } },
  };
}
