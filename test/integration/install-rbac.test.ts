// RBAC proven by use: the rendered ServiceAccount, ClusterRole, Role and bindings are applied to
// a real apiserver (RBAC authorization), Shipshape runs in-cluster style with a token of that
// ServiceAccount from the TokenRequest API, becomes ready, wins the Lease and reconciles a WebApp;
// and the same token is refused what the roles leave out.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdmissionregistrationV1Api,
  ApiException,
  ApiextensionsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
} from '@kubernetes/client-node';
import t from 'tap';
import {
  FINALIZER,
  MUTATING_CONFIGURATION_NAME,
  SHIPSHAPE_NAMESPACE,
  VALIDATING_CONFIGURATION_NAME,
  WEBAPP_CRD_NAME,
} from '../../src/constants.ts';
import { writeDevCertificates } from '../../src/dev/dev-certificates.ts';
import { startShipshapeProcess } from '../../src/dev/shipshape-process.ts';
import { LEASE_NAME, SERVICE_ACCOUNT_NAME } from '../../src/manifests/install-names.ts';
import { useControlPlane, useNamespace } from '../helpers/control-plane.ts';
import { eventually, settled } from '../helpers/eventually.ts';
import { applyCrdAndRbac } from '../helpers/install.ts';
import { kubectl } from '../helpers/kubectl.ts';
import { clients } from '../helpers/webapps.ts';

const { cp, kc } = await useControlPlane(t, { nodes: 0 });
const admin = clients(kc);
const work = await mkdtemp(join(tmpdir(), 'shipshape-rbac-'));
t.teardown(() => rm(work, { recursive: true, force: true }));

// As a user installs them: the CRD, the Namespace and the rendered RBAC, with kubectl.
await applyCrdAndRbac(cp.kubeconfigPath);

// What the kubelet would mount at /var/run/secrets/kubernetes.io/serviceaccount: a bound token
// from the TokenRequest API, the cluster's CA and the namespace.
const { status } = await admin.core.createNamespacedServiceAccountToken({
  namespace: SHIPSHAPE_NAMESPACE,
  name: SERVICE_ACCOUNT_NAME,
  body: { spec: { audiences: [], expirationSeconds: 3600 } },
});
if (!status?.token) throw new Error('TokenRequest returned no token');
const token = status.token;
const serviceAccountDir = join(work, 'serviceaccount');
await mkdir(serviceAccountDir);
await writeFile(join(serviceAccountDir, 'token'), token);
await writeFile(join(serviceAccountDir, 'ca.crt'), cp.caPem);
await writeFile(join(serviceAccountDir, 'namespace'), SHIPSHAPE_NAMESPACE);

/** A client that presents only the ServiceAccount's token. */
const asServiceAccount = new KubeConfig();
asServiceAccount.loadFromClusterAndUser(
  { name: 'cluster', server: cp.server, caData: Buffer.from(cp.caPem).toString('base64'), skipTLSVerify: false },
  { name: 'shipshape', token },
);

const apiserver = new URL(cp.server);
const logPath = join(work, 'shipshape.log');
const shipshape = await startShipshapeProcess({
  kubeconfigPath: '',
  certs: await writeDevCertificates(join(work, 'certs')),
  podName: 'shipshape-rbac-0',
  logPath,
  env: {
    // In-cluster configuration only: no kubeconfig, no ~/.kube/config.
    KUBECONFIG: '',
    HOME: work,
    KUBERNETES_SERVICE_HOST: apiserver.hostname,
    KUBERNETES_SERVICE_PORT: apiserver.port,
    SHIPSHAPE_SERVICE_ACCOUNT_DIR: serviceAccountDir,
  },
  readyTimeoutMs: 60_000,
});
t.teardown(() => shipshape.stop());

async function refusal(call: () => Promise<unknown>): Promise<{ code: number; message: string } | undefined> {
  try {
    await call();
    return undefined;
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    return { code: err.code, message: (JSON.parse(String(err.body)) as { message: string }).message };
  }
}

const user = `system:serviceaccount:${SHIPSHAPE_NAMESPACE}:${SERVICE_ACCOUNT_NAME}`;

t.test('Shipshape runs in-cluster on that token: ready (namespace cache synced) and the Lease holder', async (t) => {
  t.equal(shipshape.isRunning(), true);
  const leases = kc.makeApiClient(CoordinationV1Api);
  const lease = await eventually('the Lease is held', async () => {
    const l = await leases.readNamespacedLease({ namespace: SHIPSHAPE_NAMESPACE, name: LEASE_NAME });
    return l.spec?.holderIdentity ? l : undefined;
  });
  t.match(lease.spec?.holderIdentity, /^shipshape-rbac-0_/);
  const audit = await kubectl(cp.kubeconfigPath, [
    'auth',
    'can-i',
    'update',
    `leases/${LEASE_NAME}`,
    '-n',
    SHIPSHAPE_NAMESPACE,
    '--as',
    user,
  ]);
  t.equal(audit.stdout.trim(), 'yes', 'through the Role, not a wider grant');
});

