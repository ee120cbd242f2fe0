// The operator half against the real apiserver: a real Shipshape process reconciles WebApps into
// a Deployment, a Service, a ConfigMap and (above one replica) a PodDisruptionBudget, and keeps
// them that way.
import { PolicyV1Api } from '@kubernetes/client-node';
import t from 'tap';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { useNamespace } from '../helpers/control-plane.ts';
import { eventually, settled } from '../helpers/eventually.ts';
import { kubectl } from '../helpers/kubectl.ts';
import type { WebApp } from '../../src/api/webapp.ts';
import { clients, webAppTarget } from '../helpers/webapps.ts';

const env = await startDevEnvironment();
t.teardown(() => env.stop());
const kc = env.kc;
const { apps, core, custom, getWebApp, createWebApp, patchSpec } = clients(kc);
const run = (args: string[]) => kubectl(env.cp.kubeconfigPath, args);

const spec = {
  image: 'nginx:1.27',
  replicas: 2,
  port: 8081,
  env: [{ name: 'GREETING', value: 'hello' }],
  service: { type: 'NodePort', port: 8000 },
  resources: { requests: { cpu: '100m', memory: '64Mi' } },
};

/** Resolves once the namespace is gone: the namespace controller, the garbage collector and our finalizer all done. */
function namespaceGone(name: string): Promise<boolean> {
  return eventually(
    `namespace ${name} gone`,
    () =>
      core.readNamespace({ name }).then(
        () => false,
        (err: { code?: number }) => err.code === 404,
      ),
    60_000,
  );
}

/** The names of the WebApps the apiserver still lists in `namespace` (across the cluster, so a gone namespace lists none). */
async function webAppsIn(namespace: string): Promise<string[]> {
  const list = (await custom.listClusterCustomObject({
    ...webAppTarget,
    fieldSelector: `metadata.namespace=${namespace}`,
  })) as { items: WebApp[] };
  return list.items.map((w) => w.metadata.name ?? '');
}

async function converged(namespace: string, name: string) {
  return eventually(`${name} converged`, async () => {
    const webApp = await getWebApp(namespace, name);
    const deployment = await apps.readNamespacedDeployment({ namespace, name });
    const service = await core.readNamespacedService({ namespace, name });
    const configMap = await core.readNamespacedConfigMap({ namespace, name: `${name}-env` });
    if (webApp.status?.observedGeneration !== webApp.metadata.generation) return undefined;
    return { webApp, deployment, service, configMap };
  });
}

