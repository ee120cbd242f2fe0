// A list as a stream of watch events (KEP-3157, "watch-list"; client-go's reflector does it when
// WatchListClient is on): `?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan`
// makes the apiserver send every current object as its own ADDED event, from its watch cache,
// then a BOOKMARK annotated `k8s.io/initial-events-end: "true"` whose resourceVersion is the
// list's. Each event is parsed and transformed on its own, so a relist never holds the whole
// collection at once as one response body and its full objects (managedFields and all) beside the
// cache it replaces: what a plain LIST of every child does to the heap after a 410 Gone (#34). The
// stream is closed at the bookmark; the informer then watches from its resourceVersion as after a
// LIST. kube-apiserver 1.37 serves it (the WatchList feature, beta and on); one that refuses the
// parameters (400 or 422: the feature off, or a server from before it) gets the plain LIST instead,
// for good, said once.
import type { KubernetesListObject, KubernetesObject, ListPromise, Watch } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { CodedError } from '../errors/coded-error.ts';

export type StreamingListErrorCode = 'WATCH_LIST_ERROR' | 'WATCH_LIST_ENDED';
/** A stream that failed before its initial events ended; the informer retries with backoff. */
export class StreamingListError extends CodedError<StreamingListErrorCode> {}

/** The annotation on the BOOKMARK that ends the initial events. */
export const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

/** What the apiserver answers when it does not do streaming lists for this request. */
const REFUSED = new Set([400, 422]);

export type StreamingListOptions<T extends KubernetesObject> = {
  /** client-node's Watch (its `watch` is all that is used). */
  watch: Pick<Watch, 'watch'>;
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Applied to each object as it arrives. */
  transform: (obj: T) => T;
  /** The plain LIST, for an apiserver that refuses streaming and for non-streaming failures. */
  list: ListPromise<T>;
  logger: Logger;
};

const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number } | null)?.statusCode;

/** One list through the stream, or through `list` where the apiserver answered it with an error. */
function streamOnce<T extends KubernetesObject>(options: StreamingListOptions<T>): Promise<KubernetesListObject<T>> {
  const query = {
    sendInitialEvents: true,
    resourceVersionMatch: 'NotOlderThan',
    allowWatchBookmarks: true,
    labelSelector: options.labelSelector,
    fieldSelector: options.fieldSelector,
  };
  return new Promise((resolve, reject) => {
    const items: T[] = [];
    let settled = false;
    let request: AbortController | undefined;
    const settle = (err: unknown, resourceVersion?: string) => {
      if (settled) return;
      settled = true;
      request?.abort();
      if (err) reject(err);
      else resolve({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion }, items });
    };
    const onEvent = (type: string, obj: T & { code?: number; message?: string }) => {
      // Lines already read when the stream was closed still arrive; they belong to the watch after.
      if (settled) return;
      if (type === 'ADDED') items.push(options.transform(obj));
      else if (type === 'BOOKMARK' && obj.metadata?.annotations?.[INITIAL_EVENTS_END] === 'true') {
        settle(undefined, obj.metadata.resourceVersion);
      } else if (type === 'ERROR') {
        const message = `${options.path}: the apiserver ended the streaming list: ${obj.message ?? 'no message'}`;
        settle(new StreamingListError('WATCH_LIST_ERROR', message, { cause: obj }));
      }
    };
    const onDone = (err: unknown) => {
      const message = `${options.path}: the streaming list ended before its initial events did`;
      settle(err ?? new StreamingListError('WATCH_LIST_ENDED', message));
    };
    options.watch.watch(options.path, query, onEvent, onDone).then(
      (controller) => {
        request = controller;
        if (settled) controller.abort();
      },
      (err) => settle(err),
    );
  });
}

/**
 * A ListPromise that streams (see the top of this file). An answer with an HTTP error status before
 * any event (404 for a CRD not installed, 403) falls back to `list` for this call, so the caller
 * sees the apiserver's own Status as from any LIST; a 400 or 422 does so from now on.
 */
export function createStreamingList<T extends KubernetesObject>(options: StreamingListOptions<T>): ListPromise<T> {
  let refused = false;
  const plain = () =>
    options.list().then((result) => {
      result.items = result.items.map(options.transform);
      return result;
    });
  return async () => {
    if (refused) return plain();
    try {
      return await streamOnce(options);
    } catch (err) {
      const status = statusOf(err);
      if (status === undefined) throw err;
      if (REFUSED.has(status)) {
        refused = true;
        const message = 'the apiserver refused a streaming list (sendInitialEvents); listing with plain LISTs';
        options.logger.info({ path: options.path, status }, message);
      }
      return plain();
    }
  };
}
