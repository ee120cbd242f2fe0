// The rendered WebApp CRD against a real kube-apiserver: accepted as structural (both versions),
// declared fields stored as sent, unknown ones pruned, invalid values rejected, printer columns and
// the status subresource as kubectl users see them. No Shipshape runs here, so nothing can convert:
// everything is read and written at v1, the storage version, which needs no webhook (the version
// conversions are test/integration/crd-conversion.test.ts's). kubectl is told the version, since
// unqualified it asks for the preferred one, v2.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import {
  ApiException,
  ApiextensionsV1Api,
  CustomObjectsApi,
  loadYaml,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import t from 'tap';
import { renderCrdYaml, toWebAppCrd } from '../../src/api/crd.ts';
import type { WebApp, WebAppSpec } from '../../src/api/webapp.ts';
import { API_GROUP, API_VERSION, WEBAPP_API_VERSION, WEBAPP_CRD_NAME, WEBAPP_PLURAL } from '../../src/constants.ts';
import { useControlPlane, useNamespace } from '../helpers/control-plane.ts';

const run = promisify(execFile);

const { cp, kc } = await useControlPlane(t);
const ext = kc.makeApiClient(ApiextensionsV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);

async function kubectl(...args: string[]): Promise<string> {
  const flags = ['--kubeconfig', cp.kubeconfigPath, '--cache-dir', join(cp.dir, 'kubectl-cache')];
  return (await run(cp.kubectl, [...flags, ...args])).stdout;
}

function target(namespace: string) {
  return { group: API_GROUP, version: API_VERSION, namespace, plural: WEBAPP_PLURAL };
}

function webApp(name: string, spec: unknown) {
  return { apiVersion: WEBAPP_API_VERSION, kind: 'WebApp', metadata: { name }, spec };
}

async function create(namespace: string, name: string, spec: unknown): Promise<WebApp> {
  return (await custom.createNamespacedCustomObject({ ...target(namespace), body: webApp(name, spec) })) as WebApp;
}

async function get(namespace: string, name: string): Promise<WebApp> {
  return (await custom.getNamespacedCustomObject({ ...target(namespace), name })) as WebApp;
}

const fullSpec: WebAppSpec = {
  image: 'nginx:1.27',
  replicas: 2,
  port: 8080,
  env: [{ name: 'GREETING', value: 'hello' }, { name: 'EMPTY' }],
  resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: 1, memory: '2Gi' } },
  service: { type: 'NodePort', port: 80 },
};

t.test('the apiserver accepts the CRD, establishes it and keeps its schema verbatim', async (t) => {
  // Through loadYaml, not the literal: client-node's model spells `enum` as `_enum` and drops
  // `x-kubernetes-int-or-string`, so a plain wire-form object would lose them on the way out.
  await ext.createCustomResourceDefinition({ body: loadYaml<V1CustomResourceDefinition>(renderCrdYaml()) });
  let established = false;
  for (let i = 0; i < 100 && !established; i++) {
    const crd = await ext.readCustomResourceDefinition({ name: WEBAPP_CRD_NAME });
    established = !!crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    if (!established) await sleep(100);
  }
  t.ok(established, 'Established=True within 10 s');
  const stored = JSON.parse(await kubectl('get', 'crd', WEBAPP_CRD_NAME, '-o', 'json')) as ReturnType<
    typeof toWebAppCrd
  >;
  for (const [i, sent] of toWebAppCrd().spec.versions.entries()) {
    const name = sent.name;
    t.equal(stored.spec.versions[i]?.name, name);
    t.strictSame(
      stored.spec.versions[i]?.schema,
      sent.schema,
      `${name}: the stored schema is exactly the rendered one`,
    );
    t.strictSame(stored.spec.versions[i]?.additionalPrinterColumns, sent.additionalPrinterColumns);
    t.strictSame(
      [stored.spec.versions[i]?.served, stored.spec.versions[i]?.storage],
      [sent.served, sent.storage],
      `${name}: served and storage as rendered`,
    );
  }
  t.strictSame(stored.spec.names, toWebAppCrd().spec.names);
  t.strictSame(stored.spec.conversion, toWebAppCrd().spec.conversion, 'the conversion webhook as rendered');
  const status = (stored as { status?: { storedVersions?: string[] } }).status;
  t.strictSame(status?.storedVersions, ['v1'], 'stored at v1');
});

t.test('a WebApp using every spec field is stored unchanged', async (t) => {
  const namespace = await useNamespace(t, kc);
  await create(namespace, 'full', fullSpec);
  t.strictSame((await get(namespace, 'full')).spec, fullSpec, "quantities keep their form: '500m', '1Gi', 1");
});

t.test('unknown spec fields are pruned, not stored', async (t) => {
  const namespace = await useNamespace(t, kc);
  await create(namespace, 'extra', { image: 'nginx:1.27', replicass: 3, service: { type: 'ClusterIP', typo: true } });
  t.strictSame((await get(namespace, 'extra')).spec, { image: 'nginx:1.27', service: { type: 'ClusterIP' } });
});

