// The install manifests (deploy/, certs/, crds/) judged by the real kube-apiserver: every object
// accepted by `kubectl apply --dry-run=server`, cert-manager's after cert-manager's own CRDs, and
// the Deployment's Pod admitted by Pod Security `restricted` (and a weaker copy refused).
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiException, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import t from 'tap';
import { SHIPSHAPE_NAMESPACE } from '../../src/constants.ts';
import { toPodSpec } from '../../src/manifests/deployment.ts';
import { useControlPlane } from '../helpers/control-plane.ts';
import { kubectl } from '../helpers/kubectl.ts';
import { dryRunObjects } from '../helpers/kustomize.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// cert-manager's CRDs, vendored beside the repository (test data, not ours to ship).
const CERT_MANAGER_CRDS = join(ROOT, '../shared/vendor/cert-manager');
const hasCertManagerCrds = existsSync(CERT_MANAGER_CRDS);
const noCertManager = hasCertManagerCrds
  ? false
  : `cert-manager's CRDs are not at ${CERT_MANAGER_CRDS} (../shared/vendor/cert-manager beside the repository)`;

const { cp, kc } = await useControlPlane(t, { nodes: 0 });
const core = kc.makeApiClient(CoreV1Api);
const run = (args: string[], input?: string) => kubectl(cp.kubeconfigPath, args, input);

/** `kind/name` of every object `kubectl kustomize deploy/` renders. */
async function renderedObjects(): Promise<string[]> {
  const out = await run(['kustomize', join(ROOT, 'deploy')]);
  if (out.code !== 0) throw new Error(`kubectl kustomize deploy/: ${out.stderr}`);
  return parseAllDocuments(out.stdout).map((d) => {
    const o = d.toJS() as { kind: string; metadata: { name: string } };
    return `${o.kind}/${o.metadata.name}`;
  });
}

// Namespaced objects need their Namespace to exist for a dry run, and a Pod its ServiceAccount's
// Namespace: the Namespace and the WebApp CRD are applied for real first.
const setup = await run([
  'apply',
  '-f',
  join(ROOT, 'deploy/namespace.yaml'),
  '-f',
  join(ROOT, 'crds/webapps.shipshape.dev.yaml'),
]);
if (setup.code !== 0) throw new Error(`applying the Namespace and CRD: ${setup.stderr}`);

t.test('kubectl kustomize deploy/ renders the whole install', async (t) => {
  const objects = await renderedObjects();
  for (const expected of [
    'Namespace/shipshape-system',
    'CustomResourceDefinition/webapps.shipshape.dev',
    'CustomResourceDefinition/mysqlclusters.shipshape.dev',
    'ServiceAccount/shipshape',
    'ClusterRole/shipshape',
    'ClusterRoleBinding/shipshape',
    'Role/shipshape-leader-election',
    'RoleBinding/shipshape-leader-election',
    'Deployment/shipshape',
    'PodDisruptionBudget/shipshape',
    'Service/shipshape-webhook',
    'NetworkPolicy/shipshape',
    'MutatingWebhookConfiguration/shipshape-defaults',
    'ValidatingWebhookConfiguration/shipshape-limits',
    'Issuer/shipshape-selfsigned',
    'Certificate/shipshape-ca',
    'Issuer/shipshape-ca',
    'Certificate/shipshape-webhook',
  ]) {
    t.ok(objects.includes(expected), expected);
  }
  t.equal(objects.length, 18, 'and nothing else');
});

t.test('the CRD in deploy/: cainjector is asked for the conversion webhook caBundle', async (t) => {
  const out = await run(['kustomize', join(ROOT, 'deploy')]);
  t.equal(out.code, 0, out.stderr);
  type ClientConfig = { service?: { port?: number } };
  type Installed = {
    kind: string;
    metadata: { name: string; annotations?: Record<string, string> };
    spec?: { conversion?: { webhook?: { clientConfig?: ClientConfig } } };
    webhooks?: { clientConfig: ClientConfig }[];
  };
  const objects = parseAllDocuments(out.stdout).map((d) => d.toJS() as Installed);
  // The WebApp CRD: MySQLCluster's has one version and no conversion webhook.
  const crd = objects.find(
    (o) => o.kind === 'CustomResourceDefinition' && o.metadata.name === 'webapps.shipshape.dev',
  )!;
  const webhooks = objects.filter((o) => /WebhookConfiguration$/.test(o.kind));
  const inject = 'cert-manager.io/inject-ca-from';
  t.equal(crd.metadata.annotations?.[inject], `${SHIPSHAPE_NAMESPACE}/shipshape-webhook`);
  t.strictSame(
    webhooks.map((w) => w.metadata.annotations?.[inject]),
    [crd.metadata.annotations?.[inject], crd.metadata.annotations?.[inject]],
    'the same Certificate as both webhook configurations',
  );
  t.strictSame(crd.spec?.conversion?.webhook?.clientConfig, {
    service: { namespace: SHIPSHAPE_NAMESPACE, name: 'shipshape-webhook', path: '/convert-webapps', port: 443 },
  });
  t.strictSame(
    crd.spec?.conversion?.webhook?.clientConfig?.service?.port,
    webhooks[0]?.webhooks?.[0]?.clientConfig.service?.port,
    'the port the admission webhooks use',
  );
});

