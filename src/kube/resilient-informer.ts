// A list-watch cache that keeps going. @kubernetes/client-node's informer relists on 410 Gone but
// stops for good after any other error (a dropped connection, a 5xx); this restarts it with
// exponential backoff, and relists on a timer so a watch that went silent cannot go stale forever.
// Objects are cached through `transform` (controller-runtime's cache.TransformFunc, client-go's
// SetTransform), by default without `metadata.managedFields` (TransformStripManagedFields): no
// reader needs them (server-side apply sends its own field manager; src/operator/applied-cache.ts
// ignores them), and they are a large part of a cached child's JSON (commit 6e14063 has the
// figures). The WebApp caches pass transforms that keep only what is read
// (src/operator/cache-transforms.ts). Dropped on arrival, the rest dies young instead of being
// copied out of the young generation and marked in the old one. Lists are streamed where the
// apiserver serves it (src/kube/streaming-list.ts), so each object is transformed as it arrives and
// a relist never holds the whole collection untransformed.
import { type KubeConfig, type KubernetesObject, type ListPromise, ListWatch, Watch } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { aborted } from '../runtime/aborted.ts';
import { isNotFound } from './json-client.ts';
import { jitter } from '../runtime/jitter.ts';
import { sleep } from '../runtime/sleep.ts';
import { createStreamingList } from './streaming-list.ts';

/** Why a watch restarted; src/telemetry/metrics.ts counts them (watchRestartCounter). */
export type WatchRestartReason = 'error' | 'resync' | 'gone';
export type WatchRestartHook = (resource: string, reason: WatchRestartReason) => void;

export type ResilientInformerOptions<T extends KubernetesObject> = {
  kc: KubeConfig;
  /** API path to watch, e.g. /api/v1/namespaces. */
  path: string;
  /**
   * The plain LIST: for an apiserver that refuses streaming lists (src/kube/streaming-list.ts), and
   * for a stream answered with an HTTP error (404, 403), so the error is the LIST's.
   */
  list: ListPromise<T>;
  labelSelector?: string;
  /** e.g. metadata.name=x, to watch one object with RBAC limited to its name. */
  fieldSelector?: string;
  logger: Logger;
  /** Full relist period, spread by ±10% each time (../runtime/jitter.ts); default 10 minutes. */
  resyncMs?: number;
  onChange?: (obj: T, verb: 'add' | 'update' | 'delete') => void;
  /**
   * After every successful (re)start: the first sync, recovery from a failure, the periodic resync.
   * A controller enqueues everything here, so nothing missed while the watch was down stays missed.
   */
  onSynced?: () => void;
  /** Called on every restart of the watch; default: nothing. */
  onRestart?: WatchRestartHook;
  /**
   * What the cache keeps of each listed or watched object (added, modified or deleted); it may
   * return a new object. Default: the object without metadata.managedFields.
   */
  transform?: (obj: T) => T;
  /**
   * Said at error level, with the path, when the apiserver answers 404 (it serves no such
   * resource: a CRD not installed), once per run of failures; default: a generic hint.
   */
  notFoundHint?: string;
};

/** `obj` without metadata.managedFields, in place (the object was just parsed and is ours). */
function stripManagedFields<T extends KubernetesObject>(obj: T): T {
  if (obj?.metadata?.managedFields !== undefined) delete obj.metadata.managedFields;
  return obj;
}

/** The watch events that carry an object (not ERROR's Status, not BOOKMARK's bare metadata). */
const OBJECT_PHASES = new Set(['ADDED', 'MODIFIED', 'DELETED']);

/** client-node's Watch, handing its callback every object transformed (ListWatch has no transform). */
class TransformingWatch extends Watch {
  readonly transform: (obj: never) => unknown;
  constructor(kc: KubeConfig, transform: (obj: never) => unknown) {
    super(kc);
    this.transform = transform;
  }
  override watch(...[path, query, callback, done]: Parameters<Watch['watch']>): ReturnType<Watch['watch']> {
    return super.watch(
      path,
      query,
      (phase, obj, watchObj) =>
        callback(phase, OBJECT_PHASES.has(phase) ? this.transform(obj as never) : obj, watchObj),
      done,
    );
  }
}

