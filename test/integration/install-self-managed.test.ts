// The install without cert-manager (overlays/self-managed-certificates, from
// src/manifests/self-managed-certificates.ts) as kubectl renders it and a real kube-apiserver
// without cert-manager's CRDs takes it: the default install less the cert-manager objects, plus
// the certificates' RBAC, accepted by a server dry run and then applied; and that RBAC proven by
// use, with a token of Shipshape's ServiceAccount, for what it grants and what it refuses.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig, type V1Container, type V1Deployment } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import t from 'tap';
import {
  MUTATING_CONFIGURATION_NAME,
  SHIPSHAPE_NAMESPACE,
  VALIDATING_CONFIGURATION_NAME,
  WEBAPP_CRD_NAME,
  WEBHOOK_SERVICE_NAME,
} from '../../src/constants.ts';
import { type JsonClient, KubeApiError, createJsonClient } from '../../src/kube/json-client.ts';
import {
  SELF_MANAGED_CERTIFICATES_OVERLAY,
  SERVICE_ACCOUNT_NAME,
  TLS_MOUNT_PATH,
  TLS_SECRET_NAME,
} from '../../src/manifests/install-names.ts';
import { useControlPlane } from '../helpers/control-plane.ts';
import { kubectl } from '../helpers/kubectl.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OVERLAY = join(ROOT, SELF_MANAGED_CERTIFICATES_OVERLAY);
const DEPLOY = join(ROOT, 'deploy');

const { cp } = await useControlPlane(t, { nodes: 0 });
const run = (args: string[], input?: string) => kubectl(cp.kubeconfigPath, args, input);

type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
};
const key = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** `kubectl kustomize dir`: its text and its objects by key. */
async function kustomize(dir: string): Promise<{ text: string; objects: Map<string, KubeObject> }> {
  const out = await run(['kustomize', dir]);
  if (out.code !== 0) throw new Error(`kubectl kustomize ${dir}: ${out.stderr}`);
  const objects = parseAllDocuments(out.stdout).map((d) => d.toJS() as KubeObject);
  return { text: out.stdout, objects: new Map(objects.map((o) => [key(o), o])) };
}

const base = await kustomize(DEPLOY);
const overlay = await kustomize(OVERLAY);
const isCertManager = (o: KubeObject) => o.apiVersion.startsWith('cert-manager.io/');

/** The lines `kubectl apply --dry-run=server` prints, as `kind/name` (lower-case kind, group dropped). */
const dryRunObjects = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.endsWith('(server dry run)'))
    .map((l) => l.split(' ')[0]!.replace(/\.[^/]*\//, '/'));

t.test(
  'the overlay renders the default install less cert-manager’s objects, plus the certificates’ RBAC',
  async (t) => {
    const certManager = [...base.objects.values()].filter(isCertManager).map(key);
    t.strictSame(certManager.sort(), [
      'Certificate/shipshape-system/shipshape-ca',
      'Certificate/shipshape-system/shipshape-webhook',
      'Issuer/shipshape-system/shipshape-ca',
      'Issuer/shipshape-system/shipshape-selfsigned',
    ]);
    const expected = [
      ...[...base.objects.keys()].filter((k) => !certManager.includes(k)),
      'Role/shipshape-system/shipshape-certificates',
      'RoleBinding/shipshape-system/shipshape-certificates',
      'ClusterRole/shipshape-certificates',
      'ClusterRoleBinding/shipshape-certificates',
    ];
    t.strictSame([...overlay.objects.keys()].sort(), expected.sort());
  },
);

t.test('no object of the overlay mentions cert-manager.io (no annotation, no apiVersion)', async (t) => {
  t.match(base.text, 'cert-manager.io/inject-ca-from', 'the default install does (the check has teeth)');
  t.notMatch(overlay.text, /cert-manager\.io/);
});

/** An object with its empty lists and maps dropped: kustomize leaves `volumes: []` where it deleted the last. */
const compact = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(compact);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value)
    .map(([k, v]) => [k, compact(v)] as const)
    .filter(
      ([, v]) => !(Array.isArray(v) && v.length === 0) && !(v && typeof v === 'object' && !Object.keys(v).length),
    );
  return Object.fromEntries(entries);
};

