// An owner kind's controller as a leader-only Runnable (controller-runtime's
// builder.For(...).Owns(...).Complete(r), kube-rs's Controller::new(...).owns(...).run(...)): its
// owner and child caches registered with the shared caches (./owner-caches.ts), a fresh work queue,
// applied cache and Event recorder per leadership term, and a reconcile that is a plain function of
// a key and a context (./owner-context.ts's base, extended by the kind's `context`).
// Adding a kind: see ./owner-kind.ts; ./webapp-controller.ts is WebApp's instantiation.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { FIELD_MANAGER } from '../constants.ts';
import { createJsonClient } from '../kube/json-client.ts';
import { TimeoutKubeConfig } from '../kube/timeout-kubeconfig.ts';
import type { ChildResource } from './child-kind-spec.ts';
import { type ReconcileObserver, createController } from './controller.ts';
import { createEventRecorder } from './event-recorder.ts';
import type { OwnerCacheEvents, OwnerCaches } from './owner-caches.ts';
import { type OwnerContextDeps, type OwnerReconcileContext, createOwnerContext } from './owner-context.ts';
import type { OwnerKind } from './owner-kind.ts';
import { type WorkQueueMetrics, createWorkQueue } from './work-queue.ts';

/** What any owner kind's controller is built from, besides its kind's own parts. */
export type OwnerControllerCommon<Ctx> = {
  kc: KubeConfig;
  /** The shared caches; started by the caller on every replica (src/main.ts). */
  caches: Pick<OwnerCaches, 'register'>;
  logger: Logger;
  workers: number;
  resyncMs: number;
  /** Names this replica in Events and as the server-side apply field manager suffix. */
  identity: string;
  fieldManager?: string;
  queueMetrics?: WorkQueueMetrics;
  /** Sees every reconcile (src/telemetry/reconcile-telemetry.ts); default: none. */
  observer?: ReconcileObserver;
  /** Wraps the context of each reconcile, inside the observer's `within` (traceReconcileContext). */
  wrapContext?(ctx: Ctx, owner: OwnerKind): Ctx;
};

export type OwnerControllerOptions<Status, Ctx> = OwnerControllerCommon<Ctx> & {
  owner: OwnerKind;
  /** Every kind the owner's reconciler applies, creates or deletes (its child specs). */
  children: readonly ChildResource[];
  /** Level-based: reads the owner by `key` (namespace/name) from `ctx` and converges it. */
  reconcile(key: string, ctx: Ctx): Promise<{ requeueAfterMs?: number }>;
  /** The kind's context: the base plus what only its reconciler needs; built once per term. */
  context(base: OwnerReconcileContext<Status>, deps: OwnerContextDeps): Ctx;
};

const keyOf = (o: KubernetesObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;

/**
 * Registers the owner kind and its children with the shared caches (so, before they start), and
 * returns its controller. Each start() (each leadership term) subscribes a fresh queue, applied
 * cache and Event recorder to the caches, so a replica that lost the Lease and wins it again keeps
 * nothing from its last term but what the caches show.
 */
export function createOwnerController<Status, Ctx>(options: OwnerControllerOptions<Status, Ctx>) {
  const cache = options.caches.register(options.owner, options.children);
  return {
    needsLeaderElection: true,
    start: async (signal: AbortSignal) => {
      // Calls made during this term abort when it ends (see TimeoutKubeConfig.withAbortSignal).
      const kc = options.kc instanceof TimeoutKubeConfig ? options.kc.withAbortSignal(signal) : options.kc;
      const { controller, events, subscribe } = buildTerm({ ...options, kc }, cache);
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

function buildTerm<Status, Ctx>(
  options: OwnerControllerOptions<Status, Ctx>,
  cache: ReturnType<OwnerCaches['register']>,
) {
  const { owner, kc } = options;
  const client = createJsonClient(kc);
  const queue = createWorkQueue(options.queueMetrics ? { metrics: options.queueMetrics } : {});
  const logger = options.logger.child({ component: `${owner.controllerName}-controller` });
  // The sweep of every owner (when the term starts, after a relist, on the watch's resync) goes at
  // low priority: a change a watch reports meanwhile is reconciled first (work-queue.ts).
  const enqueueAll = () => cache.owners.list().forEach((o) => queue.add(keyOf(o), 'low'));
  const events = createEventRecorder(client, { component: 'shipshape', host: options.identity, logger });
  const deps = { owner, client, cache, fieldManager: options.fieldManager ?? FIELD_MANAGER, logger };
  const base = createOwnerContext<Status>({ ...deps, children: options.children, events, resyncMs: options.resyncMs });
  const context = options.context(base.context, deps);

  const subscription: OwnerCacheEvents = {
    owner(o) {
      base.observed(o);
      queue.add(keyOf(o));
    },
    ownersSynced: enqueueAll,
    // A change made during the handover is as fresh as one made after it: before the sweep.
    changedBetweenTerms: (key) => queue.add(key),
    child(kind, o, verb) {
      if (verb === 'delete') base.childDeleted(kind, o.metadata?.namespace ?? '', o.metadata?.name ?? '');
      queue.add(`${o.metadata?.namespace}/${o.metadata?.labels?.[owner.ownerLabel]}`);
    },
    // A name one of ours waited on (another owner held it) may be free: wake the waiting owners.
    anyChild(kind, o, verb) {
      for (const key of base.childChanged(kind, o, verb)) queue.add(key);
    },
    // A Namespace's annotations change the limits its owners are judged by: requeue them.
    namespace(ns) {
      const name = ns.metadata?.name;
      if (name) cache.owners.list(name).forEach((o) => queue.add(keyOf(o)));
    },
  };

  const controller = createController({
    name: owner.controllerName,
    queue,
    // Already running (src/main.ts starts them); the controller waits for their sync, then the
    // term's subscription enqueues every owner the caches hold.
    sources: [{ hasSynced: cache.hasSynced }],
    // Inside the observer's `within`: a wrapped context sees the reconcile's span as active.
    reconcile: (key) => options.reconcile(key, options.wrapContext ? options.wrapContext(context, owner) : context),
    ...(options.observer && { observer: options.observer }),
    workers: options.workers,
    logger,
  });
  return {
    controller,
    events,
    /** From now until the returned function is called, changes reach this term's queue. */
    subscribe() {
      const unsubscribe = cache.subscribe(subscription);
      enqueueAll();
      return unsubscribe;
    },
  };
}
