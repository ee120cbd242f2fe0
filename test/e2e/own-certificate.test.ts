// Shipshape installed with a certificate of the user's own (issue #33), as docs/installing.md's
// "Bringing your own certificate" tells it: `kubectl apply -k` of test/fixtures/e2e-own-certificate
// (deploy/ without cert-manager's objects and injection annotation, our image, never pulled), the
// Secret and every caBundle written by the test, as a user would. Then the rotation that only this
// install has: a new pair from a new CA written into the Secret reaches each Pod through the
// kubelet's update of the Secret volume (the `..data` symlink swapped), and the server, polling the
// files (src/tls/certificate-reloader.ts), serves it without a restart, while admissions go on.
//
// Not part of `npm test`: `npm run test:e2e` (root, a real node; see install.test.ts).
import { X509Certificate } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ApiextensionsV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import t from 'tap';
import {
  MUTATING_CONFIGURATION_NAME,
  SHIPSHAPE_NAMESPACE,
  VALIDATING_CONFIGURATION_NAME,
  WEBAPP_CRD_NAME,
  WEBHOOK_PORT,
  WEBHOOK_SERVICE_NAME,
} from '../../src/constants.ts';
import { waitUntilAdmitting } from '../../src/dev/install.ts';
import { E2E_OWN_CERTIFICATE_OVERLAY } from '../../src/manifests/e2e-overlay.ts';
import { TLS_SECRET_NAME } from '../../src/manifests/install-names.ts';
import { type IssuedPair, issueCa, issueServingPair, serviceDnsNames } from '../../src/tls/issuer.ts';
import { servedCertificate } from '../../src/tls/replica-issuers.ts';
import { startAdmissionLoad } from '../helpers/admission-load.ts';
import {
  checkNodeStopped,
  checkServedWithoutRestart,
  checkUninstall,
  seconds,
  startE2eEnvironment,
} from '../helpers/e2e-install.ts';
import { eventually } from '../helpers/eventually.ts';

const OVERLAY = fileURLToPath(new URL(`../../${E2E_OWN_CERTIFICATE_OVERLAY}`, import.meta.url));
const DNS_NAMES = serviceDnsNames(WEBHOOK_SERVICE_NAME, SHIPSHAPE_NAMESPACE);
const DAY = 24 * 3600_000;

if (process.getuid?.() !== 0) {
  t.plan(0, 'a real node and rootful podman need root');
  process.exit(0);
}
t.setTimeout(15 * 60_000);

const suiteStart = Date.now();
const env = await startE2eEnvironment(t);
const { kc, k, threeReady, podLogs } = env;
const core = kc.makeApiClient(CoreV1Api);

/** A CA and a serving pair it signed, valid from an hour ago for 90 days. */
const issue = async () => {
  const window = { notBefore: Date.now() - 3600_000, notAfter: Date.now() + 90 * DAY };
  const ca = await issueCa(window);
  return { ca, pair: await issueServingPair(ca, { ...window, dnsNames: DNS_NAMES }) };
};
const base64 = (pem: string) => Buffer.from(pem).toString('base64');
const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

/** The Secret as a user writes it: the pair, and ca.crt for the expiry metric. */
const writeSecret = async (ca: IssuedPair, pair: IssuedPair) => {
  const data = { 'tls.crt': base64(pair.certPem), 'tls.key': base64(pair.keyPem), 'ca.crt': base64(ca.certPem) };
  const body = { metadata: { name: TLS_SECRET_NAME }, type: 'kubernetes.io/tls', data };
  await core
    .replaceNamespacedSecret({ namespace: SHIPSHAPE_NAMESPACE, name: TLS_SECRET_NAME, body })
    .catch(() => core.createNamespacedSecret({ namespace: SHIPSHAPE_NAMESPACE, body }));
};

/**
 * `pems` concatenated into the caBundle of every webhook of both configurations and, when the CRD
 * converts through a webhook, of its conversion webhook: what docs/installing.md has the user set.
 */