t.test('invalid WebApps are rejected with 422 naming the field', async (t) => {
  const namespace = await useNamespace(t, kc);
  // Status.message is what kubectl prints: `The WebApp "bad-0" is invalid: spec.service.type: ...`.
  const cases: [string, unknown, RegExp][] = [
    ['service.type Foo', { image: 'nginx', service: { type: 'Foo' } }, /spec\.service\.type: Unsupported value: "Foo"/],
    ['no image', { replicas: 1 }, /spec\.image: Required value/],
    ['an empty image', { image: '' }, /spec\.image: Invalid value/],
    ['negative replicas', { image: 'nginx', replicas: -1 }, /spec\.replicas: Invalid value/],
    ['port 70000', { image: 'nginx', port: 70000 }, /spec\.port: Invalid value/],
    [
      'memory "lots"',
      { image: 'nginx', resources: { limits: { memory: 'lots' } } },
      /spec\.resources\.limits\.memory:/,
    ],
    ['env name "1X"', { image: 'nginx', env: [{ name: '1X' }] }, /spec\.env\[0\]\.name: Invalid value: "1X"/],
  ];
  for (const [i, [what, spec, message]] of cases.entries()) {
    const err = await create(namespace, `bad-${i}`, spec).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof ApiException)) {
      t.fail(`${what}: accepted or failed without an API error: ${String(err)}`);
      continue;
    }
    t.equal(err.code, 422, `${what}: 422 Unprocessable Entity`);
    t.match((JSON.parse(String(err.body)) as { message: string }).message, message, `${what}: names the field`);
  }
  const list = (await custom.listNamespacedCustomObject(target(namespace))) as { items: unknown[] };
  t.equal(list.items.length, 0, 'none was stored');
});

t.test('kubectl get webapps.v1.shipshape.dev prints the printer columns', async (t) => {
  const namespace = await useNamespace(t, kc);
  await create(namespace, 'web', fullSpec);
  await custom.patchNamespacedCustomObjectStatus({
    ...target(namespace),
    name: 'web',
    body: [{ op: 'add', path: '/status', value: { phase: 'Running' } }],
  });
  // The short name and the category (`kubectl get wa`, `kubectl get shipshape`) take no version
  // (kubectl resolves `wa.v1.shipshape.dev` to the preferred version): crd-conversion.test.ts runs
  // them with a conversion webhook in place.
  for (const resource of [`webapps.${API_VERSION}.${API_GROUP}`, `webapp.${API_VERSION}.${API_GROUP}`]) {
    const [header, row, ...rest] = (await kubectl('get', resource, '-n', namespace)).trimEnd().split('\n');
    t.match(header, /^NAME\s+IMAGE\s+REPLICAS\s+PORT\s+PHASE\s+AGE$/, `get ${resource}: headers`);
    t.match(row, /^(webapp\.shipshape\.dev\/)?web\s+nginx:1\.27\s+2\s+8080\s+Running\s+\d+s$/, `get ${resource}: row`);
    t.strictSame(rest, []);
  }
  await custom.patchNamespacedCustomObjectStatus({
    ...target(namespace),
    name: 'web',
    body: [{ op: 'add', path: '/status', value: { phase: 'Running', readyReplicas: 1, availableReplicas: 2 } }],
  });
  const [header, row] = (await kubectl('get', `webapps.${API_VERSION}.${API_GROUP}`, '-n', namespace, '-o', 'wide'))
    .trimEnd()
    .split('\n');
  t.match(header, /^NAME\s+IMAGE\s+REPLICAS\s+PORT\s+PHASE\s+AGE\s+READY\s+AVAILABLE\s+SERVICE$/, '-o wide: headers');
  t.match(row, /^web\s+nginx:1\.27\s+2\s+8080\s+Running\s+\d+s\s+1\s+2\s+NodePort$/, '-o wide: ready and available');
});

t.test('the status subresource changes status only; the main resource ignores status', async (t) => {
  const namespace = await useNamespace(t, kc);
  const created = await create(namespace, 'web', fullSpec);
  const status = { phase: 'Running', availableReplicas: 2, observedGeneration: 1 };
  const replaced = (await custom.replaceNamespacedCustomObjectStatus({
    ...target(namespace),
    name: 'web',
    body: { ...created, spec: { ...fullSpec, replicas: 9 }, status },
  })) as WebApp;
  t.strictSame(replaced.status, status, 'status written through /status');
  t.strictSame(replaced.spec, fullSpec, 'spec sent to /status is ignored');
  t.equal(replaced.metadata.generation, created.metadata.generation, 'a status write does not bump generation');

  const updated = (await custom.replaceNamespacedCustomObject({
    ...target(namespace),
    name: 'web',
    body: { ...replaced, spec: { ...fullSpec, replicas: 3 }, status: { phase: 'Failed' } },
  })) as WebApp;
  t.equal(updated.spec.replicas, 3, 'spec written through the main resource');
  t.strictSame(updated.status, status, 'status sent to the main resource is ignored');
  t.equal(updated.metadata.generation, (created.metadata.generation ?? 0) + 1, 'a spec write bumps generation');
});