t.test('it reconciles a WebApp into its children, with status, Events and the finalizer', async (t) => {
  const ns = await useNamespace(t, kc, 'rbac');
  // With its Service port, as the mutating webhook (not registered here) stores a v1 WebApp: one
  // without spec.service.port is a v2 port kept off the Service (decisions/0020), and gets none.
  await admin.createWebApp(ns, 'shop', { image: 'nginx:1.27', replicas: 1, port: 8080, service: { port: 80 } });
  const converged = await eventually(
    'shop converged',
    async () => {
      const webApp = await admin.getWebApp(ns, 'shop');
      if (webApp.status?.observedGeneration !== webApp.metadata.generation) return undefined;
      const deployment = await admin.apps.readNamespacedDeployment({ namespace: ns, name: 'shop' });
      const service = await admin.core.readNamespacedService({ namespace: ns, name: 'shop' });
      const configMap = await admin.core.readNamespacedConfigMap({ namespace: ns, name: 'shop-env' });
      return { webApp, deployment, service, configMap };
    },
    30_000,
  );
  t.equal(converged.deployment.spec?.template.spec?.containers[0]?.image, 'nginx:1.27');
  t.equal(converged.deployment.metadata?.ownerReferences?.[0]?.blockOwnerDeletion, true, 'owned, blocking deletion');
  t.ok(converged.webApp.metadata.finalizers?.includes(FINALIZER), 'carries the finalizer');
  const events = await eventually('a Created Event', async () => {
    const list = await admin.core.listNamespacedEvent({ namespace: ns });
    return list.items.some((e) => e.reason === 'Created') ? list : undefined;
  });
  t.ok(events.items.length > 0);

  await admin.custom.deleteNamespacedCustomObject({
    group: 'shipshape.dev',
    version: 'v1',
    plural: 'webapps',
    namespace: ns,
    name: 'shop',
  });
  /** Whether the object is still there: false on 404, any other failure thrown. */
  const present = (read: Promise<unknown>) =>
    read.then(
      () => true,
      (e: unknown) => (e instanceof ApiException && e.code === 404 ? false : Promise.reject(e)),
    );
  const nothingLeft = { webApp: false, deployment: false, service: false, configMap: false };
  const left = await settled(
    async () => ({
      webApp: await present(admin.getWebApp(ns, 'shop')),
      deployment: await present(admin.apps.readNamespacedDeployment({ namespace: ns, name: 'shop' })),
      service: await present(admin.core.readNamespacedService({ namespace: ns, name: 'shop' })),
      configMap: await present(admin.core.readNamespacedConfigMap({ namespace: ns, name: 'shop-env' })),
    }),
    nothingLeft,
  );
  t.strictSame(left, nothingLeft, 'within 15 s the WebApp and its children are gone: the finalizer let it go');
});

t.test('the token is refused what the roles leave out', async (t) => {
  const core = asServiceAccount.makeApiClient(CoreV1Api);
  const leases = asServiceAccount.makeApiClient(CoordinationV1Api);
  const webApps = await core.listNamespace();
  t.ok(webApps.items.length > 0, 'the token works: Namespaces can be listed');

  const secrets = await refusal(() => core.listNamespacedSecret({ namespace: SHIPSHAPE_NAMESPACE }));
  t.equal(secrets?.code, 403, 'Secrets, even in its own namespace');
  t.match(secrets?.message, `User "${user}" cannot list resource "secrets"`);

  const secret = await refusal(() => core.readNamespacedSecret({ namespace: SHIPSHAPE_NAMESPACE, name: 'any' }));
  t.equal(secret?.code, 403, 'one Secret by name');

  const otherLease = await refusal(() => leases.readNamespacedLease({ namespace: 'default', name: LEASE_NAME }));
  t.equal(otherLease?.code, 403, 'a Lease in another namespace');
  t.match(
    otherLease?.message,
    `cannot get resource "leases" in API group "coordination.k8s.io" in the namespace "default"`,
  );

  const created = await refusal(() =>
    leases.createNamespacedLease({ namespace: 'default', body: { metadata: { name: 'stolen' }, spec: {} } }),
  );
  t.equal(created?.code, 403, 'creating a Lease in another namespace');

  const otherName = await refusal(() =>
    leases.readNamespacedLease({ namespace: SHIPSHAPE_NAMESPACE, name: 'someone-elses-lease' }),
  );
  t.equal(otherName?.code, 403, 'another Lease by name in its own namespace');

  const namespace = await refusal(() => core.deleteNamespace({ name: 'default' }));
  t.equal(namespace?.code, 403, 'Namespaces are read-only');
  const admission = asServiceAccount.makeApiClient(AdmissionregistrationV1Api);
  const everyConfiguration = await refusal(() => admission.listValidatingWebhookConfiguration());
  t.equal(everyConfiguration?.code, 403, 'webhook configurations: only its own two, by name');
  const ownByName = await admission.listValidatingWebhookConfiguration({
    fieldSelector: `metadata.name=${VALIDATING_CONFIGURATION_NAME}`,
  });
  t.ok(Array.isArray(ownByName.items), 'its own, listed by field selector as the caBundle check does');
  const ext = asServiceAccount.makeApiClient(ApiextensionsV1Api);
  const everyCrd = await refusal(() => ext.listCustomResourceDefinition());
  t.equal(everyCrd?.code, 403, 'CRDs: only the WebApp CRD, by name');
  const crd = await ext.listCustomResourceDefinition({ fieldSelector: `metadata.name=${WEBAPP_CRD_NAME}` });
  t.equal(crd.items.length, 1, 'the WebApp CRD, listed by field selector as the caBundle check does');
  const changed = await refusal(() =>
    ext.patchCustomResourceDefinition({
      name: WEBAPP_CRD_NAME,
      body: [{ op: 'add', path: '/metadata/labels', value: {} }],
    }),
  );
  t.equal(changed?.code, 403, 'the WebApp CRD is read-only (only the self-managed variant patches its caBundle)');
});

t.test('nothing Shipshape did was forbidden', async (t) => {
  const log = await readFile(logPath, 'utf8');
  t.notMatch(log, /forbidden|"code":403|HTTP 403/i, 'no 403 in its log');
  for (const name of [MUTATING_CONFIGURATION_NAME, VALIDATING_CONFIGURATION_NAME, WEBAPP_CRD_NAME]) {
    t.match(log, new RegExp(`"type":"CABundleVerified".*"configuration":"${name}"`), `the caBundle check read ${name}`);
  }
});
