// Issue #35 against the real apiserver: the WebApp CRD serves v1 and v2, and the apiserver converts
// between them by calling Shipshape's conversion webhook (CONVERT_PATH, a real replica behind the
// dev loop's balancer, its caBundle the dev CA). The two conformance scenarios of Kubernetes'
// test/e2e/apimachinery/crd_conversion_webhook.go, for WebApp:
// - "should be able to convert from CR v1 to CR v2": an object created at v1 reads at v2, converted;
// - "should be able to convert a non homogeneous list of CRs": objects stored under both storage
//   versions (the CRD's storage flipped from v1 to v2 between them), listed at v1 and at v2, every
//   item in the version asked for and fully converted.
// And `kubectl get webapps`, which now asks for the preferred version (v2), prints v2's columns.
import t from 'tap';
import type { WebAppVersion } from '../../src/api/crd.ts';
import { convertWebApp } from '../../src/api/webapp-versions.ts';
import { V2_FIELDS_ANNOTATION } from '../../src/api/v2-fields-annotation.ts';
import { API_GROUP, WEBAPP_CRD_NAME, WEBAPP_PLURAL } from '../../src/constants.ts';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { installCrd } from '../../src/dev/install.ts';
import { createJsonClient } from '../../src/kube/json-client.ts';
import { useNamespace } from '../helpers/control-plane.ts';
import { storedApiVersion, untilStoredAt } from '../helpers/etcd.ts';
import { eventually } from '../helpers/eventually.ts';
import { kubectl } from '../helpers/kubectl.ts';

const env = await startDevEnvironment({ nodes: 0 });
t.teardown(() => env.stop());
const client = createJsonClient(env.kc);
const run = (args: string[]) => kubectl(env.cp.kubeconfigPath, args);

type Object = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
};
const collection = (version: WebAppVersion, namespace: string) =>
  `/apis/${API_GROUP}/${version}/namespaces/${namespace}/${WEBAPP_PLURAL}`;
const create = (version: WebAppVersion, namespace: string, name: string, spec: object) =>
  client.request<Object>('POST', collection(version, namespace), {
    body: { apiVersion: `${API_GROUP}/${version}`, kind: 'WebApp', metadata: { name }, spec },
  });
const get = (version: WebAppVersion, namespace: string, name: string) =>
  client.request<Object>('GET', `${collection(version, namespace)}/${name}`);
const list = async (version: WebAppVersion, namespace: string) =>
  (await client.request<{ items: Object[] }>('GET', collection(version, namespace))).items;

type Stored = Object & {
  metadata: { generation?: number; resourceVersion?: string };
  status?: { observedGeneration?: number };
};
/**
 * Resolves once the reconciler has written the status of this generation and nothing has changed
 * the object for 3 s since (with no nodes, its Deployment's status settles once, and so does the
 * WebApp's).
 */
const settled = (namespace: string, name: string) =>
  eventually(
    `${namespace}/${name} reconciled and quiet`,
    async () => {
      const read = () => client.request<Stored>('GET', `${collection('v1', namespace)}/${name}`);
      const before = await read();
      if (before.status?.observedGeneration !== before.metadata.generation) return false;
      await new Promise((resolve) => setTimeout(resolve, 3000));
      return (await read()).metadata.resourceVersion === before.metadata.resourceVersion;
    },
    60_000,
  );

/** What the hub makes of `object` at `version`: spec and the v2-fields annotation, the parts conversion writes. */
function converted(object: Object, version: WebAppVersion) {
  const result = convertWebApp(object, `${API_GROUP}/${version}`);
  if (!result.ok) throw new Error(result.message);
  return convertedParts(result.object as Object);
}
const convertedParts = (o: Object) => ({
  apiVersion: o.apiVersion,
  spec: o.spec,
  annotation: o.metadata.annotations?.[V2_FIELDS_ANNOTATION],
});

const v1Spec = {
  image: 'nginx:1.27',
  replicas: 2,
  port: 8081,
  env: [{ name: 'GREETING', value: 'hello' }],
  service: { type: 'NodePort', port: 8000 },
  resources: { requests: { cpu: '100m', memory: '64Mi' } },
};

