// The children of a WebApp as server-side-apply bodies, against the YAML in
// test/fixtures/operator/: <name>.yaml is a defaulted WebApp, <name>.children.yaml its ConfigMap,
// Deployment and Service, exactly as the reconciler sends them.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse, parseAllDocuments } from 'yaml';
import { type DefaultedWebApp as WebApp, toDefaultedWebApp } from '../../../src/api/defaults.ts';
import { webAppSchema } from '../../../src/api/webapp.ts';
import {
  CHILD_OWNER_LABEL,
  CONFIG_HASH_ANNOTATION,
  childLabels,
  configHash,
  selectorLabels,
  toConfigMap,
  toDeployment,
  toOwnerReference,
  toPodDisruptionBudget,
  toService,
} from '../../../src/operator/children.ts';
import { defaultWebApp } from '../../../webhooks/default-webapp.ts';
import { DEFAULT_LIMITS } from '../../../webhooks/limits.ts';

const FIXTURES = new URL('../../fixtures/operator/', import.meta.url);

function loadWebApp(name: string): WebApp {
  return toDefaultedWebApp(webAppSchema.parse(parse(readFileSync(new URL(`${name}.yaml`, FIXTURES), 'utf8'))));
}

function loadChildren(name: string): unknown[] {
  const text = readFileSync(new URL(`${name}.children.yaml`, FIXTURES), 'utf8');
  return parseAllDocuments(text).map((d) => d.toJS());
}

function childrenOf(webApp: WebApp): unknown[] {
  const configMap = toConfigMap(webApp);
  return [configMap, toDeployment(webApp, configHash(configMap)), toService(webApp)];
}

function withSpec(webApp: WebApp, spec: Partial<WebApp['spec']>): WebApp {
  return { ...webApp, spec: { ...webApp.spec, ...spec } };
}

/** JSON round trip: what the API server receives, without undefined fields. */
function asJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

for (const name of ['minimal', 'full']) {
  t.test(`the children of ${name}.yaml are exactly ${name}.children.yaml`, async (t) => {
    const webApp = loadWebApp(name);
    const children = childrenOf(webApp);
    t.strictSame(asJson(children), loadChildren(name));
    t.strictSame(children, asJson(children), 'no undefined fields that a JSON round trip would drop');
    t.strictSame(webApp, loadWebApp(name), 'the WebApp is not modified');
  });
}

t.test('the owner reference makes the WebApp the controller', async (t) => {
  t.strictSame(toOwnerReference(loadWebApp('full')), {
    apiVersion: 'shipshape.dev/v1',
    kind: 'WebApp',
    name: 'shop',
    uid: '0d9e8f7a-6b5c-4d3e-9f1a-2b3c4d5e6f70',
    controller: true,
    blockOwnerDeletion: true,
  });
  const unsaved = loadWebApp('full');
  delete unsaved.metadata.uid;
  t.throws(() => toOwnerReference(unsaved), /no metadata\.uid/);
});

t.test('child labels carry the owner label the child watches map back from', async (t) => {
  t.equal(CHILD_OWNER_LABEL, 'shipshape.dev/webapp');
  t.strictSame(childLabels(loadWebApp('minimal')), {
    'app.kubernetes.io/name': 'web',
    'app.kubernetes.io/managed-by': 'shipshape',
    'app.kubernetes.io/instance': 'web',
    'shipshape.dev/webapp': 'web',
  });
  const pods = toDeployment(loadWebApp('minimal'), 'h').spec!.template.metadata!.labels!;
  t.equal(pods[CHILD_OWNER_LABEL], 'web', 'the pods carry it too');
});

t.test('the config hash is pinned: a new hash function would roll every pod on upgrade', async (t) => {
  t.equal(CONFIG_HASH_ANNOTATION, 'shipshape.dev/config-hash');
  t.equal(configHash(toConfigMap(loadWebApp('minimal'))), '4f53cda18c2baa0c');
  t.equal(configHash(toConfigMap(loadWebApp('full'))), '65e576c7bd5b07b6');
  t.equal(configHash({ data: {} }), configHash({}), 'no data hashes as empty data');
});

