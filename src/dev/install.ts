// Puts Shipshape's API and webhooks into a (local) cluster and waits until admission works.
import {
  AdmissionregistrationV1Api,
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
} from '@kubernetes/client-node';
import { toWebAppCrd } from '../api/crd.ts';
import {
  API_GROUP,
  API_VERSION,
  SHIPSHAPE_NAMESPACE,
  WEBAPP_CRD_NAME,
  WEBAPP_KIND,
  WEBAPP_PLURAL,
} from '../constants.ts';
import { serverSideApply } from '../kube/apply.ts';
import { createJsonClient } from '../kube/json-client.ts';
import {
  type WebhookTarget,
  toMutatingWebhookConfiguration,
  toValidatingWebhookConfiguration,
} from '../manifests/webhook-configurations.ts';
import { pollUntil } from '../runtime/poll.ts';

/** Applies the WebApp CRD and waits until it is Established. */
export async function installCrd(kc: KubeConfig): Promise<void> {
  await serverSideApply(createJsonClient(kc), toWebAppCrd(), { plural: 'customresourcedefinitions' });
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  await pollUntil(
    'CRD Established',
    async () => {
      const crd = await ext.readCustomResourceDefinition({ name: WEBAPP_CRD_NAME });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') || undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
}

/** Creates Shipshape's namespace and applies both webhook configurations pointing at `target`. */
export async function registerWebhooks(kc: KubeConfig, target: WebhookTarget): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: SHIPSHAPE_NAMESPACE } } }).catch((err: { code?: number }) => {
    if (err.code !== 409) throw err;
  });
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  const mutating = toMutatingWebhookConfiguration(target);
  const validating = toValidatingWebhookConfiguration(target);
  await api.deleteMutatingWebhookConfiguration({ name: mutating.metadata!.name! }).catch(() => {});
  await api.deleteValidatingWebhookConfiguration({ name: validating.metadata!.name! }).catch(() => {});
  await api.createMutatingWebhookConfiguration({ body: mutating });
  await api.createValidatingWebhookConfiguration({ body: validating });
}

/**
 * Whether a server-side dry-run create of a WebApp named `name` (only an image set) comes back
 * defaulted, as `kubectl apply --dry-run=server` shows it: the mutating webhook was called. Throws
 * what the apiserver refused (a denial, a webhook it could not reach).
 */
export async function dryRunIsDefaulted(kc: KubeConfig, namespace: string, name: string): Promise<boolean> {
  const created = (await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: API_GROUP,
    version: API_VERSION,
    namespace,
    plural: WEBAPP_PLURAL,
    dryRun: 'All',
    body: {
      apiVersion: `${API_GROUP}/${API_VERSION}`,
      kind: WEBAPP_KIND,
      metadata: { name },
      spec: { image: 'registry.invalid/probe:1' },
    },
  })) as { spec?: { replicas?: number } };
  return created.spec?.replicas !== undefined;
}

/**
 * Waits until a server-side dry-run create of a WebApp comes back defaulted: the apiserver has
 * picked up the webhook configurations and reaches the webhooks.
 */
export async function waitUntilAdmitting(kc: KubeConfig, namespace = 'default', timeoutMs = 30_000): Promise<void> {
  await pollUntil('admission through the webhooks', () => dryRunIsDefaulted(kc, namespace, 'shipshape-probe'), {
    timeoutMs,
    intervalMs: 200,
  });
}
