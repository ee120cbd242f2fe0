// The watches the WebApp controller reads (WebApps, the children Shipshape manages, and the
// admission's Namespace cache it is handed), run on every replica, leader or not:
// controller-runtime's Manager starts its caches the same way, before and regardless of leader
// election, and so does src/runtime/manager.ts (the `caches` group, synced before the election
// starts). A standby that wins the Lease finds them synced and reconciles at once, instead of
// listing every WebApp and child first; the cost is that each replica holds them (what that costs
// per 1,000 WebApps: bench/footprint.ts).
// Changes reach a controller only while one is subscribed (a leadership term); between terms the
// caches just stay current.
import type { KubeConfig, KubernetesListObject, KubernetesObject, V1Namespace } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { API_GROUP, API_VERSION, LABEL_MANAGED_BY, MANAGED_BY, WEBAPP_PLURAL } from '../constants.ts';
import { collectionPath } from '../kube/apply.ts';
import { type JsonClient, createJsonClient } from '../kube/json-client.ts';
import type { NamespaceCache } from '../kube/namespace-cache.ts';
import { type WatchRestartHook, createResilientInformer } from '../kube/resilient-informer.ts';
import { whenTrue } from '../runtime/poll.ts';
import { toCachedChild, toCachedWebApp } from './cache-transforms.ts';
import { CHILD_KINDS, type ChildKind } from './child-kinds.ts';
import { CHILD_OWNER_LABEL } from './children.ts';
import { createRecentChanges } from './recent-changes.ts';

/** What a subscribed controller is told; each call follows the cache update it reports. */
export type WebAppCacheEvents = {
  webApp(obj: KubernetesObject): void;
  child(kind: ChildKind, obj: KubernetesObject, verb: 'add' | 'update' | 'delete'): void;
  namespace(ns: V1Namespace): void;
  /** The WebApp watch (re)synced: after its first list, a recovery, or the periodic resync. */
  webAppsSynced(): void;
  /**
   * At subscribe(), once per WebApp (namespace/name) whose spec changed or deletion began, or whose
   * child was deleted, within CHANGES_BETWEEN_TERMS_MS before it while nobody was subscribed (a
   * handover), latest first.
   */
  changedBetweenTerms?(key: string): void;
};

/** How far back a new subscriber is told of changes it missed: twice the default Lease duration. */
export const CHANGES_BETWEEN_TERMS_MS = 30_000;

export type WebAppCachesOptions = {
  kc: KubeConfig;
  logger: Logger;
  /**
   * The Namespace cache admission reads (src/kube/namespace-cache.ts), started by the caller: a
   * Namespace's annotations change the limits its WebApps are judged by (LimitExceeded), and the
   * reconciler reads them from this same cache, so the event and the data it announces agree.
   */
  namespaces: NamespaceCache;
  /** Told of every watch restart (src/telemetry/metrics.ts counts them); default: nothing. */
  onWatchRestart?: WatchRestartHook;
};

const WEBAPPS = collectionPath(`${API_GROUP}/${API_VERSION}`, WEBAPP_PLURAL);

/** A list as the informers take it, read as JSON (see src/kube/json-client.ts for why). */
const lister =
  <T extends KubernetesObject>(client: JsonClient, path: string, labelSelector?: string) =>
  () =>
    client.request<KubernetesListObject<T>>('GET', path, { query: { labelSelector } });

export function createWebAppCaches(options: WebAppCachesOptions) {
  const { kc } = options;
  const client = createJsonClient(kc);
  const logger = options.logger.child({ component: 'webapp-caches' });
  const restartHook = options.onWatchRestart ? { onRestart: options.onWatchRestart } : {};
  let subscriber: WebAppCacheEvents | undefined;
  const missed = createRecentChanges({ windowMs: CHANGES_BETWEEN_TERMS_MS });
  /**
   * Whether a WebApp event between terms is news for the next leader: a spec change not yet
   * reconciled (generation ahead of status.observedGeneration) or a deletion. Not the first
   * list's adds (the cache is not synced yet) nor the last leader's status writes.
   */
  const unreconciled = (o: KubernetesObject & { status?: { observedGeneration?: number } }) =>
    o.metadata?.deletionTimestamp !== undefined || o.metadata?.generation !== o.status?.observedGeneration;
  const ownerKey = (o: KubernetesObject) => {
    const owner = o.metadata?.labels?.[CHILD_OWNER_LABEL];
    return owner ? `${o.metadata?.namespace}/${owner}` : undefined;
  };

  const webApps = createResilientInformer<KubernetesObject>({
    kc,
    path: WEBAPPS,
    list: lister(client, WEBAPPS),
    logger,
    ...restartHook,
    transform: toCachedWebApp,
    onChange: (o) => {
      if (subscriber) subscriber.webApp(o);
      else if (webApps.hasSynced() && unreconciled(o)) missed.note(`${o.metadata?.namespace}/${o.metadata?.name}`);
    },
    onSynced: () => subscriber?.webAppsSynced(),
  });
  // One watch per owned kind (CHILD_KINDS), across namespaces, selecting the children we manage.
  const selector = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;
  const children = Object.fromEntries(
    CHILD_KINDS.map(({ kind, apiVersion, plural }) => [
      kind,
      createResilientInformer<KubernetesObject>({
        kc,
        path: collectionPath(apiVersion, plural),
        list: lister(client, collectionPath(apiVersion, plural), selector),
        labelSelector: selector,
        logger,
        ...restartHook,
        transform: (o) => toCachedChild(kind, o),
        onChange: (o, verb) => {
          if (subscriber) return subscriber.child(kind, o, verb);
          const owner = ownerKey(o);
          // A child gone during a handover; its other changes (status, edits) wait for the sweep.
          if (owner && verb === 'delete' && children[kind].hasSynced()) missed.note(owner);
        },
      }),
    ]),
  ) as Record<ChildKind, ReturnType<typeof createResilientInformer<KubernetesObject>>>;
  const { namespaces } = options;
  namespaces.onChange((ns) => subscriber?.namespace(ns));
  const informers = [webApps, ...Object.values(children)];
  const hasSynced = () => informers.every((i) => i.hasSynced()) && namespaces.hasSynced();

  return {
    needsLeaderElection: false,
    /** The Manager starts the election once these have synced: a term starts on full caches. */
    group: 'caches' as const,
    ready: (signal: AbortSignal) => whenTrue(hasSynced, signal),
    webApps,
    children,
    /** A Namespace's annotations from the cache whose changes `namespace` events report. */
    namespaceAnnotations: namespaces.annotations,
    hasSynced,
    /**
     * Sends every change to `events` until the returned function is called. One subscriber at a
     * time: a second subscribe() replaces the first (a term that ended without unsubscribing).
     */
    subscribe(events: WebAppCacheEvents): () => void {
      subscriber = events;
      for (const key of missed.take()) events.changedBetweenTerms?.(key);
      return () => {
        if (subscriber === events) subscriber = undefined;
      };
    },
    /** Lists and watches until `signal` aborts (the process stops); not the Namespace cache. */
    async start(signal: AbortSignal): Promise<void> {
      await Promise.all(informers.map((i) => i.start(signal)));
    },
  };
}

export type WebAppCaches = ReturnType<typeof createWebAppCaches>;
