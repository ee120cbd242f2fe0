import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, WEBAPP_PLURAL } from '../../src/constants.ts';
import type { WebApp } from '../../src/api/webapp.ts';

export const webAppTarget = { group: API_GROUP, version: API_VERSION, plural: WEBAPP_PLURAL };

/** Typed access to WebApps and their children for integration tests. */
export function clients(kc: KubeConfig) {
  const custom = kc.makeApiClient(CustomObjectsApi);
  return {
    apps: kc.makeApiClient(AppsV1Api),
    core: kc.makeApiClient(CoreV1Api),
    custom,
    createWebApp: (namespace: string, name: string, spec: Record<string, unknown>) =>
      custom.createNamespacedCustomObject({
        ...webAppTarget,
        namespace,
        body: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'WebApp', metadata: { name }, spec },
      }),
    getWebApp: async (namespace: string, name: string) =>
      (await custom.getNamespacedCustomObject({ ...webAppTarget, namespace, name })) as WebApp,
    patchSpec: (namespace: string, name: string, spec: Record<string, unknown>) =>
      custom.patchNamespacedCustomObject({
        ...webAppTarget,
        namespace,
        name,
        body: Object.entries(spec).map(([key, value]) => ({ op: 'add', path: `/spec/${key}`, value })),
      }),
  };
}
