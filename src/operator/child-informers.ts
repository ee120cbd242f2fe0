// One informer per child resource (apiVersion and plural), however many owner kinds own it, each
// keeping one view of its objects (./cache-transforms.ts), and the routes its events go to (one per
// owner kind registered for it). Part of the shared caches (./owner-caches.ts), which make it.
import type { KubernetesObject } from '@kubernetes/client-node';
import { LABEL_MANAGED_BY, MANAGED_BY } from '../constants.ts';
import { collectionPath } from '../kube/apply.ts';
import type { JsonClient } from '../kube/json-client.ts';
import type { ResilientInformerOptions } from '../kube/resilient-informer.ts';
import { toCacheEntry } from './cache-transforms.ts';
import type { ChildResource } from './child-kind-spec.ts';
import { type Informer, lister } from './informer.ts';

export type Route = (obj: KubernetesObject, verb: 'add' | 'update' | 'delete') => void;
export type ChildInformer = {
  informer: Informer;
  view: ChildResource['view'];
  kept: ChildResource['kept'];
  routes: Route[];
};

export type ChildInformersOptions = {
  client: JsonClient;
  /** The informer options every informer shares (kubeconfig, logger, restart hook). */
  common: Pick<ResilientInformerOptions<KubernetesObject>, 'kc' | 'logger' | 'onRestart'>;
  createInformer(options: ResilientInformerOptions<KubernetesObject>): Informer;
  /** Told of each informer made, so the caches start it. */
  made(informer: Informer): void;
};

export function createChildInformers(options: ChildInformersOptions) {
  const { client, common, createInformer } = options;
  // Only the children Shipshape manages.
  const selector = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;
  const resources = new Map<string, ChildInformer>();
  const resourceKey = (spec: ChildResource) => `${spec.apiVersion}/${spec.plural}`;

  return {
    /** The view each resource made so far keeps, by `apiVersion/plural`. */
    views: () => new Map([...resources].map(([key, { view, kept }]) => [key, { view, kept }])),
    resourceKey,
    /** The one informer of `spec`'s resource, made at its first registration. */
    resourceOf(spec: ChildResource): ChildInformer {
      const existing = resources.get(resourceKey(spec));
      if (existing) return existing;
      const path = collectionPath(spec.apiVersion, spec.plural);
      const { view, kept } = spec;
      const routes: Route[] = [];
      const informer = createInformer({
        ...common,
        path,
        list: lister(client, path, selector),
        labelSelector: selector,
        ...(view && { transform: (o: KubernetesObject) => toCacheEntry(view, kept, o) }),
        onChange: (o, verb) => routes.forEach((route) => route(o, verb)),
      });
      const resource = { informer, view, kept, routes };
      resources.set(resourceKey(spec), resource);
      options.made(informer);
      return resource;
    },
  };
}
