// What start-up checks before it connects or listens, so that a missing cluster or certificate
// ends the process at once (exit 2) with one line naming what is missing and how to provide it,
// instead of a retry loop against http://localhost:8080 or a JSON stack trace. Pure: src/main.ts
// passes in the environment, the home folder and a file test.
import { join } from 'node:path';
import { CodedError } from '../errors/coded-error.ts';
import type { Config } from './config.ts';
import { SETTINGS } from './settings.ts';

export type PreflightErrorCode = 'START_NO_CLUSTER' | 'START_NO_CERTIFICATE';

/** Start-up cannot go on; `message` is the one line printed before exit code 2. */
export class PreflightError extends CodedError<PreflightErrorCode> {}

/** Where client-node's loadFromDefault() reads the service account (in-cluster configuration). */
export const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export type KubeConnection = { source: 'KUBECONFIG' | '~/.kube/config'; path: string } | { source: 'in-cluster' };

/**
 * The connection client-node's KubeConfig.loadFromDefault() would use, in its order: every file of
 * $KUBECONFIG, else ~/.kube/config, else the in-cluster service account. Throws START_NO_CLUSTER
 * when there is none (loadFromDefault would then quietly fall back to http://localhost:8080), or
 * when a file named by $KUBECONFIG does not exist, or when a token exists but not the apiserver's
 * address (KUBERNETES_SERVICE_HOST and _PORT).
 */
export function findKubeConnection(
  env: NodeJS.ProcessEnv,
  home: string | undefined,
  exists: (path: string) => boolean,
  serviceAccountToken = SERVICE_ACCOUNT_TOKEN,
): KubeConnection {
  const files = (env.KUBECONFIG ?? '').split(process.platform === 'win32' ? ';' : ':').filter(Boolean);
  if (files.length) {
    const missing = files.find((f) => !exists(f));
    if (missing !== undefined) {
      throw new PreflightError(
        'START_NO_CLUSTER',
        `KUBECONFIG names ${missing}, which does not exist; point KUBECONFIG at a kubeconfig file`,
      );
    }
    return { source: 'KUBECONFIG', path: files[0]! };
  }
  const config = home ? join(home, '.kube', 'config') : undefined;
  if (config !== undefined && exists(config)) return { source: '~/.kube/config', path: config };
  if (exists(serviceAccountToken)) {
    // client-node's in-cluster configuration reads the apiserver's address from these two, which
    // the kubelet sets in every container; without them it fails later with a stack trace.
    if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) {
      throw new PreflightError(
        'START_NO_CLUSTER',
        `a service account token is at ${serviceAccountToken}, but KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (the kubelet sets them in a Pod); set both to the apiserver's address, or set KUBECONFIG`,
      );
    }
    return { source: 'in-cluster' };
  }
  throw new PreflightError(
    'START_NO_CLUSTER',
    `no Kubernetes cluster configured: set KUBECONFIG to a kubeconfig file (or create ~/.kube/config), or run in a Pod with a service account token at ${serviceAccountToken}`,
  );
}

function describe(key: 'tlsCertFile' | 'tlsKeyFile' | 'clientCaFile', value: string): string {
  const setting = SETTINGS.find((s) => s.key === key)!;
  return `${setting.env} (${setting.flag}) = "${value}"`;
}

/**
 * The serving certificate could not be loaded (`err` from readKeyPair or assertUsable): which
 * setting names the missing or bad file, and how to provide it.
 */
export function toCertificateError(
  config: Pick<Config, 'tlsCertFile' | 'tlsKeyFile'> & Partial<Pick<Config, 'clientCaFile'>>,
  err: unknown,
): PreflightError {
  const hint =
    'give the PEM certificate and key with --tls-cert-file and --tls-key-file (in a cluster, cert-manager mounts them from a Secret; `npm run dev` writes a dev pair to certs/dev/)';
  const failure = err as NodeJS.ErrnoException;
  if (failure.code === 'ENOENT' || failure.code === 'EACCES' || failure.code === 'EISDIR') {
    const key =
      config.clientCaFile && failure.path === config.clientCaFile
        ? 'clientCaFile'
        : failure.path === config.tlsKeyFile && failure.path !== config.tlsCertFile
          ? 'tlsKeyFile'
          : 'tlsCertFile';
    const what = failure.code === 'ENOENT' ? 'does not exist' : `cannot be read (${failure.code})`;
    return new PreflightError(
      'START_NO_CERTIFICATE',
      key === 'clientCaFile'
        ? `no client CA: ${describe(key, config.clientCaFile!)} ${what}; give the PEM CA that signs the apiserver's client certificate, or leave --client-ca-file empty`
        : `no serving certificate: ${describe(key, config[key])} ${what}; ${hint}`,
      { cause: err },
    );
  }
  const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return new PreflightError(
    'START_NO_CERTIFICATE',
    `the serving certificate ${describe('tlsCertFile', config.tlsCertFile)} and key ${describe('tlsKeyFile', config.tlsKeyFile)} cannot serve TLS (${reason}); ${hint}`,
    { cause: err },
  );
}
