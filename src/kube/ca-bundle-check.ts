// Whether the apiserver can trust this replica: the caBundle of every webhook in both webhook
// configurations must verify the certificate served now. A CA that cert-manager rotated but
// cainjector never injected, or a bundle someone replaced, fails every admission call; this sees it
// first, as the metric shipshape.tls.ca_bundle.verified, a condition in the log (CABundleVerified)
// and, when asked, a failing readiness check.
//
// Each configuration is watched by name (a field selector, so RBAC can be limited to the two
// names); a missing configuration is Unknown, not a failure (the dev loop and a fresh install
// register the webhooks after the replicas are ready).
import {
  AdmissionregistrationV1Api,
  type KubeConfig,
  type V1MutatingWebhookConfiguration,
  type V1ValidatingWebhookConfiguration,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { MUTATING_CONFIGURATION_NAME, VALIDATING_CONFIGURATION_NAME } from '../constants.ts';
import type { Runnable } from '../runtime/runnable.ts';
import { sleep } from '../runtime/sleep.ts';
import { parseCertificates, verifiesChain } from '../tls/certificate-chain.ts';
import { createResilientInformer } from './resilient-informer.ts';

type Configuration = V1MutatingWebhookConfiguration | V1ValidatingWebhookConfiguration;
type Kind = 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration';
type Status = 'True' | 'False' | 'Unknown';

export type CaBundleMetrics = {
  setCaBundleVerified(attributes: { configuration: string; kind: Kind }, verified: number | undefined): void;
};

export type CaBundleCheckOptions = {
  kc: KubeConfig;
  logger: Logger;
  metrics: CaBundleMetrics;
  /** The certificate served now (PEM, leaf first, intermediates after). */
  served(): string;
  /** Re-checked this often even without a change (certificates expire); default 60 s. */
  intervalMs?: number;
  now?: () => Date;
  /** Either configuration changed (self-managed certificates: the leader repairs its caBundles). */
  onConfigurationChange?: () => void;
};

export type CaBundleCheck = Runnable & {
  /** Checks again now: the served certificate changed. */
  recheck(): void;
  /** False only while a configuration exists whose caBundle does not verify the served certificate. */
  verified(): boolean;
};

/** Why `config`'s bundles do not verify `servedPem`, or undefined when every webhook's does. */
export function caBundleProblem(config: Configuration, servedPem: string, now: Date): string | undefined {
  const chain = parseCertificates(servedPem);
  for (const webhook of config.webhooks ?? []) {
    const encoded = webhook.clientConfig.caBundle;
    if (!encoded) return `webhook ${webhook.name} has no caBundle`;
    let bundle;
    try {
      bundle = parseCertificates(Buffer.from(encoded, 'base64').toString('utf8'));
    } catch (err) {
      return `the caBundle of webhook ${webhook.name} cannot be parsed (${(err as Error).message})`;
    }
    const verdict = verifiesChain(chain, bundle, now);
    if (!verdict.verified) return `the caBundle of webhook ${webhook.name} does not verify it: ${verdict.reason}`;
  }
  return undefined;
}

export function createCaBundleCheck(options: CaBundleCheckOptions): CaBundleCheck {
  const { kc, logger, metrics } = options;
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  const log = logger.child({ component: 'ca-bundle-check' });
  const watched = [
    {
      kind: 'MutatingWebhookConfiguration' as const,
      name: MUTATING_CONFIGURATION_NAME,
      path: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
      list: (fieldSelector: string) => api.listMutatingWebhookConfiguration({ fieldSelector }),
    },
    {
      kind: 'ValidatingWebhookConfiguration' as const,
      name: VALIDATING_CONFIGURATION_NAME,
      path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
      list: (fieldSelector: string) => api.listValidatingWebhookConfiguration({ fieldSelector }),
    },
  ].map((w) => {
    const fieldSelector = `metadata.name=${w.name}`;
    const informer = createResilientInformer<Configuration>({
      kc,
      path: w.path,
      fieldSelector,
      list: () => w.list(fieldSelector),
      logger: log,
      onChange: () => {
        check();
        options.onConfigurationChange?.();
      },
      onSynced: () => check(),
    });
    return { ...w, informer, status: undefined as Status | undefined, message: '' };
  });

  function check(): void {
    const now = (options.now ?? (() => new Date()))();
    for (const w of watched) {
      const attributes = { configuration: w.name, kind: w.kind };
      const config = w.informer.hasSynced() ? w.informer.get(w.name) : undefined;
      let status: Status;
      let message: string;
      if (!config) {
        status = 'Unknown';
        message = w.informer.hasSynced() ? 'the configuration does not exist' : 'not read yet';
        metrics.setCaBundleVerified(attributes, undefined);
      } else {
        const problem = caBundleProblem(config, options.served(), now);
        status = problem ? 'False' : 'True';
        message = problem ?? 'every caBundle verifies the served certificate';
        metrics.setCaBundleVerified(attributes, problem ? 0 : 1);
      }
      if (status === w.status && message === w.message) continue;
      w.status = status;
      w.message = message;
      const condition = { type: 'CABundleVerified', status, kind: w.kind, configuration: w.name, message };
      if (status === 'False')
        log.warn({ condition }, `the caBundle of ${w.name} does not verify the served certificate`);
      else log.info({ condition }, `CABundleVerified ${status} for ${w.name}`);
    }
  }

  return {
    needsLeaderElection: false,
    recheck: check,
    verified: () => watched.every((w) => w.status !== 'False'),
    /** Watches both configurations and re-checks on a timer until `signal` aborts. */
    async start(signal) {
      const ticking = (async () => {
        while (!signal.aborted) {
          await sleep(options.intervalMs ?? 60_000, signal);
          if (!signal.aborted) check();
        }
      })();
      await Promise.all([...watched.map((w) => w.informer.start(signal)), ticking]);
    },
  };
}
