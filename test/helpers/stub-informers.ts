// Informers without an apiserver, for createOwnerCaches's `createInformer`: each keeps what a test
// emits (through the cache's transform, as a real one would) and reports it to the caches.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ResilientInformerOptions } from '../../src/kube/resilient-informer.ts';
import type { Informer } from '../../src/operator/informer.ts';

export type StubInformer = Informer & {
  options: ResilientInformerOptions<KubernetesObject>;
  /** The watch reports `obj` (default: added). */
  emit(obj: KubernetesObject, verb?: 'add' | 'update' | 'delete'): void;
  /** The first list completed (hasSynced, onSynced). */
  sync(): void;
};

export function stubInformers() {
  const informers: StubInformer[] = [];
  function createInformer(options: ResilientInformerOptions<KubernetesObject>): StubInformer {
    const objects = new Map<string, KubernetesObject>();
    let synced = false;
    const stub: StubInformer = {
      options,
      hasSynced: () => synced,
      get: (name, namespace) => objects.get(`${namespace}/${name}`),
      list: (namespace) => [...objects.values()].filter((o) => !namespace || o.metadata?.namespace === namespace),
      start: async () => {},
      emit(raw, verb = 'add') {
        const obj = options.transform ? options.transform(raw) : raw;
        const key = `${obj.metadata?.namespace}/${obj.metadata?.name}`;
        if (verb === 'delete') objects.delete(key);
        else objects.set(key, obj);
        options.onChange?.(obj, verb);
      },
      sync() {
        synced = true;
        options.onSynced?.();
      },
    };
    informers.push(stub);
    return stub;
  }
  return { informers, createInformer };
}
