// The kinds a WebApp owns, declared once (controller-runtime's builder.For(&WebApp{}).Owns(...),
// kube-rs's Controller::owns): the reconciler applies them in this order and deletes them in the
// reverse, the controller watches each one, and telemetry and the benchmark read their kinds from
// here. The shared caches (owner-caches.ts) watch each one through its `view` (cache-transforms.ts).
// A new child kind needs more than its entry here and its builder in children.ts:
// - a rule in the ClusterRole (CHILD_RULES in src/manifests/rbac.ts) and its name in the CRD's
//   description (src/api/crd.ts), then `npm run render`; test/unit/operator/child-kinds.test.ts
//   fails until both are there;
// - the tests that hold the exact list of children (reconcile-webapp.test.ts, the telemetry
//   tests), and docs/api.md's "What a WebApp runs as" (and the README's picture of the process).
import type { WebApp } from '../api/webapp.ts';
import { toHorizontalPodAutoscaler } from './autoscaler.ts';
import { CHILD_KEPT, CHILD_VIEWS } from './cache-transforms.ts';
import type { ChildKindSpec } from './child-kind-spec.ts';
import { configHash, configMapName, toConfigMap, toDeployment, toPodDisruptionBudget, toService } from './children.ts';
import type { ChildSource } from './desired-webapp.ts';

const ownName = (webApp: Pick<WebApp, 'metadata'>) => webApp.metadata.name ?? '';

export const CHILD_KINDS = [
  {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    plural: 'configmaps',
    name: (webApp) => configMapName(webApp),
    build: toConfigMap,
    view: CHILD_VIEWS.ConfigMap,
  },
  {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    plural: 'deployments',
    name: ownName,
    build: (webApp) => toDeployment(webApp, configHash(toConfigMap(webApp))),
    view: CHILD_VIEWS.Deployment,
    kept: CHILD_KEPT.Deployment,
  },
  { kind: 'Service', apiVersion: 'v1', plural: 'services', name: ownName, build: toService, view: CHILD_VIEWS.Service },
  {
    kind: 'PodDisruptionBudget',
    apiVersion: 'policy/v1',
    plural: 'poddisruptionbudgets',
    name: ownName,
    build: toPodDisruptionBudget,
    view: CHILD_VIEWS.PodDisruptionBudget,
  },
  {
    kind: 'HorizontalPodAutoscaler',
    apiVersion: 'autoscaling/v2',
    plural: 'horizontalpodautoscalers',
    name: ownName,
    build: toHorizontalPodAutoscaler,
    view: CHILD_VIEWS.HorizontalPodAutoscaler,
  },
  // The reconciler hands over the WebApp as read through the hub (./desired-webapp.ts).
] as const satisfies readonly ChildKindSpec<ChildSource>[];

export type ChildKind = (typeof CHILD_KINDS)[number]['kind'];

/** "ConfigMap, Deployment and Service": a list (of kinds, of children) as an Event's message names it. */
export function describeKinds(kinds: readonly string[]): string {
  return kinds.length > 1 ? `${kinds.slice(0, -1).join(', ')} and ${kinds.at(-1)}` : (kinds[0] ?? '');
}
