// What the shared caches (./owner-caches.ts, ./child-informers.ts) need of an informer
// (src/kube/resilient-informer.ts's; tests hand in their own), and how they list.
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { JsonClient } from '../kube/json-client.ts';

export type Informer = {
  hasSynced(): boolean;
  get(name: string, namespace?: string): KubernetesObject | undefined;
  list(namespace?: string): readonly KubernetesObject[];
  start(signal: AbortSignal): Promise<void>;
};

/** A list as the informers take it, read as JSON (see src/kube/json-client.ts for why). */
export const lister =
  <T extends KubernetesObject>(client: JsonClient, path: string, labelSelector?: string) =>
  () =>
    client.request<KubernetesListObject<T>>('GET', path, { query: { labelSelector } });
