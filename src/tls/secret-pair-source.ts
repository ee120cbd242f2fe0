// Self-managed certificates (issue #32), on every replica: the serving pair comes from the Secret,
// watched by name through the API, not from a volume. The kubelet refreshes a Secret volume only
// on its sync period plus its cache's TTL (a minute or more); a watch hands a new pair over within
// the round trip, which the rotation's overlap and the recovery of a deleted Secret rely on, and it
// needs no Pod at all (a replica outside the cluster serves the same way). The Deployment then
// mounts no volume: the leader creates the Secret, so a required volume would keep the first Pods
// from starting.
//
// Until the Secret holds a usable pair the server serves a placeholder (its probes answer over
// TLS) and is not ready; a pair that cannot be used, or has expired, keeps the one served.
import { X509Certificate } from 'node:crypto';
import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { createCertificateAuthority } from '../pki/certificates.ts';
import { createResilientInformer, type WatchRestartHook } from '../kube/resilient-informer.ts';
import type { Runnable } from '../runtime/runnable.ts';
import { whenTrue } from '../runtime/poll.ts';
import { servingPairOf, storedPemOf } from './certificate-secret.ts';
import { type KeyPair, assertUsable, digest } from './key-pair.ts';

export type SecretPairSourceOptions = {
  kc: KubeConfig;
  namespace: string;
  name: string;
  logger: Logger;
  /** The client CA (mTLS), carried into every pair handed on; undefined: none. */
  clientCa?: string;
  /** A new usable pair from the Secret: serve it. */
  onChange(pair: KeyPair): void;
  /** Any change of the Secret, its deletion included (the leader's rotation wakes on it). */
  onSecretChange?: () => void;
  onWatchRestart?: WatchRestartHook;
  now?: () => number;
};

export type SecretPairSource = Runnable & {
  hasSynced(): boolean;
  /** True while the pair served came from the Secret and is valid now: a readiness check. */
  serving(): boolean;
  /** The signing CA's certificate as last read (PEM), for the CA expiry metric. */
  caPem(): string | undefined;
};

/** A throwaway self-signed pair, served until the Secret's arrives (never trusted by anyone). */
export async function placeholderPair(now = Date.now()): Promise<KeyPair> {
  const window = { notBefore: new Date(now - 60_000), notAfter: new Date(now + 24 * 3600_000) };
  const { certPem, keyPem } = await createCertificateAuthority('shipshape-placeholder', window);
  return { cert: certPem, key: keyPem };
}

export function createSecretPairSource(options: SecretPairSourceOptions): SecretPairSource {
  const { namespace, name, logger } = options;
  const now = options.now ?? Date.now;
  const log = logger.child({ component: 'certificate-secret', secret: `${namespace}/${name}` });
  const api = options.kc.makeApiClient(CoreV1Api);
  const fieldSelector = `metadata.name=${name}`;
  let served: { digest: string; notBefore: number; notAfter: number } | undefined;
  let lastProblem = '';
  let ca: string | undefined;

  const informer = createResilientInformer<V1Secret>({
    kc: options.kc,
    path: `/api/v1/namespaces/${namespace}/secrets`,
    fieldSelector,
    list: () => api.listNamespacedSecret({ namespace, fieldSelector }),
    logger: log,
    onChange: () => update(),
    onSynced: () => update(),
    ...(options.onWatchRestart && { onRestart: options.onWatchRestart }),
  });

  function problem(message: string, fields: object = {}): void {
    if (message !== lastProblem) log.warn(fields, `${message}; keeping the certificate served`);
    lastProblem = message;
  }

  function update(): void {
    options.onSecretChange?.();
    const secret = informer.get(name, namespace);
    ca = secret && storedPemOf(secret).caCert;
    if (!secret) return problem('the certificate Secret does not exist (the leader creates it)');
    const stored = servingPairOf(secret);
    if (!stored) return problem('the certificate Secret holds no serving pair yet');
    const pair: KeyPair = { ...stored, ...(options.clientCa !== undefined && { clientCa: options.clientCa }) };
    const next = digest(pair);
    if (next === served?.digest) return;
    let leaf: X509Certificate;
    try {
      assertUsable(pair);
      leaf = new X509Certificate(pair.cert);
    } catch (err) {
      return problem('the serving pair in the certificate Secret is not usable', { err });
    }
    const validity = { notBefore: leaf.validFromDate.getTime(), notAfter: leaf.validToDate.getTime() };
    if (now() >= validity.notAfter) return problem('the serving pair in the certificate Secret has expired');
    options.onChange(pair);
    served = { digest: next, ...validity };
    lastProblem = '';
    log.info(
      { fingerprint: leaf.fingerprint256, notAfter: leaf.validTo },
      'serving the pair from the certificate Secret',
    );
  }

  return {
    needsLeaderElection: false,
    // A cache of one object: the webhook server starts first (with the placeholder), then this.
    group: 'caches',
    hasSynced: informer.hasSynced,
    ready: (signal) => whenTrue(informer.hasSynced, signal),
    serving: () => served !== undefined && served.notBefore <= now() && now() < served.notAfter,
    caPem: () => ca,
    start: (signal) => informer.start(signal),
  };
}