t.test('the Deployment runs the mode, without the Secret volume, and is otherwise the default’s', async (t) => {
  const deployment = overlay.objects.get(`Deployment/${SHIPSHAPE_NAMESPACE}/shipshape`) as V1Deployment;
  const pod = deployment.spec!.template.spec!;
  const container = pod.containers.find((c) => c.name === 'shipshape')!;
  t.ok(
    container.env?.some((e) => e.name === 'SHIPSHAPE_CERTIFICATES' && e.value === 'self-managed'),
    'SHIPSHAPE_CERTIFICATES=self-managed',
  );
  t.notOk(
    pod.volumes?.some((v) => v.secret?.secretName === TLS_SECRET_NAME),
    'no volume of the TLS Secret',
  );
  t.notOk(
    container.volumeMounts?.some((m) => m.mountPath === TLS_MOUNT_PATH),
    `nothing mounted at ${TLS_MOUNT_PATH}`,
  );

  const expected = structuredClone(base.objects.get(`Deployment/${SHIPSHAPE_NAMESPACE}/shipshape`)) as V1Deployment;
  const expectedPod = expected.spec!.template.spec!;
  const tlsVolume = expectedPod.volumes!.find((v) => v.secret?.secretName === TLS_SECRET_NAME)!;
  t.ok(tlsVolume, 'the default mounts the Secret (the check has teeth)');
  expectedPod.volumes = expectedPod.volumes!.filter((v) => v !== tlsVolume);
  const expectedContainer = expectedPod.containers[0]!;
  expectedContainer.volumeMounts = expectedContainer.volumeMounts!.filter((m) => m.name !== tlsVolume.name);
  expectedContainer.env = [...expectedContainer.env!, { name: 'SHIPSHAPE_CERTIFICATES', value: 'self-managed' }];
  const byName = (c: V1Container) => ({ ...c, env: [...(c.env ?? [])].sort((a, b) => a.name.localeCompare(b.name)) });
  expectedPod.containers = expectedPod.containers.map(byName);
  pod.containers = pod.containers.map(byName);
  t.strictSame(compact(deployment), compact(expected), 'nothing else changed');
});

