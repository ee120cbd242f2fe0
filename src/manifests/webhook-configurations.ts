// The Mutating and Validating webhook configurations (one webhook per kind: WebApp, MySQLCluster), for a cluster (a Service, with cert-manager
// injecting the CA) and for the dev loop (a URL on loopback, with the dev CA inline); the clientConfig
// also serves the WebApp CRD's conversion webhook in the dev loop.
import type {
  AdmissionregistrationV1WebhookClientConfig,
  V1MutatingWebhookConfiguration,
  V1ValidatingWebhookConfiguration,
} from '@kubernetes/client-node';
import {
  API_GROUP,
  API_VERSION,
  MUTATE_PATH,
  MUTATING_CONFIGURATION_NAME,
  MUTATING_WEBHOOK_NAME,
  MYSQL_MUTATE_PATH,
  MYSQL_MUTATING_WEBHOOK_NAME,
  MYSQL_VALIDATE_PATH,
  MYSQL_VALIDATING_WEBHOOK_NAME,
  SHIPSHAPE_NAMESPACE,
  VALIDATE_PATH,
  VALIDATING_CONFIGURATION_NAME,
  VALIDATING_WEBHOOK_NAME,
  WEBAPP_PLURAL,
  WEBHOOK_SERVICE_NAME,
  WEBHOOK_TIMEOUT_SECONDS,
} from '../constants.ts';
import { stringify } from 'yaml';
import { MYSQLCLUSTER_PLURAL, MYSQLCLUSTER_VERSION } from '../api/mysqlcluster.ts';
import { SERVICE_PORT } from './install-names.ts';

/** Namespace label that switches Shipshape's webhooks off for that namespace. */
export const WEBHOOKS_OPT_OUT_LABEL = `${API_GROUP}/webhooks`;
export const CERTIFICATE_NAME = 'shipshape-webhook';
/** cert-manager's cainjector copies the named Certificate's CA into the configuration's caBundles. */
export const INJECT_CA_ANNOTATION = 'cert-manager.io/inject-ca-from';

export type WebhookTarget = { kind: 'service'; namespace?: string } | { kind: 'url'; baseUrl: string; caPem: string };

/**
 * Where the apiserver calls the webhook at `path`: the Service, or a URL with the dev CA inline.
 * The WebApp CRD's conversion webhook has the same shape (src/dev/install.ts).
 */
export function toWebhookClientConfig(target: WebhookTarget, path: string): AdmissionregistrationV1WebhookClientConfig {
  if (target.kind === 'url') {
    return { url: `${target.baseUrl}${path}`, caBundle: Buffer.from(target.caPem).toString('base64') };
  }
  const namespace = target.namespace ?? SHIPSHAPE_NAMESPACE;
  return { service: { namespace, name: WEBHOOK_SERVICE_NAME, path, port: SERVICE_PORT } };
}

/** The resource each webhook admits, at the versions its policy is written for. */
type Admitted = { resource: string; version: string };
const WEBAPPS: Admitted = { resource: WEBAPP_PLURAL, version: API_VERSION };
const MYSQLCLUSTERS: Admitted = { resource: MYSQLCLUSTER_PLURAL, version: MYSQLCLUSTER_VERSION };

function common(target: WebhookTarget, path: string, admitted: Admitted = WEBAPPS) {
  return {
    clientConfig: toWebhookClientConfig(target, path),
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    timeoutSeconds: WEBHOOK_TIMEOUT_SECONDS,
    failurePolicy: 'Fail',
    matchPolicy: 'Equivalent',
    rules: [
      {
        apiGroups: [API_GROUP],
        apiVersions: [admitted.version],
        operations: ['CREATE', 'UPDATE'],
        resources: [admitted.resource],
        scope: 'Namespaced',
      },
    ],
    // kubernetes.io/metadata.name is set on every Namespace from Kubernetes 1.21; the opt-out label
    // works on any version.
    namespaceSelector: {
      matchExpressions: [
        { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [SHIPSHAPE_NAMESPACE, 'kube-system'] },
        { key: WEBHOOKS_OPT_OUT_LABEL, operator: 'NotIn', values: ['disabled'] },
      ],
    },
  };
}

function metadata(name: string, target: WebhookTarget) {
  const namespace = target.kind === 'service' ? (target.namespace ?? SHIPSHAPE_NAMESPACE) : undefined;
  return {
    name,
    labels: { 'app.kubernetes.io/name': 'shipshape', 'app.kubernetes.io/component': 'webhook' },
    ...(namespace && { annotations: { [INJECT_CA_ANNOTATION]: `${namespace}/${CERTIFICATE_NAME}` } }),
  };
}

export function toMutatingWebhookConfiguration(target: WebhookTarget): V1MutatingWebhookConfiguration {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: metadata(MUTATING_CONFIGURATION_NAME, target),
    webhooks: [
      { name: MUTATING_WEBHOOK_NAME, ...common(target, MUTATE_PATH), reinvocationPolicy: 'IfNeeded' },
      {
        name: MYSQL_MUTATING_WEBHOOK_NAME,
        ...common(target, MYSQL_MUTATE_PATH, MYSQLCLUSTERS),
        reinvocationPolicy: 'IfNeeded',
      },
    ],
  };
}

export function toValidatingWebhookConfiguration(target: WebhookTarget): V1ValidatingWebhookConfiguration {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: metadata(VALIDATING_CONFIGURATION_NAME, target),
    webhooks: [
      { name: VALIDATING_WEBHOOK_NAME, ...common(target, VALIDATE_PATH) },
      { name: MYSQL_VALIDATING_WEBHOOK_NAME, ...common(target, MYSQL_VALIDATE_PATH, MYSQLCLUSTERS) },
    ],
  };
}

/** deploy/webhook-configurations.yaml: both configurations behind the in-cluster Service. */
export function renderWebhookConfigurationsYaml(): string {
  const target: WebhookTarget = { kind: 'service' };
  return [
    '# Generated by scripts/render-manifests.ts from src/manifests/webhook-configurations.ts; do not edit.\n',
    stringify(toMutatingWebhookConfiguration(target)),
    '---\n',
    stringify(toValidatingWebhookConfiguration(target)),
  ].join('');
}
