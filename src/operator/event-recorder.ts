// Kubernetes Events about any object with a kind and metadata (the reconciler records them about
// WebApps), aggregated like client-go's EventCorrelator: the same (object, type, reason, message)
// within `windowMs` bumps `count` on the existing Event instead of creating a new one per retry.
// Like client-go's broadcaster, record() only queues: Events are sent in the background, one at a
// time, so they never slow a reconcile; when more than `maxPending` wait, new ones are dropped with
// a log line. Recording never throws.
import { randomBytes } from 'node:crypto';
import type { V1ObjectReference } from '@kubernetes/client-node';
import type { JsonClient } from '../kube/json-client.ts';
import type { Logger } from 'pino';

export type EventType = 'Normal' | 'Warning';

export type EventSubject = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
};

type Seen = { name: string; namespace: string; count: number; lastMs: number };

/** The distinct Events remembered for aggregation, most recent first out last. */
export const MAX_SEEN = 4096;

export function createEventRecorder(
  client: JsonClient,
  options: { component: string; host: string; logger: Logger; windowMs?: number; maxPending?: number },
) {
  const eventPath = (namespace: string, name = '') =>
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/events${name && `/${encodeURIComponent(name)}`}`;
  const seen = new Map<string, Seen>();
  const windowMs = options.windowMs ?? 10 * 60_000;
  const maxPending = options.maxPending ?? 1000;
  let pending = 0;
  let closed = false;
  let tail: Promise<void> = Promise.resolve();

  /** Queues an Event; returns at once. */
  function record(subject: EventSubject, type: EventType, reason: string, message: string): void {
    if (closed) return;
    if (pending >= maxPending) {
      options.logger.warn({ reason, object: subject.metadata?.name }, 'too many Events pending; dropped one');
      return;
    }
    pending++;
    tail = tail.then(() => (closed ? undefined : send(subject, type, reason, message))).finally(() => pending--);
  }

  async function send(subject: EventSubject, type: EventType, reason: string, message: string): Promise<void> {
    const meta = subject.metadata ?? {};
    const namespace = meta.namespace ?? 'default';
    const key = [meta.uid, type, reason, message].join('\u0000');
    const now = new Date();
    const previous = seen.get(key);
    try {
      if (previous && now.getTime() - previous.lastMs < windowMs) {
        previous.count += 1;
        previous.lastMs = now.getTime();
        await client.request('PATCH', eventPath(previous.namespace, previous.name), {
          body: [
            { op: 'replace', path: '/count', value: previous.count },
            { op: 'replace', path: '/lastTimestamp', value: now.toISOString() },
          ],
          contentType: 'application/json-patch+json',
        });
        return;
      }
      const involvedObject: V1ObjectReference = {
        apiVersion: subject.apiVersion,
        kind: subject.kind,
        name: meta.name,
        namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      };
      const name = `${meta.name}.${Date.now().toString(16)}${randomBytes(2).toString('hex')}`;
      await client.request('POST', eventPath(namespace), {
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace },
          involvedObject,
          type,
          reason,
          message,
          count: 1,
          firstTimestamp: now.toISOString(),
          lastTimestamp: now.toISOString(),
          source: { component: options.component, host: options.host },
          reportingComponent: options.component,
          reportingInstance: options.host,
        },
      });
      seen.set(key, { name, namespace, count: 1, lastMs: now.getTime() });
      // client-go's EventCorrelator keeps 4,096 (maxLruCacheEntries): an Event older than the last
      // 4,096 distinct ones is created anew instead of counted, and the leader's memory stays flat.
      if (seen.size > MAX_SEEN) seen.delete(seen.keys().next().value!);
    } catch (err) {
      if (previous) seen.delete(key);
      options.logger.warn({ err, reason, object: `${namespace}/${meta.name}` }, 'could not record an Event');
    }
  }

  return {
    record,
    /** Drops queued Events and records no more: an ex-leader must not keep writing. */
    close: () => {
      closed = true;
    },
  };
}

export type EventRecorder = ReturnType<typeof createEventRecorder>;