t.test(
  'every other object is the default install’s own, the webhook configurations and CRD less the annotation',
  async (t) => {
    for (const [k, o] of overlay.objects) {
      if (k.startsWith('Deployment/') || /certificates$/.test(k)) continue;
      const expected = structuredClone(base.objects.get(k)!);
      // Each object with a caBundle to inject: the webhook configurations, and a CRD with a
      // conversion webhook (WebApp's; MySQLCluster's has one version and none).
      const conversion = (expected as { spec?: { conversion?: { strategy?: string } } }).spec?.conversion;
      if (
        /WebhookConfiguration\//.test(k) ||
        (/CustomResourceDefinition\//.test(k) && conversion?.strategy === 'Webhook')
      ) {
        t.ok(expected.metadata.annotations?.['cert-manager.io/inject-ca-from'], `${k} has it in deploy/`);
        delete expected.metadata.annotations;
      }
      t.strictSame(o, expected, k);
    }
  },
);

t.test('kubectl apply -k of the overlay, on an apiserver without cert-manager’s CRDs', async (t) => {
  const groups = await run(['api-resources', '--api-group=cert-manager.io', '-o', 'name']);
  t.equal(groups.code, 0, groups.stderr);
  t.equal(groups.stdout.trim(), '', 'the apiserver serves no cert-manager.io resource');

  // Namespaced objects need their Namespace for a dry run: the Namespace and the CRD go first.
  const setup = await run([
    'apply',
    '-f',
    join(ROOT, 'deploy/namespace.yaml'),
    '-f',
    join(ROOT, 'crds/webapps.shipshape.dev.yaml'),
  ]);
  t.equal(setup.code, 0, setup.stderr);

  const refused = await run(['apply', '--dry-run=server', '-k', DEPLOY]);
  t.not(refused.code, 0, 'deploy/ itself is refused there (the check has teeth)');
  t.match(refused.stderr, /no matches for kind "(Issuer|Certificate)" in version "cert-manager\.io\/v1"/);

  const dryRun = await run(['apply', '--dry-run=server', '-k', OVERLAY]);
  t.equal(dryRun.code, 0, dryRun.stderr);
  const accepted = dryRunObjects(dryRun.stdout);
  t.equal(accepted.length, overlay.objects.size, `one line per object:\n${dryRun.stdout}`);
  for (const o of overlay.objects.values()) {
    t.ok(accepted.includes(`${o.kind.toLowerCase()}/${o.metadata.name}`), `${key(o)} accepted`);
  }

  const applied = await run(['apply', '-k', OVERLAY]);
  t.equal(applied.code, 0, applied.stderr);
  t.notMatch(applied.stderr, /PodSecurity/, 'the Deployment still meets the Namespace’s Pod Security level');
});

// What the kubelet would mount for the ServiceAccount: a bound token from the TokenRequest API,
// asked for once the overlay has been applied (the subtests run in order, after this file's body).
const admin = new KubeConfig();
admin.loadFromFile(cp.kubeconfigPath);
const asAdmin = createJsonClient(admin);
let serviceAccountClient: Promise<JsonClient> | undefined;
/** A client that presents only the ServiceAccount's token, as the replicas do. */
function asServiceAccount(): Promise<JsonClient> {
  serviceAccountClient ??= asAdmin
    .request<{ status?: { token?: string } }>(
      'POST',
      `/api/v1/namespaces/${SHIPSHAPE_NAMESPACE}/serviceaccounts/${SERVICE_ACCOUNT_NAME}/token`,
      { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } } },
    )
    .then(({ status }) => {
      if (!status?.token) throw new Error('TokenRequest returned no token');
      const kc = new KubeConfig();
      kc.loadFromClusterAndUser(
        { name: 'cluster', server: cp.server, caData: Buffer.from(cp.caPem).toString('base64'), skipTLSVerify: false },
        { name: 'shipshape', token: status.token },
      );
      return createJsonClient(kc);
    });
  return serviceAccountClient;
}
const user = `system:serviceaccount:${SHIPSHAPE_NAMESPACE}:${SERVICE_ACCOUNT_NAME}`;

/** 200 when the call succeeds, else the apiserver's status and message. */
async function outcome(call: Promise<unknown>): Promise<{ code: number; message?: string }> {
  try {
    await call;
    return { code: 200 };
  } catch (err) {
    if (!(err instanceof KubeApiError)) throw err;
    return { code: err.status, message: err.message };
  }
}

const secrets = (namespace: string) => `/api/v1/namespaces/${namespace}/secrets`;
const ownSecret = `${secrets(SHIPSHAPE_NAMESPACE)}/${TLS_SECRET_NAME}`;
const mergePatch = { contentType: 'application/merge-patch+json' };
type WatchEvent = { type: string; object: KubeObject };
/**
 * The events of a watch that the apiserver ends after a second. They come one per line; the client
 * parses an answer of one line as JSON and hands back any other as text.
 */
async function watch(client: JsonClient, path: string, query: Record<string, string> = {}): Promise<WatchEvent[]> {
  const answer = await client.request<unknown>('GET', path, {
    query: { ...query, watch: 'true', timeoutSeconds: '1' },
  });
  if (answer === undefined) return [];
  if (typeof answer !== 'string') return [answer as WatchEvent];
  return answer
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as WatchEvent);
}