t.test('a WebApp yields its three children with owner references, labels and fields, and a status', async (t) => {
  const ns = await useNamespace(t, kc);
  await createWebApp(ns, 'shop', spec);
  const { webApp, deployment, service, configMap } = await converged(ns, 'shop');
  for (const child of [deployment, service, configMap]) {
    t.same(
      child.metadata?.ownerReferences,
      [
        {
          apiVersion: 'shipshape.dev/v1',
          kind: 'WebApp',
          name: 'shop',
          uid: webApp.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      `${child.kind ?? 'child'} is owned by the WebApp`,
    );
    t.match(child.metadata?.labels, { 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/managed-by': 'shipshape' });
  }
  const container = deployment.spec?.template.spec?.containers[0];
  t.equal(deployment.spec?.replicas, 2);
  t.equal(container?.image, 'nginx:1.27');
  t.equal(container?.ports?.[0]?.containerPort, 8081);
  t.same(container?.envFrom, [{ configMapRef: { name: 'shop-env' } }]);
  t.match(container?.resources?.requests, { cpu: '100m', memory: '64Mi' });
  t.equal(service.spec?.type, 'NodePort');
  t.match(service.spec?.ports?.[0], { port: 8000, targetPort: 8081 });
  t.same(configMap.data, { GREETING: 'hello' });
  t.equal(webApp.status?.observedGeneration, webApp.metadata.generation);
  t.match(webApp.status?.phase, /^(Pending|Running)$/, 'Pending until the rollout has available replicas');
  t.ok(webApp.metadata.finalizers?.includes('shipshape.dev/finalizer'), 'carries the finalizer');
  const events = await core.listNamespacedEvent({ namespace: ns });
  t.ok(
    events.items.some((e) => e.reason === 'Created' && /Deployment shop/.test(e.message ?? '')),
    'a Created event',
  );
});

t.test('changing replicas, image and env updates the children; env rolls the pod template', async (t) => {
  const ns = await useNamespace(t, kc);
  await createWebApp(ns, 'shop', spec);
  const first = await converged(ns, 'shop');
  const hash = first.deployment.spec?.template.metadata?.annotations?.['shipshape.dev/config-hash'];
  t.ok(hash, 'the pod template carries the ConfigMap hash');
  await patchSpec(ns, 'shop', { replicas: 3, image: 'nginx:1.28' });
  const second = await eventually('replicas and image applied', async () => {
    const d = await apps.readNamespacedDeployment({ namespace: ns, name: 'shop' });
    return d.spec?.replicas === 3 && d.spec.template.spec?.containers[0]?.image === 'nginx:1.28' && d;
  });
  t.equal(second.spec?.template.metadata?.annotations?.['shipshape.dev/config-hash'], hash, 'env unchanged: same hash');
  await patchSpec(ns, 'shop', { env: [{ name: 'GREETING', value: 'bonjour' }] });
  const third = await eventually('env applied', async () => {
    const cm = await core.readNamespacedConfigMap({ namespace: ns, name: 'shop-env' });
    const d = await apps.readNamespacedDeployment({ namespace: ns, name: 'shop' });
    const now = d.spec?.template.metadata?.annotations?.['shipshape.dev/config-hash'];
    return cm.data?.GREETING === 'bonjour' && now !== hash && d;
  });
  t.not(third.spec?.template.metadata?.annotations?.['shipshape.dev/config-hash'], hash, 'the hash changed');
});

t.test('more than one replica gets a PodDisruptionBudget (maxUnavailable 1); scaling to one removes it', async (t) => {
  const ns = await useNamespace(t, kc);
  const policy = kc.makeApiClient(PolicyV1Api);
  await createWebApp(ns, 'shop', spec);
  const { webApp } = await converged(ns, 'shop');
  const pdb = await eventually('the PodDisruptionBudget', () =>
    policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: 'shop' }),
  );
  t.equal(pdb.spec?.maxUnavailable, 1);
  t.same(pdb.spec?.selector?.matchLabels, { 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/instance': 'shop' });
  t.match(pdb.metadata?.ownerReferences, [
    { kind: 'WebApp', name: 'shop', uid: webApp.metadata.uid, controller: true },
  ]);
  // The disruption controller (kube-controller-manager) reads it against the Deployment's pods.
  const counted = await eventually('the disruption controller counts the pods', async () => {
    const read = await policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: 'shop' });
    return read.status?.expectedPods === 2 && read;
  });
  t.equal(counted.status?.expectedPods, 2, 'it covers the two replicas');
  await patchSpec(ns, 'shop', { replicas: 1 });
  await eventually('the PodDisruptionBudget is gone', () =>
    policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: 'shop' }).then(
      () => false,
      (err: { code?: number }) => err.code === 404,
    ),
  );
  // The Event is written after the delete it reports: the PodDisruptionBudget can be gone first.
  const deleted = await eventually('a Deleted event', async () => {
    const events = await core.listNamespacedEvent({ namespace: ns });
    return events.items.some((e) => e.reason === 'Deleted' && e.message === 'Deleted PodDisruptionBudget shop');
  }).catch(() => false);
  t.ok(deleted, 'a Deleted event');
  const deployment = await apps.readNamespacedDeployment({ namespace: ns, name: 'shop' });
  t.equal(deployment.spec?.replicas, 1, 'the Deployment is scaled all the same');
});

t.test('a Service deleted by hand and a Deployment scaled by hand are restored', async (t) => {
  const ns = await useNamespace(t, kc);
  await createWebApp(ns, 'shop', spec);
  await converged(ns, 'shop');
  const before = Date.now();
  const deleted = await core.readNamespacedService({ namespace: ns, name: 'shop' });
  await core.deleteNamespacedService({ namespace: ns, name: 'shop' });
  const service = await eventually(
    'Service restored',
    async () => {
      const now = await core.readNamespacedService({ namespace: ns, name: 'shop' }).catch(() => undefined);
      return now?.metadata?.uid !== deleted.metadata?.uid && now;
    },
    10_000,
  );
  t.comment(`the Service came back after ${Date.now() - before} ms`);
  t.match(
    service,
    {
      metadata: { ownerReferences: [{ kind: 'WebApp', name: 'shop', controller: true }] },
      spec: { type: 'NodePort', ports: [{ port: 8000 }] },
    },
    "a new Service (another uid), the WebApp's again, as its spec asks",
  );
  t.equal((await run(['scale', 'deployment/shop', '-n', ns, '--replicas=7'])).code, 0);
  const replicas = await settled(
    async () => (await apps.readNamespacedDeployment({ namespace: ns, name: 'shop' })).spec?.replicas,
    2,
    10_000,
  );
  t.equal(replicas, 2, 'within 10 s the replicas are back to spec.replicas');
});