t.test('the config hash follows env values, not env order', async (t) => {
  const webApp = loadWebApp('full');
  const env = webApp.spec.env!;
  const hashOf = (e: typeof env) => configHash(toConfigMap(withSpec(webApp, { env: e })));
  const base = hashOf(env);
  t.equal(hashOf([...env].reverse()), base, 'reordered env: same hash');
  t.equal(hashOf([env[2]!, env[0]!, env[1]!]), base, 'rotated env: same hash');
  t.not(hashOf([{ name: 'LOG_LEVEL', value: 'debug' }, ...env.slice(1)]), base, 'changed value');
  t.not(hashOf([...env, { name: 'NEW', value: '1' }]), base, 'added variable');
  t.not(hashOf(env.slice(1)), base, 'removed variable');
  t.not(hashOf([{ name: 'LOG_LEVELX', value: 'info' }, ...env.slice(1)]), base, 'renamed variable');
  t.not(
    configHash({ data: { a: 'b', c: '' } }),
    configHash({ data: { a: 'b,c', '': '' } }),
    'entries do not run together',
  );
  const rolled = toDeployment(webApp, hashOf(env.slice(1)));
  t.not(
    rolled.spec!.template.metadata!.annotations![CONFIG_HASH_ANNOTATION],
    toDeployment(webApp, base).spec!.template.metadata!.annotations![CONFIG_HASH_ANNOTATION],
    'an env change changes the pod template',
  );
});

t.test('the selector stays when image, replicas, env, port or resources change', async (t) => {
  const webApp = loadWebApp('full');
  const selector = toDeployment(webApp, 'a').spec!.selector;
  t.strictSame(selector, { matchLabels: { 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/instance': 'shop' } });
  const changed = withSpec(webApp, {
    image: 'registry.example.com:5000/team/shop:3.0.0',
    replicas: 7,
    port: 9000,
    env: [],
    resources: undefined,
  });
  const deployment = toDeployment(changed, 'b');
  t.strictSame(deployment.spec!.selector, selector);
  t.equal(deployment.spec!.replicas, 7);
  t.equal(deployment.spec!.template.spec!.containers[0]!.image, 'registry.example.com:5000/team/shop:3.0.0');
  t.strictSame(toService(changed).spec!.selector, selector.matchLabels, 'the Service selects the same pods');
  t.strictSame(selectorLabels(changed), selector.matchLabels);
});

t.test('resources are copied only as given', async (t) => {
  const webApp = loadWebApp('full');
  const containerOf = (w: WebApp) => toDeployment(w, 'h').spec!.template.spec!.containers[0]!;
  t.notOk('resources' in containerOf(withSpec(webApp, { resources: undefined })), 'absent: no resources field');
  t.strictSame(containerOf(withSpec(webApp, { resources: { requests: { memory: '64Mi' } } })).resources, {
    requests: { memory: '64Mi' },
  });
  t.strictSame(containerOf(withSpec(webApp, { resources: { limits: { cpu: 2 } } })).resources, {
    limits: { cpu: '2' },
  });
});

t.test('a spec the webhook did not default gets the same children once the policy defaults it', async (t) => {
  const defaulted = loadWebApp('minimal');
  const bare = webAppSchema.parse({ ...defaulted, spec: { image: defaulted.spec.image } });
  t.throws(() => toDefaultedWebApp(bare), TypeError, 'children are never built from an undefaulted spec');
  const context = { config: { limits: DEFAULT_LIMITS }, namespaceAnnotations: undefined };
  const rebuilt = toDefaultedWebApp(webAppSchema.parse(defaultWebApp(bare, context)));
  t.strictSame(childrenOf(rebuilt), childrenOf(defaulted));
});

t.test('the Service type and ports follow spec.service and spec.port', async (t) => {
  const service = toService(withSpec(loadWebApp('minimal'), { port: 5000, service: { type: 'NodePort', port: 8081 } }));
  t.equal(service.spec!.type, 'NodePort');
  t.strictSame(service.spec!.ports, [{ name: 'http', port: 8081, targetPort: 5000, protocol: 'TCP' }]);
});

t.test('a PodDisruptionBudget (maxUnavailable 1, the pods of the Deployment) only above one replica', async (t) => {
  const full = loadWebApp('full');
  t.equal(full.spec.replicas, 3);
  t.strictSame(asJson(toPodDisruptionBudget(full)), {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: {
      name: full.metadata.name,
      namespace: full.metadata.namespace,
      labels: childLabels(full),
      ownerReferences: [toOwnerReference(full)],
    },
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(full) } },
  });
  t.strictSame(
    toPodDisruptionBudget(full)!.spec!.selector,
    toDeployment(full, 'h').spec!.selector,
    'it selects what the Deployment runs',
  );
  t.equal(toPodDisruptionBudget(withSpec(full, { replicas: 2 }))?.kind, 'PodDisruptionBudget');
  t.equal(toPodDisruptionBudget(withSpec(full, { replicas: 1 })), undefined, 'one replica: none');
  t.equal(toPodDisruptionBudget(withSpec(full, { replicas: 0 })), undefined, 'scaled to zero: none');
});