t.test('the ServiceAccount creates the one Secret, then reads, watches, updates and patches it', async (t) => {
  const sa = await asServiceAccount();
  const body = { apiVersion: 'v1', kind: 'Secret', metadata: { name: TLS_SECRET_NAME }, data: {} };
  t.equal((await outcome(sa.request('POST', secrets(SHIPSHAPE_NAMESPACE), { body }))).code, 200, 'create');
  const read = await sa.request<{ metadata: object }>('GET', ownSecret);
  t.equal((read.metadata as { name?: string }).name, TLS_SECRET_NAME, 'get');
  const updated = { ...read, data: { 'ca.crt': Buffer.from('bundle').toString('base64') } };
  t.equal((await outcome(sa.request('PUT', ownSecret, { body: updated }))).code, 200, 'update');
  const patch = { metadata: { annotations: { 'shipshape.dev/test': 'patched' } } };
  t.equal((await outcome(sa.request('PATCH', ownSecret, { ...mergePatch, body: patch }))).code, 200, 'patch');

  // As the replicas read it: a list and a watch limited by name with a field selector.
  const byName = { fieldSelector: `metadata.name=${TLS_SECRET_NAME}` };
  const listed = await sa.request<{ items: { metadata: { annotations?: object } }[] }>(
    'GET',
    secrets(SHIPSHAPE_NAMESPACE),
    { query: byName },
  );
  t.strictSame(listed.items[0]?.metadata.annotations, { 'shipshape.dev/test': 'patched' }, 'list by name');
  const events = await watch(sa, secrets(SHIPSHAPE_NAMESPACE), byName);
  t.strictSame(
    events.map((e) => [e.type, e.object.metadata.name]),
    [['ADDED', TLS_SECRET_NAME]],
    'watch by name',
  );
});

t.test('no other Secret: not read, listed, updated or deleted, nor its own deleted', async (t) => {
  const sa = await asServiceAccount();
  const other = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'someone-elses' }, data: {} };
  await asAdmin.request('POST', secrets(SHIPSHAPE_NAMESPACE), { body: other });
  const otherPath = `${secrets(SHIPSHAPE_NAMESPACE)}/someone-elses`;

  const get = await outcome(sa.request('GET', otherPath));
  t.equal(get.code, 403, 'get another Secret');
  t.match(get.message, `User "${user}" cannot get resource "secrets" in API group "" in the namespace`);
  t.equal((await outcome(sa.request('PUT', otherPath, { body: other }))).code, 403, 'update it');
  const patch = { metadata: { labels: { stolen: 'yes' } } };
  t.equal((await outcome(sa.request('PATCH', otherPath, { ...mergePatch, body: patch }))).code, 403, 'patch it');
  t.equal((await outcome(sa.request('DELETE', otherPath))).code, 403, 'delete it');
  t.equal((await outcome(sa.request('DELETE', ownSecret))).code, 403, 'delete its own');
  t.equal((await outcome(sa.request('GET', secrets(SHIPSHAPE_NAMESPACE)))).code, 403, 'list them all');
  t.equal((await outcome(watch(sa, secrets(SHIPSHAPE_NAMESPACE)))).code, 403, 'watch them all');
  // Creating a Secret anywhere is the one write on Secrets beyond its own namespace: MySQLCluster's
  // root password Secrets (decision 21). Created, it cannot be read back, changed or deleted.
  const elsewhere = { ...other, metadata: { name: TLS_SECRET_NAME } };
  t.equal(
    (await outcome(sa.request('POST', secrets('default'), { body: elsewhere }))).code,
    200,
    'create one in another namespace (a MySQLCluster root password Secret)',
  );
  const created = `${secrets('default')}/${TLS_SECRET_NAME}`;
  t.teardown(() => asAdmin.request('DELETE', created).catch(() => {}));
  t.equal((await outcome(sa.request('GET', created))).code, 403, 'and not read it back');
  t.equal((await outcome(sa.request('DELETE', created))).code, 403, 'nor delete it');
  // The cost of create without a name: it reaches any name in the namespace, though no more than that.
  const another = { ...other, metadata: { name: 'created-by-shipshape' } };
  t.equal((await outcome(sa.request('POST', secrets(SHIPSHAPE_NAMESPACE), { body: another }))).code, 200);
});

const configurations = {
  mutatingwebhookconfigurations: MUTATING_CONFIGURATION_NAME,
  validatingwebhookconfigurations: VALIDATING_CONFIGURATION_NAME,
};
const configurationPath = (resource: string, name: string) =>
  `/apis/admissionregistration.k8s.io/v1/${resource}/${name}`;