t.test('the Deployment rolls out on the Nodes and the WebApp reports Ready with its available replicas', async (t) => {
  const ns = await useNamespace(t, kc);
  await createWebApp(ns, 'shop', spec);
  // Nobody patches a status here: the deployment controller, the scheduler and kwok's kubelet do.
  const webApp = await eventually(
    'available replicas observed',
    async () => {
      const w = await getWebApp(ns, 'shop');
      return w.status?.availableReplicas === 2 && w;
    },
    60_000,
  );
  t.equal(webApp.status?.phase, 'Running');
  t.match(webApp.status?.conditions, [
    { type: 'Ready', status: 'True' },
    { type: 'Progressing', status: 'False' },
    { type: 'Degraded', status: 'False' },
  ]);
  const deployment = await apps.readNamespacedDeployment({ namespace: ns, name: 'shop' });
  t.match(deployment.status, { readyReplicas: 2, availableReplicas: 2, updatedReplicas: 2 });
  const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app.kubernetes.io/name=shop' })).items;
  t.equal(pods.length, 2, 'two Pods');
  for (const pod of pods) {
    t.match(pod.spec?.nodeName, /^kwok-node-\d$/, `${pod.metadata?.name} is scheduled onto a Node`);
    t.equal(pod.status?.phase, 'Running');
    t.ok(
      pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      'Ready, as kwok plays its kubelet',
    );
  }
  t.equal(
    (await apps.listNamespacedReplicaSet({ namespace: ns })).items.length,
    1,
    'one ReplicaSet, made by the deployment controller',
  );
});

t.test('deleting the namespace removes the WebApp and everything it owns', async (t) => {
  const ns = await useNamespace(t, kc);
  await createWebApp(ns, 'shop', spec);
  await eventually('Pods running', async () => {
    const pods = await core.listNamespacedPod({ namespace: ns });
    return pods.items.length === 2;
  });
  await core.deleteNamespace({ name: ns });
  await t.resolves(
    namespaceGone(ns),
    'the namespace is gone within 60 s: the namespace controller, the garbage collector and the finalizer all finished',
  );
  t.same(await webAppsIn(ns), [], 'and no WebApp is left in it');
});

t.test('deleting the WebApp removes the children and releases the finalizer', async (t) => {
  const ns = await useNamespace(t, kc);
  await createWebApp(ns, 'shop', spec);
  await converged(ns, 'shop');
  t.equal((await run(['delete', 'webapp', 'shop', '-n', ns, '--wait=true', '--timeout=20s'])).code, 0);
  const gone = async (read: () => Promise<unknown>) =>
    read().then(
      () => false,
      (err: { code?: number }) => err.code === 404,
    );
  t.ok(await gone(() => getWebApp(ns, 'shop')), 'the WebApp is gone');
  t.ok(await gone(() => apps.readNamespacedDeployment({ namespace: ns, name: 'shop' })), 'the Deployment is gone');
  t.ok(await gone(() => core.readNamespacedService({ namespace: ns, name: 'shop' })), 'the Service is gone');
  t.ok(await gone(() => core.readNamespacedConfigMap({ namespace: ns, name: 'shop-env' })), 'the ConfigMap is gone');
});

t.test(
  'a WebApp that cannot be built (admitted while the webhook was off) is Degraded, warned about, not hot-looped',
  async (t) => {
    const ns = await useNamespace(t, kc);
    // The webhooks' namespaceSelector exempts namespaces that opt out, as when the webhook was down.
    t.equal((await run(['label', 'namespace', ns, 'shipshape.dev/webhooks=disabled'])).code, 0);
    await createWebApp(ns, 'broken', { image: 'Not/A Ref', env: [{ name: 'A' }, { name: 'A' }] });
    const webApp = await eventually('Degraded', async () => {
      const w = await getWebApp(ns, 'broken');
      return w.status?.phase === 'Failed' && w;
    });
    const degraded = webApp.status?.conditions?.find((c) => c.type === 'Degraded');
    t.equal(degraded?.status, 'True');
    t.equal(degraded?.reason, 'InvalidSpec');
    t.match(
      degraded?.message,
      /spec\.image: "Not\/A Ref" is not a valid image reference; spec\.env\[1\]\.name: duplicate name "A"/,
    );
    await new Promise((r) => setTimeout(r, 3000));
    const events = (await core.listNamespacedEvent({ namespace: ns })).items.filter((e) => e.reason === 'InvalidSpec');
    t.equal(events.length, 1, 'one Warning event');
    t.equal(events[0]?.type, 'Warning');
    t.equal(events[0]?.count, 1, 'recorded once: not retried in a loop');
    const later = await getWebApp(ns, 'broken');
    t.equal(later.metadata.resourceVersion, webApp.metadata.resourceVersion, 'no status write loop');
    t.rejects(apps.readNamespacedDeployment({ namespace: ns, name: 'broken' }), 'no Deployment for an invalid spec');
  },
);

