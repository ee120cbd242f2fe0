// Puts Shipshape's API and webhooks into a (local) cluster and waits until admission works. The
// WebApp CRD's conversion webhook (issue #35) goes where the admission webhooks go, with the same
// caBundle: a CRD that serves v2 needs Shipshape for every read or write in the version it does not
// store.
import {
  AdmissionregistrationV1Api,
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
} from '@kubernetes/client-node';
import { type WebAppVersion, toWebAppCrd } from '../api/crd.ts';
import { toCrdConversion } from '../api/crd-conversion.ts';
import { MYSQLCLUSTER_CRD_NAME } from '../api/mysqlcluster.ts';
import { toMySQLClusterCrd } from '../api/mysqlcluster-crd.ts';
import {
  API_GROUP,
  API_VERSION,
  CONVERT_PATH,
  SHIPSHAPE_NAMESPACE,
  WEBAPP_CRD_NAME,
  WEBAPP_KIND,
  WEBAPP_PLURAL,
} from '../constants.ts';
import { serverSideApply } from '../kube/apply.ts';
import { WEBAPP_CRD_REF, objectPath } from '../kube/ca-bundle-targets.ts';
import { createJsonClient, isNotFound } from '../kube/json-client.ts';
import {
  type WebhookTarget,
  toMutatingWebhookConfiguration,
  toValidatingWebhookConfiguration,
  toWebhookClientConfig,
} from '../manifests/webhook-configurations.ts';
import { pollUntil } from '../runtime/poll.ts';

export type InstallCrdOptions = {
  /** Where its conversion webhook is; default the in-cluster Service, as crds/ has it. */
  conversion?: WebhookTarget;
  /** As toWebAppCrd's; default v1. */
  storageVersion?: WebAppVersion;
};

/**
 * Applies the WebApp CRD (server-side, so applying it again with another storage version or
 * conversion target changes just that) and the MySQLCluster CRD (issue #36; one version, no
 * conversion: `options` do not touch it), and waits until both are Established. With no
 * `conversion` the WebApp webhook is the in-cluster Service: enough while only the storage version
 * is read and written, since nothing calls the webhook then.
 */
export async function installCrd(kc: KubeConfig, options: InstallCrdOptions = {}): Promise<void> {
  const crd = toWebAppCrd({
    ...(options.conversion && { conversion: toWebhookClientConfig(options.conversion, CONVERT_PATH) }),
    ...(options.storageVersion && { storageVersion: options.storageVersion }),
  });
  const client = createJsonClient(kc);
  await serverSideApply(client, crd, { plural: 'customresourcedefinitions' });
  await serverSideApply(client, toMySQLClusterCrd(), { plural: 'customresourcedefinitions' });
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  for (const name of [WEBAPP_CRD_NAME, MYSQLCLUSTER_CRD_NAME]) {
    await pollUntil(
      `CRD ${name} Established`,
      async () => {
        const crd = await ext.readCustomResourceDefinition({ name });
        return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') || undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  }
}

/**
 * Points the installed WebApp CRD's conversion webhook at `target`, replacing spec.conversion whole
 * (a URL and a Service cannot be merged). Nothing when the CRD is not installed. The apiserver
 * rebuilds the CRD's storage on any change, ending its watches: done before Shipshape starts, or
 * with a client that rewatches.
 */
export async function setConversionWebhook(kc: KubeConfig, target: WebhookTarget): Promise<void> {
  const conversion = toCrdConversion(toWebhookClientConfig(target, CONVERT_PATH));
  await createJsonClient(kc)
    .request('PATCH', objectPath(WEBAPP_CRD_REF), {
      body: [{ op: 'replace', path: '/spec/conversion', value: conversion }],
      contentType: 'application/json-patch+json',
    })
    .catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
}

/**
 * Creates Shipshape's namespace, applies both webhook configurations (WebApp's and MySQLCluster's
 * webhooks) pointing at `target` and, when
 * the WebApp CRD is installed, points its conversion webhook there too.
 */
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
  await setConversionWebhook(kc, target);
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