t.test('every object of deploy/ is accepted by kubectl apply --dry-run=server', async (t) => {
  const files = (await readdir(join(ROOT, 'deploy'))).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
  const out = await run(['apply', '--dry-run=server', ...files.flatMap((f) => ['-f', join(ROOT, 'deploy', f)])]);
  t.equal(out.code, 0, out.stderr);
  t.notMatch(out.stderr, /PodSecurity/, 'the Deployment meets the Namespace’s Pod Security level (no warning)');
  const accepted = dryRunObjects(out.stdout);
  const expected = (await renderedObjects()).filter((o) => !/^(Issuer|Certificate|CustomResourceDefinition)\//.test(o));
  t.equal(accepted.length, expected.length, `one line per object:\n${out.stdout}`);
  for (const o of expected) t.ok(accepted.includes(o.toLowerCase()), `${o} accepted`);
});

t.test('the cert-manager objects, after cert-manager’s CRDs', { skip: noCertManager }, async (t) => {
  const crds = await run(['apply', '--server-side', '-f', CERT_MANAGER_CRDS]);
  t.equal(crds.code, 0, crds.stderr);
  const established = await run(['wait', '--for=condition=Established', '--timeout=60s', '-f', CERT_MANAGER_CRDS]);
  t.equal(established.code, 0, established.stderr);

  const out = await run(['apply', '--dry-run=server', '-f', join(ROOT, 'certs/certificates.yaml')]);
  t.equal(out.code, 0, out.stderr);
  t.same(dryRunObjects(out.stdout).sort(), [
    'certificate/shipshape-ca',
    'certificate/shipshape-webhook',
    'issuer/shipshape-ca',
    'issuer/shipshape-selfsigned',
  ]);

  t.test('and the one command, kubectl apply -k deploy/, as a dry run', async (t) => {
    const all = await run(['apply', '--dry-run=server', '-k', join(ROOT, 'deploy')]);
    t.equal(all.code, 0, all.stderr);
    t.equal(dryRunObjects(all.stdout).length, (await renderedObjects()).length, all.stdout);
  });

  t.test('cert-manager’s schema has teeth: a Certificate without issuerRef is refused', async (t) => {
    const bad = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'bad', namespace: SHIPSHAPE_NAMESPACE },
      spec: { secretName: 'bad' },
    };
    const refused = await run(['apply', '--dry-run=server', '-f', '-'], JSON.stringify(bad));
    t.not(refused.code, 0);
    t.match(refused.stderr, /issuerRef: Required value/);
  });
});

// A Pod as the ReplicaSet controller would create it from the Deployment's template.
const podFromTemplate = (name: string): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'shipshape' } },
  spec: structuredClone(toPodSpec()),
});

t.test('Shipshape’s Namespace enforces Pod Security restricted', async (t) => {
  const ns = await core.readNamespace({ name: SHIPSHAPE_NAMESPACE });
  t.equal(ns.metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
});

t.test('a Pod from the Deployment’s template is admitted under restricted', async (t) => {
  const created = await core.createNamespacedPod({
    namespace: SHIPSHAPE_NAMESPACE,
    body: podFromTemplate('shipshape-template'),
    dryRun: 'All',
  });
  t.equal(created.metadata?.name, 'shipshape-template');
  t.equal(created.spec?.securityContext?.runAsUser, 65532);
});

t.test('the check has teeth: the same Pod without runAsNonRoot is refused', async (t) => {
  const pod = podFromTemplate('shipshape-root');
  delete pod.spec!.securityContext!.runAsNonRoot;
  delete pod.spec!.containers[0]!.securityContext!.runAsNonRoot;
  const err = await core.createNamespacedPod({ namespace: SHIPSHAPE_NAMESPACE, body: pod, dryRun: 'All' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(err instanceof ApiException, 'the apiserver refuses it');
  t.equal((err as ApiException<unknown>).code, 403, 'with 403 Forbidden');
  const { message } = JSON.parse(String((err as ApiException<unknown>).body)) as { message: string };
  t.match(message, 'violates PodSecurity "restricted:latest": runAsNonRoot != true');
});
