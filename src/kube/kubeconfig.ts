import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

export type KubeconfigInput = {
  server: string;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** Names the cluster, user and context; also the current context. */
  name: string;
};

const b64 = (pem: string) => Buffer.from(pem).toString('base64');

/** Renders a kubeconfig file that kubectl and @kubernetes/client-node both read. */
export function toKubeconfigYaml(input: KubeconfigInput): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: input.name, cluster: { server: input.server, 'certificate-authority-data': b64(input.caPem) } }],
    users: [
      {
        name: input.name,
        user: {
          'client-certificate-data': b64(input.clientCertPem),
          'client-key-data': b64(input.clientKeyPem),
        },
      },
    ],
    contexts: [{ name: input.name, context: { cluster: input.name, user: input.name } }],
    'current-context': input.name,
    preferences: {},
  });
}

/** Where the kubelet mounts a Pod's service account token, its CA and namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export type InClusterInput = {
  /** KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, as the kubelet sets them. */
  host: string | undefined;
  port: string | undefined;
  /** Holds `token` and `ca.crt`; the setting --service-account-dir, default SERVICE_ACCOUNT_DIR. */
  serviceAccountDir: string;
};

/**
 * Points `kc` at the apiserver as client-go's rest.InClusterConfig does: the service's host and
 * port, the service account's CA, and its token re-read from the file (client-node re-reads it
 * every minute, so the kubelet's rotation of a bound token is picked up). Unlike
 * KubeConfig.loadFromCluster, the folder can be moved (tests run Shipshape "in-cluster" without
 * writing under /var/run), and a missing host or port is an error instead of https://undefined.
 */
export function loadInClusterConfig(kc: KubeConfig, input: InClusterInput): void {
  if (!input.host || !input.port) {
    throw new Error(
      'in-cluster configuration needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT (set by the kubelet in a Pod)',
    );
  }
  const host = isIPv6(input.host) ? `[${input.host}]` : input.host;
  kc.loadFromClusterAndUser(
    {
      name: 'in-cluster',
      server: `https://${host}:${input.port}`,
      caFile: join(input.serviceAccountDir, 'ca.crt'),
      skipTLSVerify: false,
    },
    {
      name: 'service-account',
      authProvider: { name: 'tokenFile', config: { tokenFile: join(input.serviceAccountDir, 'token') } },
    },
  );
}