const setCaBundles = async (pems: string[]) => {
  // One PEM block per line run: the CRD's validation refuses blocks joined without a newline.
  const bundle = base64(pems.map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`)).join(''));
  for (const [kind, name] of [
    ['mutatingwebhookconfiguration', MUTATING_CONFIGURATION_NAME],
    ['validatingwebhookconfiguration', VALIDATING_CONFIGURATION_NAME],
  ] as const) {
    const webhooks = JSON.parse((await k('get', kind, name, '-o', 'json')).stdout).webhooks as unknown[];
    const ops = webhooks.map((_, i) => ({ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: bundle }));
    const patched = await k('patch', kind, name, '--type=json', '-p', JSON.stringify(ops));
    if (patched.code !== 0) throw new Error(`kubectl patch ${kind} ${name}: ${patched.stderr}`);
  }
  const crd = await kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: WEBAPP_CRD_NAME });
  if (crd.spec.conversion?.strategy === 'Webhook') {
    const op = { op: 'add', path: '/spec/conversion/webhook/clientConfig/caBundle', value: bundle };
    const patched = await k('patch', 'crd', WEBAPP_CRD_NAME, '--type=json', '-p', JSON.stringify([op]));
    if (patched.code !== 0) throw new Error(`kubectl patch crd ${WEBAPP_CRD_NAME}: ${patched.stderr}`);
  }
};

/** What each Pod serves on the webhook port, by fingerprint. */
const served = async (pods: V1Pod[]) => {
  const out: string[] = [];
  for (const pod of pods) {
    const endpoint = { name: pod.metadata!.name!, host: pod.status!.podIP!, port: WEBHOOK_PORT };
    out.push((await servedCertificate(endpoint, DNS_NAMES[0]!, 2000)).fingerprint256);
  }
  return out;
};

const first = await issue();

t.test('kubectl apply -k, then the Secret and the caBundles written: three Pods Ready, admitting', async (t) => {
  const applying = Date.now();
  const applied = await k('apply', '-k', OVERLAY);
  t.equal(applied.code, 0, `kubectl apply -k succeeds ${applied.stderr}`);
  await writeSecret(first.ca, first.pair);
  await setCaBundles([first.ca.certPem]);
  const pods = await eventually('three Shipshape Pods Running and Ready', threeReady, 180_000).catch(async (err) => {
    throw new Error(
      `${(err as Error).message}\n${(await k('get', 'pods', '-A', '-o', 'wide')).stdout}\n${await podLogs()}`,
    );
  });
  t.comment(`three Pods Ready ${seconds(applying)} s after kubectl apply -k`);
  for (const pod of pods) {
    const volume = pod.spec?.volumes?.find((v) => v.secret?.secretName === TLS_SECRET_NAME);
    t.ok(volume, `${pod.metadata!.name} mounts the Secret as a volume`);
  }
  t.strictSame(
    await served(pods),
    pods.map(() => fingerprint(first.pair.certPem)),
    'every Pod serves the pair written',
  );
  await waitUntilAdmitting(kc, 'default', 60_000);
});

t.test(
  "a new pair from a new CA written into the Secret: every Pod serves it through the kubelet's volume update, no restart, no failed admission",
  async (t) => {
    const pods = await eventually('three ready Pods', threeReady, 60_000);
    const second = await issue();
    const load = startAdmissionLoad(kc, 'default', 4);
    t.teardown(() => load.stop());
    // The overlap: both CAs trusted before any Pod serves the new pair. The apiserver reads a
    // webhook configuration's change through its informer; a few seconds cover it.
    await setCaBundles([first.ca.certPem, second.ca.certPem]);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const writing = Date.now();
    await writeSecret(second.ca, second.pair);
    const want = fingerprint(second.pair.certPem);
    let last: string[] = [];
    const reached: Record<string, string> = {};
    await eventually(
      'every Pod serves the new pair',
      async () => {
        last = await served(pods).catch(() => last);
        last.forEach((fp, i) => {
          const name = pods[i]!.metadata!.name!;
          if (fp === want && !reached[name]) reached[name] = seconds(writing);
        });
        return last.length === pods.length && last.every((fp) => fp === want);
      },
      // The kubelet rewrites a Secret volume at the Pod's next sync: its sync period (1 min) plus
      // the jitter and its cache's delay; the server polls the files every few seconds.
      180_000,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; served ${JSON.stringify(last)}`, { cause: err });
    });
    t.comment(`the new pair served by each Pod, s after the Secret was written: ${JSON.stringify(reached)}`);
    // The old CA leaves the caBundles only once no Pod serves a pair it signed.
    await setCaBundles([second.ca.certPem]);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const result = await load.stop();
    t.comment(`${result.ok} admissions during the rotation`);
    await checkServedWithoutRestart(t, env, result, pods);
  },
);

t.test('uninstall as docs/installing.md says: nothing stuck, nothing left', (t) => checkUninstall(t, env, OVERLAY));

t.test('the node stopped: no process, mount, interface, nat chain, cgroup or sysctl left', (t) =>
  checkNodeStopped(t, env, suiteStart),
);
