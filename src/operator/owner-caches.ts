// The watches every owner kind's controller reads, shared (controller-runtime's cache, which one
// Manager hands every controller): ONE informer per child resource (apiVersion and plural) however
// many owner kinds own it (a Service is cached once even if two kinds own Services), selecting the
// children Shipshape manages; one informer per owner kind; and the admission's Namespace cache,
// which the caller hands in. They run on every replica, leader or not: controller-runtime's Manager
// starts its caches the same way, before and regardless of leader election, and so does
// src/runtime/manager.ts (the `caches` group, synced before the election starts). A standby that
// wins the Lease finds them synced and reconciles at once, instead of listing every owner and child
// first; the cost is that each replica holds them (what that costs per 1,000 WebApps:
// bench/footprint.ts).
// Each owner kind registers (register(), before start) and gets its own subscription: a child's
// event goes to the owner kind whose label (OwnerKind.ownerLabel) it carries (and, as `anyChild`,
// to every kind owning its resource, for the owners waiting on a name another owner held). Changes
// reach a controller only while one is subscribed (a leadership term); between terms the caches
// just stay current, and note what the next term must not miss.
// Adding a kind: see ./owner-kind.ts.
import type { KubeConfig, KubernetesObject, V1Namespace } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { CodedError } from '../errors/coded-error.ts';
import { collectionPath } from '../kube/apply.ts';
import { createJsonClient } from '../kube/json-client.ts';
import type { NamespaceCache } from '../kube/namespace-cache.ts';
import {
  type ResilientInformerOptions,
  type WatchRestartHook,
  createResilientInformer,
} from '../kube/resilient-informer.ts';
import { whenTrue } from '../runtime/poll.ts';
import { toCachedOwner } from './cache-transforms.ts';
import type { ChildResource } from './child-kind-spec.ts';
import { createChildInformers } from './child-informers.ts';
import { type Informer, lister } from './informer.ts';
import { type OwnerKind, ownerKeyOf } from './owner-kind.ts';
import { createRecentChanges } from './recent-changes.ts';

/** What a subscribed controller is told; each call follows the cache update it reports. */
export type OwnerCacheEvents = {
  owner(obj: KubernetesObject): void;
  /** A child carrying this owner kind's label; `kind` as the owner's child spec names it. */
  child(kind: string, obj: KubernetesObject, verb: 'add' | 'update' | 'delete'): void;
  /**
   * Any object of a child resource this kind owns, whichever owner's label it carries (before
   * `child` when it is this kind's): a name another owner held may be free now.
   */
  anyChild?(kind: string, obj: KubernetesObject, verb: 'add' | 'update' | 'delete'): void;
  namespace(ns: V1Namespace): void;
  /** The owner watch (re)synced: after its first list, a recovery, or the periodic resync. */
  ownersSynced(): void;
  /**
   * At subscribe(), once per owner (namespace/name) whose spec changed or deletion began, or whose
   * child was deleted, within CHANGES_BETWEEN_TERMS_MS before it while nobody was subscribed (a
   * handover), latest first.
   */
  changedBetweenTerms?(key: string): void;
};

/** How far back a new subscriber is told of changes it missed: twice the default Lease duration. */
export const CHANGES_BETWEEN_TERMS_MS = 30_000;

export type OwnerCacheErrorCode = 'CACHE_VIEW_CONFLICT' | 'CACHE_ALREADY_STARTED' | 'CACHE_DUPLICATE_OWNER';

/** A registration the shared caches cannot honour; thrown at construction, in src/main.ts. */
export class OwnerCacheError extends CodedError<OwnerCacheErrorCode> {}

export type OwnerCachesOptions = {
  kc: KubeConfig;
  logger: Logger;
  /**
   * The Namespace cache admission reads (src/kube/namespace-cache.ts), started by the caller: a
   * Namespace's annotations change the limits its owners are judged by (LimitExceeded), and the
   * reconcilers read them from this same cache, so the event and the data it announces agree.
   */
  namespaces: Pick<NamespaceCache, 'onChange' | 'hasSynced' | 'annotations'>;
  /** Told of every watch restart (src/telemetry/metrics.ts counts them); default: nothing. */
  onWatchRestart?: WatchRestartHook;
  /** Builds each informer; default createResilientInformer. */
  createInformer?(options: ResilientInformerOptions<KubernetesObject>): Informer;
};

const keyOf = (o: KubernetesObject) => `${o.metadata?.namespace}/${o.metadata?.name}`;

/**
 * Whether an owner event between terms is news for the next leader: a spec change not yet
 * reconciled (generation ahead of status.observedGeneration) or a deletion. Not the first list's
 * adds (the cache is not synced yet) nor the last leader's status writes.
 */
const unreconciled = (o: KubernetesObject & { status?: { observedGeneration?: number } }) =>
  o.metadata?.deletionTimestamp !== undefined || o.metadata?.generation !== o.status?.observedGeneration;

