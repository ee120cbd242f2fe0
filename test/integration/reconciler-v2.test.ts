// The reconciler reads the hub, against the real apiserver and kube-controller-manager (issue #35):
// a WebApp written at v2 (stored at v1, its v2-only fields in the v2-fields annotation) gets every
// port on its container, a Service of the ports with a servicePort, its Secret reference as the
// container's env (never in our ConfigMap), and a HorizontalPodAutoscaler that the autoscaler acts
// on; the HPA is repaired, removed with autoscaling (the Deployment's replicas ours again) and
// deleted with the WebApp. A WebApp written at v1 gets the children it always had.
import t from 'tap';
import { API_GROUP, FIELD_MANAGER, WEBAPP_PLURAL } from '../../src/constants.ts';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { createJsonClient, isNotFound } from '../../src/kube/json-client.ts';
import { useNamespace } from '../helpers/control-plane.ts';
import { eventually, settled } from '../helpers/eventually.ts';

const env = await startDevEnvironment();
t.teardown(() => env.stop());
const client = createJsonClient(env.kc);

type Json = Record<string, unknown>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- objects read as loose JSON
type Obj = Record<string, any>;

const webApps = (ns: string, version: string) => `/apis/${API_GROUP}/${version}/namespaces/${ns}/${WEBAPP_PLURAL}`;
const PATHS: Record<string, (ns: string) => string> = {
  ConfigMap: (ns) => `/api/v1/namespaces/${ns}/configmaps`,
  Secret: (ns) => `/api/v1/namespaces/${ns}/secrets`,
  Service: (ns) => `/api/v1/namespaces/${ns}/services`,
  Deployment: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments`,
  PodDisruptionBudget: (ns) => `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`,
  HorizontalPodAutoscaler: (ns) => `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers`,
};
const read = (kind: string, ns: string, name: string) => client.request<Obj>('GET', `${PATHS[kind]!(ns)}/${name}`);
const gone = (kind: string, ns: string, name: string) =>
  read(kind, ns, name).then(
    () => false,
    (err: unknown) => isNotFound(err),
  );

/** Whether an entry of `manager` in `object`'s managedFields owns spec.replicas. */
function ownsReplicas(object: Obj, manager: string): boolean {
  const entries: Obj[] = object.metadata?.managedFields ?? [];
  return entries.some((e) => e.manager === manager && e.fieldsV1?.['f:spec']?.['f:replicas'] !== undefined);
}

const v2Spec = {
  image: 'nginx:1.27',
  ports: [
    { name: 'web', containerPort: 8080, servicePort: 80 },
    { name: 'metrics', containerPort: 9090 },
  ],
  env: [
    { name: 'LOG_LEVEL', value: 'info' },
    { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'shop-db', key: 'password' } } },
  ],
  resources: { requests: { cpu: '100m' } },
  autoscaling: { minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 60 },
};

t.test('a v2 WebApp: ports, a Secret reference and an autoscaler, repaired, removed, deleted', async (t) => {
  const ns = await useNamespace(t, env.kc);
  await client.request('POST', PATHS.Secret!(ns), {
    body: { metadata: { name: 'shop-db' }, stringData: { password: 's3cret-value' } },
  });
  const created = await client.request<Obj>('POST', webApps(ns, 'v2'), {
    body: { apiVersion: `${API_GROUP}/v2`, kind: 'WebApp', metadata: { name: 'shop' }, spec: v2Spec },
  });
  const uid = created.metadata.uid;
  const owner = [{ apiVersion: `${API_GROUP}/v1`, kind: 'WebApp', name: 'shop', uid, controller: true }];

  const hpa = await eventually('the HorizontalPodAutoscaler', () => read('HorizontalPodAutoscaler', ns, 'shop'));
  t.match(hpa.metadata, { ownerReferences: owner, labels: { 'shipshape.dev/webapp': 'shop' } });
  t.same(hpa.spec, {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop' },
    minReplicas: 2,
    maxReplicas: 4,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
  });

  // The autoscaler (kube-controller-manager) raises the Deployment, created without replicas (so at
  // the apiserver's default of 1), to its minimum.
  const deployment = await eventually('the autoscaler scales the Deployment to 2', async () => {
    const d = await read('Deployment', ns, 'shop');
    return d.spec.replicas === 2 && d;
  });
  t.notOk(ownsReplicas(deployment, FIELD_MANAGER), 'Shipshape applies no replicas');
  const acted = await eventually('the autoscaler reports its scale', async () => {
    const h = await read('HorizontalPodAutoscaler', ns, 'shop');
    return h.status?.desiredReplicas === 2 && h;
  });
  t.ok(acted.status.lastScaleTime, 'it was the autoscaler that scaled');
  const container = deployment.spec.template.spec.containers[0];
  t.same(
    container.ports.map((p: Obj) => [p.name, p.containerPort]),
    [
      ['web', 8080],
      ['metrics', 9090],
    ],
  );
  t.same(container.env, [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'shop-db', key: 'password' } } }]);
  t.same(container.readinessProbe.tcpSocket, { port: 'web' }, 'the probe on the first port');
  const service = await read('Service', ns, 'shop');
  t.same(
    service.spec.ports.map((p: Obj) => [p.name, p.port, p.targetPort]),
    [['web', 80, 8080]],
    'only the port with a servicePort',
  );
  const configMap = await read('ConfigMap', ns, 'shop-env');
  t.same(configMap.data, { LOG_LEVEL: 'info' }, 'the literal only');
  t.notOk(JSON.stringify(configMap).includes('s3cret-value'), "the Secret's value is nowhere in our ConfigMap");
  await eventually('a PodDisruptionBudget for minReplicas 2', () => read('PodDisruptionBudget', ns, 'shop'));
  const webApp = await eventually('status observed', async () => {
    const w = await client.request<Obj>('GET', `${webApps(ns, 'v2')}/shop`);
    return w.status?.observedGeneration === w.metadata.generation && w;
  });
  t.match(webApp.status.conditions, [{ type: 'Ready' }], 'status as for any WebApp');

  // A hand edit of the autoscaler is repaired.
  await client.request('PATCH', `${PATHS.HorizontalPodAutoscaler!(ns)}/shop`, {
    body: { spec: { maxReplicas: 9 } },
    contentType: 'application/merge-patch+json',
  });
  t.equal(
    await settled(async () => (await read('HorizontalPodAutoscaler', ns, 'shop')).spec.maxReplicas, 4),
    4,
    'maxReplicas restored',
  );

  // autoscaling removed (and replicas set) at v2: the autoscaler is deleted, replicas are ours.
  await client.request('PATCH', `${webApps(ns, 'v2')}/shop`, {
    body: [
      { op: 'remove', path: '/spec/autoscaling' },
      { op: 'add', path: '/spec/replicas', value: 3 },
    ],
    contentType: 'application/json-patch+json',
  });
  await eventually('the HorizontalPodAutoscaler is deleted', () => gone('HorizontalPodAutoscaler', ns, 'shop'));
  const owned = await eventually('replicas applied by Shipshape again', async () => {
    const d = await read('Deployment', ns, 'shop');
    return d.spec.replicas === 3 && ownsReplicas(d, FIELD_MANAGER) && d;
  });
  t.equal(owned.spec.replicas, 3);

  // Deleted: every child goes with it (finalizer, then garbage collection).
  await client.request('DELETE', `${webApps(ns, 'v2')}/shop`);
  for (const [kind, name] of [
    ['Deployment', 'shop'],
    ['Service', 'shop'],
    ['ConfigMap', 'shop-env'],
    ['PodDisruptionBudget', 'shop'],
    ['HorizontalPodAutoscaler', 'shop'],
  ] as const) {
    t.ok(await eventually(`${kind} ${name} gone`, () => gone(kind, ns, name)), `${kind} gone`);
  }
});

t.test('autoscaling added to a running WebApp: its replicas are handed over, never reset to 1', async (t) => {
  const ns = await useNamespace(t, env.kc);
  const { autoscaling, ...fixed } = v2Spec;
  await client.request('POST', webApps(ns, 'v2'), {
    body: {
      apiVersion: `${API_GROUP}/v2`,
      kind: 'WebApp',
      metadata: { name: 'shop' },
      spec: { ...fixed, replicas: 3 },
    },
  });
  await eventually('3 replicas applied', async () => (await read('Deployment', ns, 'shop')).spec.replicas === 3);
  await client.request('PATCH', `${webApps(ns, 'v2')}/shop`, {
    body: [{ op: 'add', path: '/spec/autoscaling', value: autoscaling }],
    contentType: 'application/json-patch+json',
  });
  // Every reading of the Deployment from the patch until the autoscaler has looked at it (and for
  // 3 s after): 3 is within 2..4, and with no metrics to go by it keeps 3.
  const seen = new Set<number>();
  const sample = async () => seen.add((await read('Deployment', ns, 'shop')).spec.replicas);
  await eventually('the autoscaler has looked', async () => {
    await sample();
    const h = await read('HorizontalPodAutoscaler', ns, 'shop').catch(() => undefined);
    return h?.status?.conditions !== undefined;
  });
  const until = Date.now() + 3_000;
  while (Date.now() < until) await sample();
  t.same([...seen], [3], 'replicas stayed 3 throughout');
  const deployment = await read('Deployment', ns, 'shop');
  t.notOk(ownsReplicas(deployment, FIELD_MANAGER), "released by Shipshape's manager");
  t.ok(ownsReplicas(deployment, `${FIELD_MANAGER}-replicas`), 'held by the hand-over manager');
});

t.test('deleting a WebApp that autoscales deletes its autoscaler', async (t) => {
  const ns = await useNamespace(t, env.kc);
  await client.request('POST', webApps(ns, 'v2'), {
    body: { apiVersion: `${API_GROUP}/v2`, kind: 'WebApp', metadata: { name: 'shop' }, spec: v2Spec },
  });
  await eventually('the HorizontalPodAutoscaler', () => read('HorizontalPodAutoscaler', ns, 'shop'));
  await client.request('DELETE', `${webApps(ns, 'v2')}/shop`);
  t.ok(await eventually('HorizontalPodAutoscaler gone', () => gone('HorizontalPodAutoscaler', ns, 'shop')));
  t.ok(
    await eventually('WebApp gone', () =>
      client.request('GET', `${webApps(ns, 'v1')}/shop`).then(() => false, isNotFound),
    ),
  );
});

t.test('a v1 WebApp: the children it always had, replicas applied, no env, no autoscaler', async (t) => {
  const ns = await useNamespace(t, env.kc);
  const spec: Json = {
    image: 'nginx:1.27',
    replicas: 2,
    port: 8081,
    env: [{ name: 'GREETING', value: 'hello' }],
    service: { type: 'NodePort', port: 8000 },
  };
  await client.request('POST', webApps(ns, 'v1'), {
    body: { apiVersion: `${API_GROUP}/v1`, kind: 'WebApp', metadata: { name: 'shop' }, spec },
  });
  const deployment = await eventually('the Deployment', () => read('Deployment', ns, 'shop'));
  t.equal(deployment.spec.replicas, 2);
  t.ok(ownsReplicas(deployment, FIELD_MANAGER), 'replicas are Shipshape’s');
  const container = deployment.spec.template.spec.containers[0];
  t.same(
    container.ports.map((p: Obj) => [p.name, p.containerPort]),
    [['http', 8081]],
  );
  t.notOk('env' in container, 'no env: the ConfigMap carries it');
  t.same(container.readinessProbe.tcpSocket, { port: 'http' });
  const service = await eventually('the Service', () => read('Service', ns, 'shop'));
  t.same(
    service.spec.ports.map((p: Obj) => [p.name, p.port, p.targetPort]),
    [['http', 8000, 8081]],
  );
  await eventually('the PodDisruptionBudget', () => read('PodDisruptionBudget', ns, 'shop'));
  const stored = await client.request<Obj>('GET', `${webApps(ns, 'v1')}/shop`);
  t.notOk(stored.metadata.annotations?.['shipshape.dev/v2-fields'], 'nothing only v2 can say');
  t.ok(await gone('HorizontalPodAutoscaler', ns, 'shop'), 'no autoscaler');
});
