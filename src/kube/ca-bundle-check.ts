// Whether the apiserver can trust this replica: the caBundle of every webhook in both webhook
// configurations, and of the WebApp CRD's conversion webhook, must verify the certificate served now
// (ca-bundle-targets.ts names the fields). A CA that cert-manager rotated but
// cainjector never injected, or a bundle someone replaced, fails every admission call; this sees it
// first, as the metric shipshape.tls.ca_bundle.verified, a condition in the log (CABundleVerified)
// and, when asked, a failing readiness check.
//
// Each object is watched by name (a field selector, so RBAC can be limited to the three names); a
// missing one is Unknown, not a failure (the dev loop and a fresh install register the webhooks
// after the replicas are ready). A CRD whose conversion is not a webhook has nothing to verify.
import {
  AdmissionregistrationV1Api,
  ApiextensionsV1Api,
  type KubeConfig,
  type KubernetesObject,
  type KubernetesListObject,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { MUTATING_CONFIGURATION_NAME, VALIDATING_CONFIGURATION_NAME } from '../constants.ts';
import type { Runnable } from '../runtime/runnable.ts';
import { sleep } from '../runtime/sleep.ts';
import { parseCertificates, verifiesChain } from '../tls/certificate-chain.ts';
import {
  type CaBundleObject,
  type CaBundleObjectKind,
  WEBAPP_CRD_REF,
  caBundleFields,
  collectionPath,
} from './ca-bundle-targets.ts';
import { createResilientInformer } from './resilient-informer.ts';

type Watched = KubernetesObject & CaBundleObject;
type Status = 'True' | 'False' | 'Unknown';

export type CaBundleMetrics = {
  /** `configuration` is the object's name, `kind` its kind (CustomResourceDefinition for the CRD). */
  setCaBundleVerified(
    attributes: { configuration: string; kind: CaBundleObjectKind },
    verified: number | undefined,
  ): void;
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
  /** A watched object changed (self-managed certificates: the leader repairs its caBundles). */
  onConfigurationChange?: () => void;
};

export type CaBundleCheck = Runnable & {
  /** Checks again now: the served certificate changed. */
  recheck(): void;
  /** False only while an object exists whose caBundle does not verify the served certificate. */
  verified(): boolean;
};

/**
 * Why `object`'s caBundles do not verify `servedPem`, or undefined when every one does (or it has
 * none: a CRD without a conversion webhook). `kind` is the object's (default: a webhook configuration).
 */
export function caBundleProblem(
  object: CaBundleObject,
  servedPem: string,
  now: Date,
  kind: CaBundleObjectKind = 'ValidatingWebhookConfiguration',
): string | undefined {
  const chain = parseCertificates(servedPem);
  for (const field of caBundleFields({ kind, name: '' }, object)) {
    const what = kind === 'CustomResourceDefinition' ? 'the conversion webhook' : `webhook ${field.name}`;
    const encoded = field.caBundle;
    if (!encoded) return `${what} has no caBundle`;
    let bundle;
    try {
      bundle = parseCertificates(Buffer.from(encoded, 'base64').toString('utf8'));
    } catch (err) {
      return `the caBundle of ${what} cannot be parsed (${(err as Error).message})`;
    }
    const verdict = verifiesChain(chain, bundle, now);
    if (!verdict.verified) return `the caBundle of ${what} does not verify it: ${verdict.reason}`;
  }
  return undefined;
}

export function createCaBundleCheck(options: CaBundleCheckOptions): CaBundleCheck {
  const { kc, logger, metrics } = options;
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const log = logger.child({ component: 'ca-bundle-check' });
  type List = (fieldSelector: string) => Promise<KubernetesListObject<Watched>>;
  const targets: { kind: CaBundleObjectKind; name: string; list: List }[] = [
    {
      kind: 'MutatingWebhookConfiguration',
      name: MUTATING_CONFIGURATION_NAME,
      list: (fieldSelector) => api.listMutatingWebhookConfiguration({ fieldSelector }),
    },
    {
      kind: 'ValidatingWebhookConfiguration',
      name: VALIDATING_CONFIGURATION_NAME,
      list: (fieldSelector) => api.listValidatingWebhookConfiguration({ fieldSelector }),
    },
    { ...WEBAPP_CRD_REF, list: (fieldSelector) => ext.listCustomResourceDefinition({ fieldSelector }) },
  ];
  const watched = targets.map((w) => {
    const fieldSelector = `metadata.name=${w.name}`;
    const informer = createResilientInformer<Watched>({
      kc,
      path: collectionPath(w.kind),
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
      const object = w.informer.hasSynced() ? w.informer.get(w.name) : undefined;
      let status: Status;
      let message: string;
      if (!object) {
        status = 'Unknown';
        message = w.informer.hasSynced() ? `the ${w.kind} does not exist` : 'not read yet';
        metrics.setCaBundleVerified(attributes, undefined);
      } else {
        const problem = caBundleProblem(object, options.served(), now, w.kind);
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
    /** Watches the three objects and re-checks on a timer until `signal` aborts. */
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
