// Wires the WebApp reconciler to the cluster for one leadership term: the shared watch caches
// (webapp-caches.ts, on every replica) feed a fresh work queue, and the API calls reconcile needs
// and Events are made with the term's abort signal.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_GROUP, API_VERSION, FIELD_MANAGER, WEBAPP_PLURAL } from '../constants.ts';
import { objectPath, serverSideApply } from '../kube/apply.ts';
import { createJsonClient, isNotFound } from '../kube/json-client.ts';
import { TimeoutKubeConfig } from '../kube/timeout-kubeconfig.ts';
import type { PolicyConfig } from '../../webhooks/limits.ts';
import { createAppliedCache } from './applied-cache.ts';
import { replicasFieldManager } from './autoscaler.ts';
import { toCachedChild } from './cache-transforms.ts';
import { CHILD_OWNER_LABEL } from './children.ts';
import { CHILD_KINDS, type ChildKind } from './child-kinds.ts';
import { type ReconcileObserver, createController } from './controller.ts';
import { createEventRecorder } from './event-recorder.ts';
import type { ReconcileContext } from './reconcile-context.ts';
import { reconcileWebApp } from './reconcile-webapp.ts';
import type { WebAppCaches } from './webapp-caches.ts';
import { createWrittenStatus } from './written-status.ts';
import { type WorkQueueMetrics, createWorkQueue } from './work-queue.ts';

export type WebAppControllerOptions = {
  kc: KubeConfig;
  /** The watches it reads; started by the caller on every replica (src/main.ts). */
  caches: WebAppCaches;
  logger: Logger;
  policyConfig: PolicyConfig;
  workers: number;
  resyncMs: number;
  /** Names this replica in Events and as the server-side apply field manager suffix. */
  identity: string;
  fieldManager?: string;
  queueMetrics?: WorkQueueMetrics;
  /** Sees every reconcile (src/telemetry/reconcile-telemetry.ts); default: none. */
  observer?: ReconcileObserver;
  /** Wraps the context of each reconcile, inside the observer's `within` (traceReconcileContext). */
  wrapContext?(ctx: ReconcileContext): ReconcileContext;
};

