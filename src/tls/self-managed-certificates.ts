// Self-managed certificates (issue #32), on the leader only: reads what is stored (the Secret),
// what is injected (every webhook's caBundle, the WebApp CRD's conversion webhook among them: #35)
// and what every replica serves, lets rotation.ts decide the one next action, applies it, and
// decides again until none is left; then sleeps until the decision's next check, a change it is
// told of (wake()), or, while the bundle still carries a CA being retired, a few seconds (replicas
// pick up a new pair through their watch; the leader probes again to drop the old CA soon after).
//
// Every read is fresh (no cache): a decision must not act on a Secret a previous action already
// changed. Every Secret write carries the resourceVersion read, so a deposed leader's late write
// fails with a conflict instead of undoing the new leader's; caBundle patches test the webhook's
// name at its index, or the CRD's conversion strategy (src/kube/ca-bundle-targets.ts). Nothing is
// remembered in the process: a new leader resumes any rotation from what is stored (rotation.ts,
// invariant 5).
import { X509Certificate } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import {
  type CaBundleField,
  type CaBundleObject,
  type CaBundleObjectRef,
  caBundleFields,
  objectPath,
} from '../kube/ca-bundle-targets.ts';
import { type JsonClient, KubeApiError, isNotFound } from '../kube/json-client.ts';
import type { Runnable } from '../runtime/runnable.ts';
import { sleep } from '../runtime/sleep.ts';
import { toSecret, storedPemOf } from './certificate-secret.ts';
import { issueCa, issueServingPair, serviceDnsNames } from './issuer.ts';
import { type Endpoint, type ReplicaReport, listEndpoints, probeReplicas, toReport } from './replica-issuers.ts';
import { type CaCertificate, type RotationAction, type RotationState, decideRotation } from './rotation.ts';
import type { RotationSettings } from './rotation-settings.ts';
import { type StoredPem, readBundle, readStoredCertificates } from './stored-certificates.ts';

export type SelfManagedCertificatesOptions = {
  client: JsonClient;
  namespace: string;
  secretName: string;
  serviceName: string;
  /** The Service port's name whose endpoints are the replicas. */
  portName: string;
  /** Every object with caBundles to keep injected (webhook configurations, the WebApp CRD). */
  configurations: readonly CaBundleObjectRef[];
  settings: RotationSettings;
  labels: Record<string, string>;
  logger: Logger;
  /** This replica: its name and the certificate (PEM) it serves now. */
  self: { name: string; served(): string };
  /** Between probes while a retired CA is still in the bundle; default 5 s. */
  overlapPollMs?: number;
  /** Replaces listing the Service's endpoints (a host without Pods). */
  endpoints?: () => Promise<Endpoint[]>;
  now?: () => number;
};

export type SelfManagedCertificates = Runnable & {
  /** Decide again now: something it reads changed (the Secret, a webhook configuration, the CRD). */
  wake(): void;
};

type Target = { ref: CaBundleObjectRef; field: CaBundleField };
type Observed = { secret: V1Secret | undefined; state: RotationState; targets: Map<string, Target> };

const pemOf = (cas: readonly CaCertificate[]) => cas.map((c) => c.pem.trim()).join('\n') + '\n';
const MAX_ACTIONS_IN_A_ROW = 10;
const STUCK_PAUSE_MS = 10_000;