t.test(
  'a lowered max-replicas never traps a WebApp: label, image change and delete work; growing is denied',
  async (t) => {
    const ns = await useNamespace(t, kc);
    await createWebApp(ns, 'hello', { ...spec, replicas: 3 });
    await converged(ns, 'hello');
    t.equal((await run(['annotate', 'namespace', ns, 'shipshape.dev/max-replicas=2'])).code, 0);

    const limited = await eventually('LimitExceeded', async () => {
      const w = await getWebApp(ns, 'hello');
      const c = w.status?.conditions?.find((x) => x.type === 'WithinLimits');
      return c?.reason === 'LimitExceeded' && c;
    });
    t.equal(limited.status, 'False');
    t.equal(limited.message, 'spec.replicas: 3 exceeds the maximum of 2');
    const warnings = await eventually('one LimitExceeded Event', async () => {
      const list = (await core.listNamespacedEvent({ namespace: ns })).items.filter(
        (e) => e.reason === 'LimitExceeded',
      );
      return list.length > 0 && list;
    });
    t.equal(warnings.length, 1);
    t.equal(warnings[0]?.type, 'Warning');

    // The webhook reads the annotation from its watched cache: wait until it has it.
    const grow = await eventually('growing is denied', async () => {
      const r = await run(['patch', 'webapp', 'hello', '-n', ns, '--type=merge', '-p', '{"spec":{"replicas":4}}']);
      return r.code !== 0 && r;
    });
    t.match(grow.stderr, 'spec.replicas: 4 exceeds the maximum of 2');

    const label = await run(['label', 'webapp', 'hello', '-n', ns, 'team=a']);
    t.equal(label.code, 0, 'kubectl label is admitted');
    t.match(label.stderr, /Warning: spec\.replicas: 3 exceeds the maximum of 2; allowed because/);
    const image = await run([
      'patch',
      'webapp',
      'hello',
      '-n',
      ns,
      '--type=merge',
      '-p',
      '{"spec":{"image":"nginx:1.28"}}',
    ]);
    t.equal(image.code, 0, 'an image change is admitted');
    const { deployment } = await converged(ns, 'hello');
    t.equal(deployment.spec?.template.spec?.containers[0]?.image, 'nginx:1.28', 'and reconciled');
    t.equal(deployment.spec?.replicas, 3, 'with the replicas it has');

    const started = Date.now();
    const deleted = await run(['delete', 'webapp', 'hello', '-n', ns, '--wait=true', '--timeout=20s']);
    t.equal(deleted.code, 0, 'kubectl delete ends', { stderr: deleted.stderr });
    t.ok(Date.now() - started < 10_000, `within a few seconds (${Date.now() - started} ms)`);
  },
);

t.test('a WebApp whose children are already gone is deleted', async (t) => {
  const ns = await useNamespace(t, kc);
  await createWebApp(ns, 'bare', spec);
  await converged(ns, 'bare');
  // Orphan the children so that deleting them leaves the WebApp alone, then delete them.
  for (const kind of ['deployment', 'service', 'configmap']) {
    const name = kind === 'configmap' ? 'bare-env' : 'bare';
    t.equal((await run(['delete', kind, name, '-n', ns, '--cascade=orphan', '--wait=true'])).code, 0);
  }
  t.equal((await run(['delete', 'webapp', 'bare', '-n', ns, '--wait=true', '--timeout=20s'])).code, 0);
});

t.test('a WebApp goes away with its namespace', async (t) => {
  const ns = `gone-${Date.now().toString(36)}`;
  await core.createNamespace({ body: { metadata: { name: ns } } });
  await createWebApp(ns, 'doomed', { ...spec, replicas: 3 });
  await converged(ns, 'doomed');
  t.equal((await run(['annotate', 'namespace', ns, 'shipshape.dev/max-replicas=2'])).code, 0);
  await core.deleteNamespace({ name: ns });
  await t.resolves(namespaceGone(ns), 'the namespace is gone within 60 s');
  t.same(await webAppsIn(ns), [], 'and so is the WebApp in it');
});