t.test('it patches the caBundle of its own two webhook configurations, and no other', async (t) => {
  const sa = await asServiceAccount();
  const caBundle = Buffer.from(cp.caPem).toString('base64');
  const inject = [{ op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: caBundle }];
  const jsonPatch = { contentType: 'application/json-patch+json' };
  for (const [resource, name] of Object.entries(configurations)) {
    const path = configurationPath(resource, name);
    t.equal((await outcome(sa.request('PATCH', path, { ...jsonPatch, body: inject }))).code, 200, name);
    const stored = await asAdmin.request<{ webhooks: { clientConfig: { caBundle?: string } }[] }>('GET', path);
    t.equal(stored.webhooks[0]!.clientConfig.caBundle, caBundle, `${name}: the caBundle is stored`);
    t.equal((await outcome(sa.request('DELETE', path))).code, 403, `${name}: not deleted`);

    const kind =
      resource === 'mutatingwebhookconfigurations' ? 'MutatingWebhookConfiguration' : 'ValidatingWebhookConfiguration';
    const other = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind,
      metadata: { name: 'someone-else' },
      webhooks: [],
    };
    await asAdmin.request('POST', `/apis/admissionregistration.k8s.io/v1/${resource}`, { body: other });
    const patchOther = await outcome(
      sa.request('PATCH', configurationPath(resource, 'someone-else'), {
        ...mergePatch,
        body: { metadata: { labels: { stolen: 'yes' } } },
      }),
    );
    t.equal(patchOther.code, 403, `another ${kind}`);
    t.match(patchOther.message, `cannot patch resource "${resource}"`);
  }
});

t.test('it patches the caBundle of the WebApp CRD’s conversion webhook, and no other CRD', async (t) => {
  const sa = await asServiceAccount();
  const caBundle = Buffer.from(cp.caPem).toString('base64');
  const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${WEBAPP_CRD_NAME}`;
  // As the leader injects it (src/kube/ca-bundle-targets.ts): guarded by a test of the strategy.
  const inject = [
    { op: 'test', path: '/spec/conversion/strategy', value: 'Webhook' },
    { op: 'add', path: '/spec/conversion/webhook/clientConfig/caBundle', value: caBundle },
  ];
  const jsonPatch = { contentType: 'application/json-patch+json' };
  t.equal((await outcome(sa.request('PATCH', path, { ...jsonPatch, body: inject }))).code, 200, 'patch');
  const stored = await asAdmin.request<{ spec: { conversion: { webhook: { clientConfig: { caBundle?: string } } } } }>(
    'GET',
    path,
  );
  t.equal(stored.spec.conversion.webhook.clientConfig.caBundle, caBundle, 'the caBundle is stored');
  t.equal((await outcome(sa.request('DELETE', path))).code, 403, 'not deleted');
  t.equal((await outcome(sa.request('GET', path))).code, 200, 'read (the caBundle check, from deploy/)');

  const other = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'others.example.com' },
    spec: {
      group: 'example.com',
      names: { kind: 'Other', plural: 'others' },
      scope: 'Namespaced',
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
    },
  };
  await asAdmin.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: other });
  const patchOther = await outcome(
    sa.request('PATCH', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/others.example.com', {
      ...mergePatch,
      body: { metadata: { labels: { stolen: 'yes' } } },
    }),
  );
  t.equal(patchOther.code, 403, 'another CRD');
  t.match(patchOther.message, 'cannot patch resource "customresourcedefinitions"');
});

t.test('it lists and watches EndpointSlices in its namespace, in no other', async (t) => {
  const sa = await asServiceAccount();
  const slices = (namespace: string) => `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`;
  const ofService = { labelSelector: `kubernetes.io/service-name=${WEBHOOK_SERVICE_NAME}` };
  const own = await outcome(sa.request('GET', slices(SHIPSHAPE_NAMESPACE), { query: ofService }));
  t.equal(own.code, 200, 'list in its namespace');
  t.equal((await outcome(watch(sa, slices(SHIPSHAPE_NAMESPACE), ofService))).code, 200, 'watch in its namespace');
  const other = await outcome(sa.request('GET', slices('default')));
  t.equal(other.code, 403, 'list in another namespace');
  t.match(
    other.message,
    `cannot list resource "endpointslices" in API group "discovery.k8s.io" in the namespace "default"`,
  );
  t.equal(
    (await outcome(sa.request('GET', '/apis/discovery.k8s.io/v1/endpointslices'))).code,
    403,
    'across the cluster',
  );
});