export function createSelfManagedCertificates(options: SelfManagedCertificatesOptions): SelfManagedCertificates {
  const { client, namespace, secretName, settings, logger } = options;
  const now = options.now ?? Date.now;
  const log = logger.child({ component: 'self-managed-certificates', secret: `${namespace}/${secretName}` });
  const dnsNames = serviceDnsNames(options.serviceName, namespace);
  const secretPath = `/api/v1/namespaces/${namespace}/secrets/${secretName}`;
  let wakeUp: (() => void) | undefined;
  let woken = false;

  async function readInjected(): Promise<{ injected: RotationState['injected']; targets: Map<string, Target> }> {
    const injected: { target: string; bundle: RotationState['injected'][number]['bundle'] }[] = [];
    const targets = new Map<string, Target>();
    for (const ref of options.configurations) {
      let object: CaBundleObject;
      try {
        object = await client.request('GET', objectPath(ref));
      } catch (err) {
        // Not installed yet: nothing to inject into; it is read again at the next check.
        if (isNotFound(err)) continue;
        throw err;
      }
      for (const field of caBundleFields(ref, object)) {
        const target = `${ref.kind}/${ref.name}/${field.name}`;
        const encoded = field.caBundle;
        const bundle = readBundle(encoded ? Buffer.from(encoded, 'base64').toString('utf8') : undefined);
        injected.push({ target, bundle });
        targets.set(target, { ref, field });
      }
    }
    return { injected, targets };
  }

  async function observe(): Promise<Observed> {
    const secret = await client.request<V1Secret>('GET', secretPath).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    const { injected, targets } = await readInjected();
    const injectedCas = injected.flatMap((i) => (typeof i.bundle === 'object' ? i.bundle : []));
    const pem = secret ? storedPemOf(secret) : undefined;
    const stored = pem ? readStoredCertificates(pem, injectedCas) : undefined;
    const known = [
      ...(stored && typeof stored.ca === 'object' ? [stored.ca] : []),
      ...(stored && typeof stored.bundle === 'object' ? stored.bundle : []),
      ...injectedCas,
    ];
    const endpoints = await (
      options.endpoints ?? (() => listEndpoints(client, namespace, options.serviceName, options.portName))
    )();
    const replicas: ReplicaReport[] = [
      toReport(options.self.name, new X509Certificate(options.self.served()), known),
      ...(await probeReplicas(endpoints, dnsNames[0]!, known)),
    ];
    return { secret, state: { secret: stored ?? 'absent', injected, replicas }, targets };
  }

  async function writeSecret(observed: Observed, change: (pem: StoredPem) => StoredPem): Promise<void> {
    const pem = change(observed.secret ? storedPemOf(observed.secret) : {});
    const base = observed.secret ?? { name: secretName, namespace, labels: options.labels };
    const body = toSecret(base, pem);
    if (observed.secret) await client.request('PUT', secretPath, { body });
    else await client.request('POST', `/api/v1/namespaces/${namespace}/secrets`, { body });
  }

  async function inject(observed: Observed, targets: readonly string[], bundle: readonly CaCertificate[]) {
    const caBundle = Buffer.from(pemOf(bundle)).toString('base64');
    const byConfiguration = new Map<string, Target[]>();
    for (const name of targets) {
      const target = observed.targets.get(name);
      if (!target) continue;
      const key = objectPath(target.ref);
      byConfiguration.set(key, [...(byConfiguration.get(key) ?? []), target]);
    }
    for (const [path, list] of byConfiguration) {
      // Each field's operations test what they patch (ca-bundle-targets.ts): a stale read fails.
      const body = list.flatMap((t) => t.field.patch(caBundle));
      await client.request('PATCH', path, { body, contentType: 'application/json-patch+json' });
    }
  }

  async function apply(action: RotationAction, observed: Observed): Promise<void> {
    switch (action.type) {
      case 'issue-ca': {
        const ca = await issueCa(action);
        const fingerprint = new X509Certificate(ca.certPem).fingerprint256;
        const keep = action.keep.filter((c) => c.fingerprint !== fingerprint);
        await writeSecret(observed, (pem) => ({
          ...pem,
          // A new signer is trusted only once it is seen in every caBundle.
          signerTrusted: undefined,
          caCert: ca.certPem,
          caKey: ca.keyPem,
          bundle: [ca.certPem.trim(), ...keep.map((c) => c.pem.trim())].join('\n') + '\n',
        }));
        return;
      }
      case 'write-bundle':
        return writeSecret(observed, (pem) => ({ ...pem, bundle: pemOf(action.bundle) }));
      case 'inject':
        return inject(observed, action.targets, action.bundle);
      case 'record-signer-trusted':
        return writeSecret(observed, (pem) => ({ ...pem, signerTrusted: action.signerTrusted }));
      case 'issue-serving': {
        const pem = observed.secret ? storedPemOf(observed.secret) : {};
        const pair = await issueServingPair({ certPem: pem.caCert ?? '', keyPem: pem.caKey ?? '' }, action);
        return writeSecret(observed, (p) => ({ ...p, servingCert: pair.certPem, servingKey: pair.keyPem }));
      }
    }
  }

  /** Resolves after `ms`, on wake(), or when `signal` aborts. */
  async function pause(ms: number, signal: AbortSignal): Promise<void> {
    if (woken) return void (woken = false);
    await Promise.race([sleep(ms, signal), new Promise<void>((resolve) => (wakeUp = resolve))]);
    wakeUp = undefined;
    woken = false;
  }

  return {
    needsLeaderElection: true,
    wake() {
      woken = true;
      wakeUp?.();
    },
    async start(signal) {
      let lastReason = '';
      let inARow = 0;
      let backoffMs = 1000;
      while (!signal.aborted) {
        try {
          const observed = await observe();
          const decision = decideRotation({ now: now(), settings, dnsNames, state: observed.state });
          const { action } = decision;
          if (action && inARow < MAX_ACTIONS_IN_A_ROW) {
            inARow++;
            log.info({ action: describe(action), reason: decision.reason }, `certificates: ${action.type}`);
            await apply(action, observed);
            backoffMs = 1000;
            continue;
          }
          // Ten actions without converging (writes that do not stick): a pause, not a write storm.
          const stuck = action !== undefined;
          if (stuck) log.error({ action: describe(action) }, 'certificates: no convergence; deciding again later');
          inARow = 0;
          backoffMs = 1000;
          if (decision.reason !== lastReason) log.info({ reason: decision.reason }, 'certificates: nothing to do');
          lastReason = decision.reason;
          const overlap = observed.state.injected.some((i) => typeof i.bundle === 'object' && i.bundle.length > 1);
          const untilNext = stuck ? STUCK_PAUSE_MS : Math.max(0, decision.nextCheckAt - now());
          await pause(overlap ? Math.min(untilNext, options.overlapPollMs ?? 5000) : untilNext, signal);
        } catch (err) {
          if (signal.aborted) break;
          // A conflict is a write that lost to another (a deposed leader, a hand edit): read again.
          const conflict = err instanceof KubeApiError && err.status === 409;
          if (!conflict) log.warn({ err, retryInMs: backoffMs }, 'certificates: check failed; retrying');
          await pause(conflict ? 0 : backoffMs, signal);
          if (!conflict) backoffMs = Math.min(backoffMs * 2, 30_000);
        }
      }
    },
  };
}

/** An action for the log: fingerprints and times, never a key. */
function describe(action: RotationAction): object {
  const at = (ms: number) => new Date(ms).toISOString();
  switch (action.type) {
    case 'issue-ca':
      return { type: action.type, notAfter: at(action.notAfter), keep: action.keep.map((c) => c.fingerprint) };
    case 'write-bundle':
    case 'inject':
      return { ...action, bundle: action.bundle.map((c) => c.fingerprint) };
    case 'record-signer-trusted':
      return { type: action.type, fingerprint: action.signerTrusted.fingerprint };
    case 'issue-serving':
      return { type: action.type, signer: action.signer, notAfter: at(action.notAfter), dnsNames: action.dnsNames };
  }
}