export function createResilientInformer<T extends KubernetesObject>(options: ResilientInformerOptions<T>) {
  // Restarts reported to onRestart: `error` after a failure, `resync` on the timer, `gone` when the
  // watch's resourceVersion was compacted away (410 Gone, "too old resource version"): client-node
  // then relists by itself. It lists only when it has no resourceVersion, which is once at first
  // and afterwards only after a 410 (a restart resumes from the last one).
  const restarted = options.onRestart ?? (() => {});
  const transform = options.transform ?? stripManagedFields;
  const streamingList = createStreamingList<T>({
    watch: new Watch(options.kc),
    path: options.path,
    ...(options.labelSelector !== undefined && { labelSelector: options.labelSelector }),
    ...(options.fieldSelector !== undefined && { fieldSelector: options.fieldSelector }),
    transform,
    list: options.list,
    logger: options.logger,
  });
  let lists = 0;
  const list: ListPromise<T> = () => {
    if (lists++ > 0) restarted(options.path, 'gone');
    return streamingList();
  };
  const informer = new ListWatch<T>(
    options.path,
    new TransformingWatch(options.kc, transform),
    list,
    false,
    options.labelSelector,
    options.fieldSelector,
  );
  let synced = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  informer.on('error', (err) => {
    failure = err;
    wake?.();
  });
  if (options.onChange) {
    const cb = options.onChange;
    informer.on('add', (o) => cb(o, 'add'));
    informer.on('update', (o) => cb(o, 'update'));
    informer.on('delete', (o) => cb(o, 'delete'));
  }

  return {
    needsLeaderElection: false,
    hasSynced: () => synced,
    get: (name: string, namespace?: string) => informer.get(name, namespace),
    list: (namespace?: string) => informer.list(namespace),

    /** Lists, watches and restarts until `signal` aborts; then stops the watch. */
    async start(signal: AbortSignal): Promise<void> {
      let backoffMs = 500;
      let saidNotFound = false;
      signal.addEventListener('abort', () => wake?.(), { once: true });
      while (!signal.aborted) {
        failure = undefined;
        // A watch that is being established waits for the response headers with no deadline (a
        // partitioned or hung apiserver never sends them), and stop() cannot reach it until then:
        // stopping must not wait for it.
        const starting = informer.start();
        await Promise.race([starting, aborted(signal)]);
        if (signal.aborted) {
          starting.catch(() => {});
          break;
        }
        if (failure === undefined && informer.latestResourceVersion()) {
          synced = true;
          saidNotFound = false;
          backoffMs = 500;
          options.onSynced?.();
          // Runs until an error, the resync timer, or abort.
          await new Promise<void>((resolve) => {
            wake = resolve;
            sleep(jitter(options.resyncMs ?? 600_000), signal).then(resolve);
          });
          wake = undefined;
        }
        await informer.stop();
        if (signal.aborted) break;
        restarted(options.path, failure === undefined ? 'resync' : 'error');
        if (failure !== undefined) {
          if (isNotFound(failure) && !saidNotFound) {
            // Every retry would warn the same; one line says what to do, and is said again only
            // after the resource has been served in between.
            saidNotFound = true;
            const hint = options.notFoundHint ?? 'is its CustomResourceDefinition installed?';
            options.logger.error({ path: options.path }, `the apiserver serves no ${options.path}: ${hint}`);
          }
          options.logger.warn({ err: failure, path: options.path, retryInMs: backoffMs }, 'watch failed; restarting');
          await sleep(backoffMs, signal);
          backoffMs = Math.min(backoffMs * 2, 30_000);
        }
      }
      await informer.stop();
    },
  };
}