t.test('the CRD is installed as rendered: v1 stored, v2 served, conversion to the dev replica', async (t) => {
  const crd = await client.request<{
    spec: {
      versions: { name: string; served: boolean; storage: boolean }[];
      conversion: { strategy: string; webhook: { clientConfig: { url?: string; caBundle?: string } } };
    };
  }>('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${WEBAPP_CRD_NAME}`);
  t.strictSame(
    crd.spec.versions.map((v) => [v.name, v.served, v.storage]),
    [
      ['v1', true, true],
      ['v2', true, false],
    ],
  );
  t.equal(crd.spec.conversion.strategy, 'Webhook');
  t.equal(crd.spec.conversion.webhook.clientConfig.url, `${env.webhookUrl}/convert-webapps`);
  t.equal(
    Buffer.from(crd.spec.conversion.webhook.clientConfig.caBundle ?? '', 'base64').toString('utf8'),
    env.certs.caPem,
    'the dev CA, as the admission webhooks have it',
  );
});

t.test('a WebApp created at v1 reads at v2 with its fields converted', async (t) => {
  const namespace = await useNamespace(t, env.kc);
  const created = await create('v1', namespace, 'shop', v1Spec);
  t.match(created.spec, v1Spec, 'stored at v1 as sent (defaulting adds nothing here)');

  const v2 = await get('v2', namespace, 'shop');
  t.equal(v2.apiVersion, `${API_GROUP}/v2`);
  t.equal(v2.kind, 'WebApp');
  t.equal(v2.metadata.name, 'shop');
  t.strictSame(
    v2.spec,
    {
      image: 'nginx:1.27',
      replicas: 2,
      ports: [{ name: 'http', containerPort: 8081, servicePort: 8000 }],
      env: [{ name: 'GREETING', value: 'hello' }],
      resources: { requests: { cpu: '100m', memory: '64Mi' } },
      service: { type: 'NodePort' },
    },
    'port and service.port became the first named port; the rest as it was',
  );
  t.notOk(v2.metadata.annotations?.[V2_FIELDS_ANNOTATION], 'nothing v1 lacks, so no v2-fields annotation');
  t.strictSame(convertedParts(await get('v1', namespace, 'shop')).spec, created.spec, 'read at v1: unchanged');
});

t.test('objects stored at v1 and at v2: a LIST at either version returns every one converted', async (t) => {
  const namespace = await useNamespace(t, env.kc);
  // Stored at v1, while v1 is the storage version.
  await create('v1', namespace, 'a-v1-stored', v1Spec);
  await create('v2', namespace, 'b-v1-stored', {
    image: 'nginx:1.27',
    ports: [
      { name: 'web', containerPort: 8080, servicePort: 80 },
      { name: 'metrics', containerPort: 9090 },
    ],
    env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } }],
    autoscaling: { minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 70 },
  });

  // The dev replica's reconciler writes each WebApp's status after it is created; a write after the
  // flip would store the object again, at v2. So the flip waits until both are reconciled and quiet.
  for (const name of ['a-v1-stored', 'b-v1-stored']) await settled(namespace, name);

  const crdPath = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${WEBAPP_CRD_NAME}`;
  const conversion = { kind: 'url', baseUrl: env.webhookUrl, caPem: env.certs.caPem } as const;
  await installCrd(env.kc, { conversion, storageVersion: 'v2' });
  const flipped = await client.request<{ spec: { versions: { name: string; storage: boolean }[] } }>('GET', crdPath);
  t.strictSame(
    flipped.spec.versions.map((v) => [v.name, v.storage]),
    [
      ['v1', false],
      ['v2', true],
    ],
    'v2 is now the storage version',
  );
  t.teardown(() => installCrd(env.kc, { conversion }));

  // The apiserver's CRD handler rebuilds the storage a moment after the change.
  const probes = await useNamespace(t, env.kc, 'probes');
  await untilStoredAt(env.cp, probes, `${API_GROUP}/v2`, (name) => create('v1', probes, name, v1Spec));
  await create('v1', namespace, 'c-v2-stored', { ...v1Spec, replicas: 3 });
  await create('v2', namespace, 'd-v2-stored', {
    image: 'nginx:1.27',
    replicas: 1,
    ports: [{ name: 'http', containerPort: 8080, servicePort: 80 }],
    env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode', optional: true } } }],
  });
  const status = await client.request<{ status: { storedVersions: string[] } }>('GET', crdPath);
  t.strictSame([...status.status.storedVersions].sort(), ['v1', 'v2'], 'the CRD records both storage versions');

  const names = ['a-v1-stored', 'b-v1-stored', 'c-v2-stored', 'd-v2-stored'];
  const inEtcd = await Promise.all(names.map((name) => storedApiVersion(env.cp, namespace, name)));
  t.strictSame(
    inEtcd,
    [`${API_GROUP}/v1`, `${API_GROUP}/v1`, `${API_GROUP}/v2`, `${API_GROUP}/v2`],
    'etcd holds two objects at each version (whichever version they were created at)',
  );
  const atV1 = await list('v1', namespace);
  const atV2 = await list('v2', namespace);
  for (const [version, items] of [
    ['v1', atV1],
    ['v2', atV2],
  ] as const) {
    t.strictSame(
      items.map((o) => o.metadata.name),
      names,
      `LIST at ${version}: every object`,
    );
    t.ok(
      items.every((o) => o.apiVersion === `${API_GROUP}/${version}` && o.kind === 'WebApp'),
      `LIST at ${version}: every item at ${version}`,
    );
  }
  for (const [i, name] of names.entries()) {
    const v1 = atV1[i]!;
    const v2 = atV2[i]!;
    t.strictSame(convertedParts(v1), converted(v2, 'v1'), `${name}: the v1 item is the v2 item converted`);
    t.strictSame(convertedParts(v2), converted(v1, 'v2'), `${name}: the v2 item is the v1 item converted`);
    t.notOk('port' in v2.spec, `${name}: no v1 field at v2`);
    t.notOk('ports' in v1.spec, `${name}: no v2 field at v1`);
  }
  const b = { v1: atV1[1]!, v2: atV2[1]! };
  t.match(b.v2.spec, {
    ports: [
      { name: 'web', containerPort: 8080, servicePort: 80 },
      { name: 'metrics', containerPort: 9090 },
    ],
    env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } }],
    autoscaling: { minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 70 },
  });
  t.match(b.v1.spec, { port: 8080, service: { port: 80 } }, 'at v1: the first port');
  t.ok(b.v1.metadata.annotations?.[V2_FIELDS_ANNOTATION], 'at v1: what v1 cannot say travels in the annotation');
  t.match(atV2[3]!.spec, {
    env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode', optional: true } } }],
  });
  t.match(atV1[2]!.spec, { replicas: 3, port: 8081 }, 'created at v1 after the flip, read back at v1');
});

t.test('kubectl get webapps / wa / shipshape asks for the preferred version, v2, and prints its columns', async (t) => {
  const namespace = await useNamespace(t, env.kc);
  await create('v1', namespace, 'web', v1Spec);
  for (const resource of ['webapps', 'wa', 'shipshape']) {
    const out = await run(['get', resource, '-n', namespace]);
    t.equal(out.code, 0, out.stderr);
    const [header, row, ...rest] = out.stdout.trimEnd().split('\n');
    t.match(header, /^NAME\s+IMAGE\s+REPLICAS\s+PHASE\s+AGE$/, `get ${resource}: v2's headers`);
    t.match(row, /^(webapp\.shipshape\.dev\/)?web\s+nginx:1\.27\s+2\s+/, `get ${resource}: row`);
    t.strictSame(rest, []);
  }
  const wide = await run(['get', 'webapps', '-n', namespace, '-o', 'wide']);
  t.equal(wide.code, 0, wide.stderr);
  t.match(
    wide.stdout.split('\n')[0],
    /^NAME\s+IMAGE\s+REPLICAS\s+PHASE\s+AGE\s+READY\s+AVAILABLE\s+SERVICE\s+MAX REPLICAS$/,
    '-o wide',
  );
  const v1 = await run(['get', 'webapps.v1.shipshape.dev', '-n', namespace]);
  t.equal(v1.code, 0, v1.stderr);
  t.match(v1.stdout.split('\n')[0], /^NAME\s+IMAGE\s+REPLICAS\s+PORT\s+PHASE\s+AGE$/, 'v1 when asked for');
  const yaml = await run(['get', 'webapps', 'web', '-n', namespace, '-o', 'jsonpath={.apiVersion} {.spec.ports}']);
  t.equal(yaml.code, 0, yaml.stderr);
  t.match(yaml.stdout, /^shipshape\.dev\/v2 \[\{"containerPort":8081,"name":"http","servicePort":8000\}\]$/);
});