const keyOf = (o: KubernetesObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;

/**
 * The WebApp controller as a leader-only Runnable. Each start() (each leadership term) subscribes
 * a fresh queue, applied cache and Event recorder to the caches, so a replica that lost the Lease
 * and wins it again keeps nothing from its last term but what the caches show.
 */
export function createWebAppController(options: WebAppControllerOptions) {
  return {
    needsLeaderElection: true,
    start: async (signal: AbortSignal) => {
      // Calls made during this term abort when it ends (see TimeoutKubeConfig.withAbortSignal).
      const kc = options.kc instanceof TimeoutKubeConfig ? options.kc.withAbortSignal(signal) : options.kc;
      const { controller, events, subscribe } = buildController({ ...options, kc });
      const unsubscribe = subscribe();
      try {
        await controller.start(signal);
      } finally {
        unsubscribe();
        events.close();
      }
    },
  };
}

function buildController(options: WebAppControllerOptions) {
  const { kc, logger } = options;
  const { webApps, children } = options.caches;
  const client = createJsonClient(kc);
  const queue = createWorkQueue(options.queueMetrics ? { metrics: options.queueMetrics } : {});
  const log = logger.child({ component: 'webapp-controller' });
  const webAppPath = (namespace: string, name: string) =>
    objectPath(`${API_GROUP}/${API_VERSION}`, WEBAPP_PLURAL, namespace, name);
  // The sweep of every WebApp (when the term starts, after a relist, on the watch's resync) goes at
  // low priority: a change a watch reports meanwhile is reconciled first (work-queue.ts).
  const enqueueAll = () => webApps.list().forEach((o) => queue.add(keyOf(o), 'low'));
  const kindOf = Object.fromEntries(CHILD_KINDS.map((c) => [c.kind, c])) as Record<
    ChildKind,
    (typeof CHILD_KINDS)[number]
  >;
  const subscription = {
    webApp(o: KubernetesObject) {
      writtenStatus.observe(o);
      queue.add(keyOf(o));
    },
    webAppsSynced: enqueueAll,
    // A change made during the handover is as fresh as one made after it: before the sweep.
    changedBetweenTerms: (key: string) => queue.add(key),
    child(kind: ChildKind, o: KubernetesObject, verb: 'add' | 'update' | 'delete') {
      // A child deleted by someone else: what we last applied is no longer in place.
      if (verb === 'delete') appliedCache.forget(kind, o.metadata?.namespace ?? '', o.metadata?.name ?? '');
      const owner = o.metadata?.labels?.[CHILD_OWNER_LABEL];
      if (owner) queue.add(`${o.metadata?.namespace}/${owner}`);
    },
    // A Namespace's annotations change the limits its WebApps are judged by: requeue them.
    namespace: (ns: { metadata?: { name?: string } }) =>
      webApps
        .list()
        .filter((o) => o.metadata?.namespace === ns.metadata?.name)
        .forEach((o) => queue.add(keyOf(o))),
  };

  const events = createEventRecorder(client, { component: 'shipshape', host: options.identity, logger: log });
  const fieldManager = options.fieldManager ?? FIELD_MANAGER;
  // Our status writes the watch cache does not show yet: a reconcile woken before it does must not
  // write (and announce) the same status again.
  const writtenStatus = createWrittenStatus();
  // Signs what an apply returns as the child caches keep it (their transform), so a field the
  // caches drop cannot read as a difference.
  const appliedCache = createAppliedCache(
    (kind, namespace, name) => children[kind as ChildKind]?.get(name, namespace),
    (obj) => (obj.kind && obj.kind in kindOf ? toCachedChild(obj.kind as ChildKind, obj) : obj),
  );
  const context: ReconcileContext = {
    getWebApp: (namespace, name) => webApps.get(name, namespace) as Record<string, unknown> | undefined,
    apply: (obj) =>
      appliedCache.apply(obj, (body) =>
        serverSideApply(client, body, { plural: kindOf[body.kind as ChildKind].plural, fieldManager }),
      ),
    hasChild: (kind, namespace, name) => children[kind].get(name, namespace) !== undefined,
    async handOverReplicas(namespace, name) {
      const cached = children.Deployment.get(name, namespace) as
        { metadata?: { resourceVersion?: string }; spec?: { replicas?: unknown } } | undefined;
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
    async deleteChild(kind, namespace, name) {
      appliedCache.forget(kind, namespace, name);
      try {
        const { apiVersion, plural } = kindOf[kind];
        await client.request('DELETE', objectPath(apiVersion, plural, namespace, name));
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },
    patchWebApp: (namespace, name, body) =>
      client.request('PATCH', webAppPath(namespace, name), { body, contentType: 'application/json-patch+json' }),
    async writeStatus(namespace, name, status, uid) {
      if (writtenStatus.pending(uid, status)) return false;
      const stored = await client.request<KubernetesObject>('PATCH', `${webAppPath(namespace, name)}/status`, {
        body: [{ op: 'add', path: '/status', value: status }],
        contentType: 'application/json-patch+json',
      });
      writtenStatus.wrote(uid, status, stored?.metadata?.resourceVersion);
      // Its watch event may have come before the response.
      const cached = webApps.get(name, namespace);
      if (cached) writtenStatus.observe(cached);
      return true;
    },
    events,
    policyConfig: options.policyConfig,
    namespaceAnnotations: options.caches.namespaceAnnotations,
    now: () => new Date(),
    resyncMs: options.resyncMs,
  };

  const controller = createController({
    name: 'webapp',
    queue,
    // Already running (src/main.ts starts them); the controller waits for their sync, then the
    // term's subscription enqueues every WebApp the caches hold.
    sources: [{ hasSynced: options.caches.hasSynced }],
    // Inside the observer's `within`: a wrapped context sees the reconcile's span as active.
    reconcile: (key) => reconcileWebApp(key, options.wrapContext ? options.wrapContext(context) : context),
    ...(options.observer && { observer: options.observer }),
    workers: options.workers,
    logger: log,
  });
  return {
    controller,
    events,
    /** From now until the returned function is called, changes reach this term's queue. */
    subscribe() {
      const unsubscribe = options.caches.subscribe(subscription);
      enqueueAll();
      return unsubscribe;
    },
  };
}