export function createOwnerCaches(options: OwnerCachesOptions) {
  const { kc, namespaces } = options;
  const client = createJsonClient(kc);
  const logger = options.logger.child({ component: 'owner-caches' });
  const createInformer = options.createInformer ?? createResilientInformer<KubernetesObject>;
  const common = { kc, logger, ...(options.onWatchRestart && { onRestart: options.onWatchRestart }) };
  const informers: Informer[] = [];
  const namespaceListeners: ((ns: V1Namespace) => void)[] = [];
  const registered: OwnerKind[] = [];
  let started = false;
  namespaces.onChange((ns) => namespaceListeners.forEach((listener) => listener(ns)));
  const childInformers = createChildInformers({
    client,
    common,
    createInformer,
    made: (informer) => informers.push(informer),
  });

  /**
   * Refuses a second view of a resource (one informer keeps one), from another kind or this one; a
   * view is its `view` and its `kept` together.
   */
  function checkViews(children: readonly ChildResource[]): void {
    const views = childInformers.views();
    for (const spec of children) {
      if (spec.watched === false) continue;
      const key = childInformers.resourceKey(spec);
      const known = views.get(key);
      if (known && (known.view !== spec.view || known.kept !== spec.kept)) {
        const message = `${key} is registered with two different views; one informer keeps one view of a resource, so every owner kind of it must name the same`;
        throw new OwnerCacheError('CACHE_VIEW_CONFLICT', message);
      }
      views.set(key, { view: spec.view, kept: spec.kept });
    }
  }

  /**
   * Watches `owner` and its `children` (their resources shared with every other owner kind's), and
   * returns its cache and subscription. Before start() only: an informer added later would never run.
   */
  function register(owner: OwnerKind, children: readonly ChildResource[]) {
    if (started)
      throw new OwnerCacheError('CACHE_ALREADY_STARTED', `${owner.kind}: registered after the caches started`);
    const clash = registered.find(
      (o) => o.kind === owner.kind || o.ownerLabel === owner.ownerLabel || o.controllerName === owner.controllerName,
    );
    if (clash) {
      const message = `${owner.kind}: its kind, owner label or controller name is ${clash.kind}'s already`;
      throw new OwnerCacheError('CACHE_DUPLICATE_OWNER', message);
    }
    // All checked before anything is made: a refused registration leaves the caches as they were.
    checkViews(children);
    registered.push(owner);
    let subscriber: OwnerCacheEvents | undefined;
    const missed = createRecentChanges({ windowMs: CHANGES_BETWEEN_TERMS_MS });
    const path = collectionPath(owner.apiVersion, owner.plural);
    const owners: Informer = createInformer({
      ...common,
      path,
      list: lister(client, path),
      transform: toCachedOwner,
      // Until it is served, no cache syncs and no controller of any kind starts (the election waits).
      notFoundHint: `install the ${owner.kind} CRD (shipshape crd --kind all | kubectl apply -f -), or leave ${owner.controllerName} out of --controllers; until then no controller starts`,
      onChange: (o) => {
        if (subscriber) subscriber.owner(o);
        else if (owners.hasSynced() && unreconciled(o)) missed.note(keyOf(o));
      },
      onSynced: () => subscriber?.ownersSynced(),
    });
    informers.push(owners);
    const byKind: Record<string, Informer> = {};
    for (const spec of children) {
      // Two specs of one resource (a headless and a client Service): one route, one event each.
      if (byKind[spec.kind] || spec.watched === false) continue;
      const { informer, routes } = childInformers.resourceOf(spec);
      byKind[spec.kind] = informer;
      routes.push((o, verb) => {
        subscriber?.anyChild?.(spec.kind, o, verb);
        const key = ownerKeyOf(owner, o);
        if (!key) return;
        if (subscriber) return subscriber.child(spec.kind, o, verb);
        // A child gone during a handover; its other changes (status, edits) wait for the sweep.
        if (verb === 'delete' && informer.hasSynced()) missed.note(key);
      });
    }
    namespaceListeners.push((ns) => subscriber?.namespace(ns));
    const ownInformers = [owners, ...Object.values(byKind)];

    return {
      owner,
      /** The owner kind's own objects. */
      owners,
      /** Its children's caches, by kind (shared with other owner kinds of the same resource). */
      children: byKind as Readonly<Record<string, Informer>>,
      /** A Namespace's annotations from the cache whose changes `namespace` events report. */
      namespaceAnnotations: namespaces.annotations,
      hasSynced: () => ownInformers.every((i) => i.hasSynced()) && namespaces.hasSynced(),
      /**
       * Sends this owner kind's changes to `events` until the returned function is called. One
       * subscriber at a time: a second subscribe() replaces the first (a term that ended without
       * unsubscribing).
       */
      subscribe(events: OwnerCacheEvents): () => void {
        subscriber = events;
        for (const key of missed.take()) events.changedBetweenTerms?.(key);
        return () => {
          if (subscriber === events) subscriber = undefined;
        };
      },
    };
  }

  const hasSynced = () => informers.every((i) => i.hasSynced()) && namespaces.hasSynced();
  return {
    needsLeaderElection: false,
    /** The Manager starts the election once these have synced: a term starts on full caches. */
    group: 'caches' as const,
    ready: (signal: AbortSignal) => whenTrue(hasSynced, signal),
    hasSynced,
    register,
    /** Lists and watches until `signal` aborts (the process stops); not the Namespace cache. */
    async start(signal: AbortSignal): Promise<void> {
      started = true;
      await Promise.all(informers.map((i) => i.start(signal)));
    },
  };
}

export type OwnerCaches = ReturnType<typeof createOwnerCaches>;
export type OwnerCache = ReturnType<OwnerCaches['register']>;
