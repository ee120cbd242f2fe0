// Namespace annotations for the admission policies, from a watched cache: admission never makes
// an API call per request. The reconciler reads the same cache and is told of its changes
// (onChange), so each replica watches Namespaces once.
import { CoreV1Api, type KubeConfig, type V1Namespace } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { whenTrue } from '../runtime/poll.ts';
import { type WatchRestartHook, createResilientInformer } from './resilient-informer.ts';

export function createNamespaceCache(kc: KubeConfig, logger: Logger, options: { onRestart?: WatchRestartHook } = {}) {
  const core = kc.makeApiClient(CoreV1Api);
  const listeners = new Set<(ns: V1Namespace) => void>();
  const informer = createResilientInformer<V1Namespace>({
    kc,
    path: '/api/v1/namespaces',
    list: () => core.listNamespace(),
    logger: logger.child({ component: 'namespace-cache' }),
    ...(options.onRestart && { onRestart: options.onRestart }),
    onChange: (ns) => listeners.forEach((listener) => listener(ns)),
  });
  return {
    needsLeaderElection: false,
    group: 'caches' as const,
    start: informer.start,
    ready: (signal: AbortSignal) => whenTrue(informer.hasSynced, signal),
    hasSynced: informer.hasSynced,
    /** Calls `listener` after each change the cache takes in (add, update, delete), from now on. */
    onChange(listener: (ns: V1Namespace) => void): void {
      listeners.add(listener);
    },
    /** The Namespace's annotations, or undefined when it is not (yet) in the cache. */
    annotations(name: string): Record<string, string> | undefined {
      return informer.get(name)?.metadata?.annotations ?? (informer.get(name) ? {} : undefined);
    },
  };
}

export type NamespaceCache = ReturnType<typeof createNamespaceCache>;
