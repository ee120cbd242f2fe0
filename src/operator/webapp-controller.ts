// The WebApp controller: WebApp's instantiation of the generic controller (./owner-controller.ts),
// with its owner descriptor (./webapp-kind.ts), its children (./child-kinds.ts), reconcileWebApp,
// and the context it reads (./reconcile-context.ts): the base's members under WebApp's names, plus
// the replicas hand-over to an autoscaler and the admission's policy settings.
import type { WebApp } from '../api/webapp.ts';
import { serverSideApply } from '../kube/apply.ts';
import type { PolicyConfig } from '../../webhooks/limits.ts';
import { replicasFieldManager } from './autoscaler.ts';
import { CHILD_KINDS } from './child-kinds.ts';
import type { OwnerContextDeps, OwnerReconcileContext } from './owner-context.ts';
import { type OwnerControllerCommon, createOwnerController } from './owner-controller.ts';
import type { ReconcileContext } from './reconcile-context.ts';
import { reconcileWebApp } from './reconcile-webapp.ts';
import { WEBAPP_OWNER } from './webapp-kind.ts';

export type WebAppControllerOptions = OwnerControllerCommon<ReconcileContext> & { policyConfig: PolicyConfig };

type CachedDeployment = { metadata?: { resourceVersion?: string }; spec?: { replicas?: unknown } };

/** WebApp's context: the base under WebApp's names, its policy settings and the hand-over. */
export function toWebAppContext(
  base: OwnerReconcileContext<WebApp['status']>,
  deps: OwnerContextDeps,
  policyConfig: PolicyConfig,
): ReconcileContext {
  const { cache, client, fieldManager } = deps;
  return {
    getWebApp: base.get,
    patchWebApp: base.patch,
    apply: base.apply,
    hasChild: base.hasChild,
    deleteChild: base.deleteChild,
    writeStatus: base.writeStatus,
    events: base.events,
    namespaceAnnotations: base.namespaceAnnotations,
    now: base.now,
    resyncMs: base.resyncMs,
    policyConfig,
    async handOverReplicas(namespace, name) {
      const cached = cache.children.Deployment?.get(name, namespace) as CachedDeployment | undefined;
      const replicas = cached?.spec?.replicas;
      if (typeof replicas !== 'number') return false;
      // At the resourceVersion the count was read at: should the autoscaler have scaled since, the
      // apply is refused (409) and the reconcile retried, instead of writing back a stale count.
      const { resourceVersion } = cached?.metadata ?? {};
      const metadata = { name, namespace, ...(resourceVersion && { resourceVersion }) };
      const body = { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec: { replicas } };
      await serverSideApply(client, body, { plural: 'deployments', fieldManager: replicasFieldManager(fieldManager) });
      return true;
    },
  };
}

/** The WebApp controller as a leader-only Runnable; registers WebApp with the shared caches. */
export function createWebAppController(options: WebAppControllerOptions) {
  const { policyConfig, ...common } = options;
  return createOwnerController<WebApp['status'], ReconcileContext>({
    ...common,
    owner: WEBAPP_OWNER,
    children: CHILD_KINDS,
    reconcile: reconcileWebApp,
    context: (base, deps) => toWebAppContext(base, deps, policyConfig),
  });
}
