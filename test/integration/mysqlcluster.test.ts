// The MySQLCluster operator against the real apiserver (issue #36): a real Shipshape process, the
// harness's controllers, its host-path provisioner and kwok's Nodes turn a MySQLCluster written with
// kubectl into a StatefulSet whose Pods turn Ready on claims that bind, and carry out scaling, an
// upgrade, storage growth and a settings change; the webhooks deny what a database cannot take,
// and what reaches the reconciler anyway (the webhooks off in a namespace) is reported once.
// Deletion keeps or removes the data as spec.storage.claimRetention says, and a WebApp of the same
// name beside it keeps its own children. The password's secrecy and leader changes:
// mysqlcluster-ha.test.ts.
import t, { type Test } from 'tap';
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { WebApp } from '../../src/api/webapp.ts';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { CONFIG_HASH_ANNOTATION } from '../../src/operator/children.ts';
import { useNamespace } from '../helpers/control-plane.ts';
import { eventually } from '../helpers/eventually.ts';
import { isGone, mysqlClients } from '../helpers/mysqlclusters.ts';
import { startOtlpReceiver } from '../helpers/otlp-receiver.ts';
import { webAppTarget } from '../helpers/webapps.ts';

const receiver = await startOtlpReceiver();
const env = await startDevEnvironment({
  env: {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  },
});
t.teardown(async () => {
  await env.stop();
  await receiver.close();
});
const kc = env.kc;
const my = mysqlClients(kc, env.cp.kubeconfigPath);
const { apps, core, policy } = my;

/** The reconciles of the MySQLClusters in `namespace` exported so far (a span each). */
async function reconcileCount(namespace: string): Promise<number> {
  // Spans are exported in batches every 100 ms: let the last ones arrive.
  await new Promise((r) => setTimeout(r, 500));
  return receiver.spans.filter(
    (s) => s.name === 'reconcile mysqlcluster' && s.attributes['shipshape.mysqlcluster.namespace'] === namespace,
  ).length;
}

t.test('a MySQLCluster becomes a StatefulSet whose Pods turn Ready on bound claims, and reports Ready', async (t) => {
  const ns = await useNamespace(t, kc);
  const applied = await my.apply(ns, 'orders', { replicas: 2, storage: { size: '2Gi' } });
  t.equal(applied.code, 0, applied.stderr);
  const { cluster, pods } = await my.ready(ns, 'orders');
  t.match(cluster.status, {
    phase: 'Running',
    replicas: 2,
    readyReplicas: 2,
    currentVersion: '8.4',
    observedGeneration: cluster.metadata.generation,
    message: '2 of 2 members ready',
  });
  t.match(cluster.status?.conditions, [
    { type: 'Ready', status: 'True', reason: 'MembersReady' },
    { type: 'Progressing', status: 'False', reason: 'Complete' },
    { type: 'Degraded', status: 'False' },
    { type: 'WithinLimits', status: 'True' },
  ]);
  const sts = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'orders' });
  t.match(sts.metadata?.ownerReferences, [{ kind: 'MySQLCluster', name: 'orders', uid: cluster.metadata.uid }]);
  t.match(sts.spec, { replicas: 2, serviceName: 'orders-members' });
  t.equal(sts.spec?.template.spec?.containers[0]?.image, 'mysql:8.4');
  t.match(sts.status, { readyReplicas: 2, updatedReplicas: 2 });
  t.same(pods.map((p) => p.metadata?.name).sort(), ['orders-0', 'orders-1'], 'two members, named by ordinal');
  for (const pod of pods) t.match(pod.spec?.nodeName, /^kwok-node-\d$/, `${pod.metadata?.name} runs on a Node`);
  const claims = await eventually('the claims bound', async () => {
    const list = await my.claims(ns, 'orders');
    return list.length === 2 && list.every((c) => c.status?.phase === 'Bound') && list;
  });
  t.same(claims.map((c) => c.metadata?.name).sort(), ['data-orders-0', 'data-orders-1']);
  for (const claim of claims) t.equal(claim.spec?.resources?.requests?.storage, '2Gi');
  const members = await core.readNamespacedService({ namespace: ns, name: 'orders-members' });
  t.equal(members.spec?.clusterIP, 'None', 'the members Service is headless');
  t.not((await core.readNamespacedService({ namespace: ns, name: 'orders' })).spec?.clusterIP, 'None');
  t.ok(await core.readNamespacedConfigMap({ namespace: ns, name: 'orders-config' }), 'the ConfigMap');
  t.ok(await core.readNamespacedSecret({ namespace: ns, name: 'orders-root-password' }), 'the root password Secret');
  t.equal((await policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: 'orders' })).spec?.maxUnavailable, 1);
  const events = await my.events(ns, 'orders');
  t.ok(
    events.some(
      (e) =>
        e.reason === 'Created' &&
        e.type === 'Normal' &&
        /Secret orders-root-password/.test(e.message ?? '') &&
        /StatefulSet orders/.test(e.message ?? ''),
    ),
    'a Created Event names the children',
  );
  const printed = await my.run(['get', 'mysqlcluster', 'orders', '-n', ns]);
  t.match(printed.stdout, /orders\s+.*8\.4.*Running/, 'kubectl get prints the printer columns');
});

t.test('scaling 1 -> 3 -> 1, an upgrade, storage growth and a settings change', async (t) => {
  const ns = await useNamespace(t, kc);
  t.equal((await my.apply(ns, 'db', { storage: { size: '1Gi' } })).code, 0);
  let { pods } = await my.ready(ns, 'db');
  t.equal(pods.length, 1);
  t.ok(await isGone(() => policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: 'db' })), 'no PDB for one');

  t.test('scale to 3: three Ready members and a PodDisruptionBudget', async (t) => {
    t.equal((await my.patch(ns, 'db', { replicas: 3 })).code, 0);
    ({ pods } = await my.ready(ns, 'db', 90_000));
    t.equal(pods.length, 3);
    const pdb = await policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: 'db' });
    t.equal(pdb.spec?.maxUnavailable, 1);
    const counted = await eventually('the disruption controller counts 3 members', async () => {
      const read = await policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: 'db' });
      return read.status?.expectedPods === 3 && read;
    });
    t.equal(counted.status?.expectedPods, 3);
    t.equal((await my.claims(ns, 'db')).length, 3, 'a claim per member');
  });

  t.test('scale back to 1: the PodDisruptionBudget goes, the claims stay', async (t) => {
    t.equal((await my.patch(ns, 'db', { replicas: 1 })).code, 0);
    ({ pods } = await my.ready(ns, 'db'));
    t.same(
      pods.map((p) => p.metadata?.name),
      ['db-0'],
    );
    t.ok(
      await eventually('the PDB is gone', () =>
        isGone(() => policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: 'db' })),
      ),
    );
    t.equal((await my.claims(ns, 'db')).length, 3, 'whenScaled Retain: the claims of members 1 and 2 stay');
  });

  t.test('upgrade 8.4 -> 9.0: the image changes, the StatefulSet rolls, currentVersion follows', async (t) => {
    const before = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' });
    const oldPod = pods[0]!;
    const res = await my.patch(ns, 'db', { version: '9.0' });
    t.equal(res.code, 0, res.stderr);
    t.equal((await my.get(ns, 'db')).spec.image, 'mysql:9.0', 'the mutating webhook derives the image');
    const { cluster, pods: after } = await my.ready(ns, 'db');
    t.equal(cluster.status?.currentVersion, '9.0');
    t.equal(after[0]?.spec?.containers[0]?.image, 'mysql:9.0', 'the member runs the new image');
    t.not(after[0]?.metadata?.uid, oldPod.metadata?.uid, 'a new Pod: the StatefulSet rolled');
    const sts = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' });
    t.not(sts.status?.updateRevision, before.status?.updateRevision, 'a new revision');
    t.equal(sts.status?.currentRevision, sts.status?.updateRevision, 'rolled out');
    pods = after;
  });

  t.test('growing storage: claims resized, StatefulSet recreated, Pods kept', async (t) => {
    const before = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' });
    const podUids = pods.map((p) => p.metadata?.uid);
    const res = await my.patch(ns, 'db', { storage: { size: '3Gi' } });
    t.equal(res.code, 0, res.stderr);
    const recreated = await eventually(
      'the StatefulSet recreated',
      async () => {
        const sts = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' }).catch(() => undefined);
        return sts && sts.metadata?.uid !== before.metadata?.uid && sts;
      },
      30_000,
    );
    t.equal(recreated.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.storage, '3Gi', 'the new template');
    const claims = await my.claims(ns, 'db');
    t.same(
      claims.map((c) => [c.metadata?.name, c.spec?.resources?.requests?.storage]).sort(),
      [
        ['data-db-0', '3Gi'],
        ['data-db-1', '3Gi'],
        ['data-db-2', '3Gi'],
      ],
      'every data claim resized, the retained ones too',
    );
    const { cluster, pods: after } = await my.ready(ns, 'db');
    t.same(
      after.map((p) => p.metadata?.uid),
      podUids,
      'the same Pods: orphaned, then adopted by the new StatefulSet',
    );
    t.match(cluster.status?.conditions, [{ type: 'Ready', status: 'True' }], 'Ready: the members are');
    // The harness's host-path provisioner has no resizer: the volumes stay at their old capacity (an
    // ExternalExpanding Event on each claim), so the cluster says it waits for them, naming them.
    const waiting = await eventually('Progressing StorageResizing, waiting for the volumes', async () => {
      const progressing = (await my.get(ns, 'db')).status?.conditions?.find((c) => c.type === 'Progressing');
      return progressing?.message?.startsWith('Waiting for the volumes') && progressing;
    });
    t.match(waiting, {
      status: 'True',
      reason: 'StorageResizing',
      message:
        /^Waiting for the volumes of PersistentVolumeClaims data-db-0, data-db-1, data-db-2 to grow: data-db-0 has \S+ of 3Gi/,
    });
    t.match((await my.get(ns, 'db')).status?.conditions, [{ type: 'Ready', status: 'True' }], 'still Ready');
    // The Event is sent after the status write it announces.
    const resized = await eventually('a StorageResized Event', async () => {
      const list = (await my.events(ns, 'db')).filter((e) => e.reason === 'StorageResized');
      return list.length > 0 && list;
    });
    t.equal(resized.length, 1, 'one StorageResized Event');
    t.match(resized[0]?.message, /Resized PersistentVolumeClaims .*data-db-0.* to 3Gi/);
    t.match(
      cluster.status?.conditions?.find((c) => c.type === 'Degraded'),
      { status: 'False' },
      'not Degraded',
    );
  });

  t.test('a settings change rolls the members through the config hash', async (t) => {
    const before = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' });
    const hash = before.spec?.template.metadata?.annotations?.[CONFIG_HASH_ANNOTATION];
    t.ok(hash, 'the Pod template carries the config hash');
    const podUid = pods[0]?.metadata?.uid;
    const res = await my.patch(ns, 'db', { settings: { max_connections: '500' } });
    t.equal(res.code, 0, res.stderr);
    const config = await eventually('my.cnf written', async () => {
      const cm = await core.readNamespacedConfigMap({ namespace: ns, name: 'db-config' });
      return /max_connections = 500/.test(cm.data?.['my.cnf'] ?? '') && cm;
    });
    t.equal(config.data?.['my.cnf'], '[mysqld]\nmax_connections = 500\n');
    const { pods: after } = await my.ready(ns, 'db');
    const sts = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' });
    t.not(sts.spec?.template.metadata?.annotations?.[CONFIG_HASH_ANNOTATION], hash, 'a new hash');
    t.not(after[0]?.metadata?.uid, podUid, 'the member was replaced');
    t.equal(
      after[0]?.metadata?.annotations?.[CONFIG_HASH_ANNOTATION],
      sts.spec?.template.metadata?.annotations?.[CONFIG_HASH_ANNOTATION],
    );
  });
});

t.test(
  'shrinking storage, a downgrade and a storage class change are denied, naming the field and the rule',
  async (t) => {
    const ns = await useNamespace(t, kc);
    t.equal((await my.apply(ns, 'db', { version: '8.4', storage: { size: '2Gi' } })).code, 0);
    const denied = [
      [{ storage: { size: '1Gi' } }, /spec\.storage\.size: may only grow \(stored 2Gi, requested 1Gi\)/],
      [{ version: '8.0' }, /spec\.version: may not go backwards \(stored 8\.4, requested 8\.0\)/],
      [
        { storage: { storageClassName: 'other' } },
        /spec\.storage\.storageClassName: is immutable \(stored none \(the cluster's default\), requested "other"\)/,
      ],
    ] as const;
    for (const [spec, message] of denied) {
      const res = await my.patch(ns, 'db', spec);
      t.not(res.code, 0, `${JSON.stringify(spec)} is denied`);
      t.match(res.stderr, /admission webhook "validate\.mysqlclusters\.shipshape\.dev" denied the request/);
      t.match(res.stderr, message);
    }
    t.match((await my.get(ns, 'db')).spec, { version: '8.4', storage: { size: '2Gi' } }, 'nothing stored');
    t.notOk((await my.get(ns, 'db')).spec.storage?.storageClassName);
  },
);

t.test(
  'an immutable change admitted while the webhooks were off is Degraded ImmutableChange, once, and not retried',
  async (t) => {
    const ns = await useNamespace(t, kc);
    t.equal((await my.apply(ns, 'db', { storage: { size: '1Gi' } })).code, 0);
    await my.ready(ns, 'db');
    const before = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' });
    // The webhooks' namespaceSelector exempts a namespace that opts out, as when they were down.
    t.equal((await my.run(['label', 'namespace', ns, 'shipshape.dev/webhooks=disabled'])).code, 0);
    // The apiserver reads the label from its informer: until it has it, the webhook still denies.
    await eventually('admitted without the webhooks', async () => {
      const res = await my.patch(ns, 'db', { storage: { storageClassName: 'elsewhere' } });
      return res.code === 0;
    });
    const degraded = await eventually('Degraded', async () => {
      const cluster = await my.get(ns, 'db');
      const { status, metadata } = cluster;
      return status?.observedGeneration === metadata.generation && status?.phase === 'Failed' && cluster;
    });
    t.match(
      degraded.status?.conditions?.find((c) => c.type === 'Degraded'),
      {
        status: 'True',
        reason: 'ImmutableChange',
        message:
          'spec.storage.storageClassName cannot change from none to "elsewhere": the storage class of the data is immutable; the StatefulSet is left as it is',
      },
    );
    t.match(
      degraded.status?.conditions?.find((c) => c.type === 'Ready'),
      { status: 'False', reason: 'ImmutableChange' },
    );
    const warnings = await eventually('the Warning Event', async () => {
      const list = (await my.events(ns, 'db')).filter((e) => e.reason === 'ImmutableChange');
      return list.length > 0 && list;
    });
    const reconciles = await reconcileCount(ns);
    t.ok(reconciles > 0, `its reconciles are exported (${reconciles} so far)`);
    await new Promise((r) => setTimeout(r, 4000));
    const later = await my.get(ns, 'db');
    t.equal(later.metadata.resourceVersion, degraded.metadata.resourceVersion, 'no status written since');
    const events = (await my.events(ns, 'db')).filter((e) => e.reason === 'ImmutableChange');
    t.equal(events.length, 1, 'one Warning Event');
    t.equal(events[0]?.type, 'Warning');
    t.equal(events[0]?.count ?? 1, 1, 'recorded once');
    t.equal(warnings[0]?.metadata?.resourceVersion, events[0]?.metadata?.resourceVersion, 'and never updated');
    t.equal(await reconcileCount(ns), reconciles, 'no reconcile in 4 s: no retry loop');
    const sts = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' });
    t.equal(sts.metadata?.uid, before.metadata?.uid, 'the StatefulSet is left as it is');
    t.equal(sts.metadata?.generation, before.metadata?.generation);
    t.notOk(sts.spec?.volumeClaimTemplates?.[0]?.spec?.storageClassName);
    t.equal((await my.readyPods(ns, 'db')).length, 1, 'its member still runs');

    // Undoing the change is a change: reconciled, Ready again.
    t.equal((await my.patch(ns, 'db', { storage: { storageClassName: null } })).code, 0);
    const { cluster } = await my.ready(ns, 'db');
    t.match(
      cluster.status?.conditions?.find((c) => c.type === 'Degraded'),
      { status: 'False' },
    );
  },
);

t.test(
  'deleting a MySQLCluster keeps its claims and password (Retain); recreated, it adopts them; Delete removes them',
  async (t) => {
    const ns = await useNamespace(t, kc);
    t.equal((await my.apply(ns, 'keep', { replicas: 2, storage: { size: '1Gi' } })).code, 0);
    await my.ready(ns, 'keep');
    const secret = await core.readNamespacedSecret({ namespace: ns, name: 'keep-root-password' });
    const claims = await my.claims(ns, 'keep');
    t.equal(claims.length, 2);
    const deleted = await my.run(['delete', 'mysqlcluster', 'keep', '-n', ns, '--wait=true', '--timeout=30s']);
    t.equal(deleted.code, 0, deleted.stderr);
    const children = [
      () => apps.readNamespacedStatefulSet({ namespace: ns, name: 'keep' }),
      () => core.readNamespacedService({ namespace: ns, name: 'keep' }),
      () => core.readNamespacedService({ namespace: ns, name: 'keep-members' }),
      () => core.readNamespacedConfigMap({ namespace: ns, name: 'keep-config' }),
      () => policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: 'keep' }),
    ];
    for (const read of children) t.ok(await isGone(read), 'a child is gone');
    await eventually('the members are gone', async () => (await my.pods(ns, 'keep')).length === 0);
    t.same(
      (await my.claims(ns, 'keep')).map((c) => c.metadata?.uid),
      claims.map((c) => c.metadata?.uid),
      'the claims are kept',
    );
    const kept = await core.readNamespacedSecret({ namespace: ns, name: 'keep-root-password' });
    t.equal(kept.metadata?.resourceVersion, secret.metadata?.resourceVersion, 'the Secret is kept, unchanged');
    const note = (await core.listNamespacedEvent({ namespace: ns })).items.find(
      (e) => e.involvedObject.kind === 'MySQLCluster' && e.reason === 'Deleted',
    );
    t.match(
      note?.message,
      /kept its data PersistentVolumeClaims and Secret keep-root-password \(claimRetention Retain\)/,
    );

    t.equal((await my.apply(ns, 'keep', { replicas: 2, storage: { size: '1Gi' } })).code, 0);
    const { pods } = await my.ready(ns, 'keep');
    t.same(
      (await my.claims(ns, 'keep')).map((c) => c.metadata?.uid),
      claims.map((c) => c.metadata?.uid),
      'the same claims, no new ones',
    );
    for (const pod of pods) {
      const ordinal = pod.metadata?.name?.split('-').at(-1);
      t.match(pod.spec?.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: `data-keep-${ordinal}` } }]);
    }
    const again = await core.readNamespacedSecret({ namespace: ns, name: 'keep-root-password' });
    t.equal(again.metadata?.uid, secret.metadata?.uid, 'the same Secret');
    t.same(again.data, secret.data, 'the same password');

    t.equal((await my.patch(ns, 'keep', { storage: { claimRetention: 'Delete' } })).code, 0);
    await eventually('Delete observed', async () => {
      const cluster = await my.get(ns, 'keep');
      return cluster.status?.observedGeneration === cluster.metadata.generation;
    });
    t.equal((await my.run(['delete', 'mysqlcluster', 'keep', '-n', ns, '--wait=true', '--timeout=30s'])).code, 0);
    t.ok(
      await eventually('the claims are gone', async () => (await my.claims(ns, 'keep')).length === 0),
      'claimRetention Delete: the claims are deleted',
    );
    const stays = await core.readNamespacedSecret({ namespace: ns, name: 'keep-root-password' });
    t.equal(stays.metadata?.uid, secret.metadata?.uid, 'the Secret kept (Shipshape deletes no Secret)');
    const said = (await my.events(ns, 'keep')).filter((e) => e.reason === 'Deleted').map((e) => e.message);
    t.match(said.at(-1), /kept Secret keep-root-password \(Shipshape deletes no Secret\)/, 'and said so');
  },
);

/** kubectl apply of a WebApp. */
const applyWebApp = (ns: string, name: string, spec: Record<string, unknown>) =>
  my.run(
    ['apply', '-n', ns, '-f', '-'],
    JSON.stringify({ apiVersion: 'shipshape.dev/v1', kind: 'WebApp', metadata: { name }, spec }),
  );
const getWebApp = async (namespace: string, name: string) =>
  (await my.custom.getNamespacedCustomObject({ ...webAppTarget, namespace, name })) as WebApp;

t.test('a WebApp and a MySQLCluster of the same name in one namespace: each handles its own children', async (t) => {
  const ns = await useNamespace(t, kc);
  // What an owner's write would change, its managedFields entry among them: not the
  // resourceVersion, which the controller manager's status writes move (the Deployment's and the
  // PodDisruptionBudget's status, catching up with the Pods after the WebApp is Running).
  const owner = async (read: () => Promise<{ metadata?: V1ObjectMeta; spec?: unknown }>) => {
    const { metadata, spec } = await read();
    const { labels, annotations, ownerReferences, generation } = metadata ?? {};
    const writes = metadata?.managedFields?.filter((f) => f.subresource !== 'status');
    const kept = { generation, labels, annotations, ownerReferences, writes, spec };
    return `${ownerReferences?.[0]?.kind} ${JSON.stringify(kept)}`;
  };
  // Both kinds name a Service and a PodDisruptionBudget after themselves: `shop`.
  const held = () =>
    Promise.all([
      owner(() => core.readNamespacedService({ namespace: ns, name: 'shop' })),
      owner(() => policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: 'shop' })),
      owner(() => apps.readNamespacedDeployment({ namespace: ns, name: 'shop' })),
    ]);
  t.equal((await applyWebApp(ns, 'shop', { image: 'nginx:1.27', replicas: 2 })).code, 0);
  const webApp = await eventually('the WebApp Running', async () => {
    const w = await getWebApp(ns, 'shop');
    return w.status?.phase === 'Running' && w;
  });
  const before = await held();
  t.match(before, [/^WebApp /, /^WebApp /, /^WebApp /]);

  t.equal((await my.apply(ns, 'shop', { replicas: 2, storage: { size: '1Gi' } })).code, 0);
  const conflict = await eventually('the MySQLCluster reports the names it cannot have', async () => {
    const cluster = await my.get(ns, 'shop');
    const degraded = cluster.status?.conditions?.find((c) => c.type === 'Degraded');
    return degraded?.reason === 'ChildConflict' && cluster.status?.readyReplicas === 2 && cluster;
  });
  t.equal(
    conflict.status?.message,
    'Service shop is controlled by WebApp shop, not applied; PodDisruptionBudget shop is controlled by WebApp shop, not applied',
  );
  t.equal((await my.readyPods(ns, 'shop')).length, 2, 'its members run all the same');
  t.match((await apps.readNamespacedStatefulSet({ namespace: ns, name: 'shop' })).metadata?.ownerReferences, [
    { kind: 'MySQLCluster', uid: conflict.metadata.uid },
  ]);
  t.ok(await core.readNamespacedService({ namespace: ns, name: 'shop-members' }), 'its own Services are there');
  await new Promise((r) => setTimeout(r, 2000));
  t.same(await held(), before, "the WebApp's Service, PodDisruptionBudget and Deployment untouched");
  const warnings = (await my.events(ns, 'shop')).filter((e) => e.type === 'Warning');
  t.same(
    warnings.map((e) => [e.reason, e.count ?? 1]),
    [['ChildConflict', 1]],
    'one Warning',
  );
  const service = await core.readNamespacedService({ namespace: ns, name: 'shop' });
  t.same(service.spec?.selector, { 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/instance': 'shop' });
  t.equal((await getWebApp(ns, 'shop')).status?.phase, 'Running', 'the WebApp is still Running');
  t.equal((await getWebApp(ns, 'shop')).metadata.generation, webApp.metadata.generation);

  // Deleting the MySQLCluster deletes its own children only.
  t.equal((await my.run(['delete', 'mysqlcluster', 'shop', '-n', ns, '--wait=true', '--timeout=30s'])).code, 0);
  t.ok(await isGone(() => apps.readNamespacedStatefulSet({ namespace: ns, name: 'shop' })), 'its StatefulSet is gone');
  t.same(await held(), before, "the WebApp's children are still there, untouched");

  // The other way round: the MySQLCluster first; the WebApp does not take its client Service.
  t.equal((await my.apply(ns, 'db', { storage: { size: '1Gi' } })).code, 0);
  await my.ready(ns, 'db');
  const dbService = await owner(() => core.readNamespacedService({ namespace: ns, name: 'db' }));
  t.match(dbService, /^MySQLCluster /);
  t.equal((await applyWebApp(ns, 'db', { image: 'nginx:1.27' })).code, 0);
  const refused = await eventually('the WebApp reports the Service it cannot have', async () => {
    const w = await getWebApp(ns, 'db');
    return w.status?.conditions?.find((c) => c.type === 'Degraded' && c.status === 'True');
  });
  t.match(refused.message, /Service db is controlled by MySQLCluster db, not applied/);
  t.equal(await owner(() => core.readNamespacedService({ namespace: ns, name: 'db' })), dbService, 'left alone');
  t.equal((await my.get(ns, 'db')).status?.phase, 'Running', 'the MySQLCluster is still Running');

  // The name freed (the MySQLCluster deleted, its Service with it), the waiting WebApp takes it at
  // once: woken by the Service's delete event, not its resync (600 s here).
  t.equal((await my.run(['delete', 'mysqlcluster', 'db', '-n', ns, '--wait=true', '--timeout=30s'])).code, 0);
  const taken = await serviceTakenBy(t, ns, 'db', 'WebApp db');
  t.same(taken.spec?.selector, { 'app.kubernetes.io/name': 'db', 'app.kubernetes.io/instance': 'db' });
  const recovered = await eventually('the WebApp no longer Degraded', async () => {
    const w = await getWebApp(ns, 'db');
    return w.status?.conditions?.find((c) => c.type === 'Degraded' && c.status === 'False') && w;
  });
  t.equal(recovered.status?.phase, 'Running');
});

/**
 * The Service `name` once `holder` (`Kind name`) controls it: within 30 s of now, where the
 * resync would take 600 s (the owner that waited on the name is woken by the freeing event).
 */
async function serviceTakenBy(t: Test, namespace: string, name: string, holder: string) {
  const since = Date.now();
  const service = await eventually(
    `${holder} takes the Service ${name}`,
    async () => {
      const found = await core.readNamespacedService({ namespace, name }).catch(() => undefined);
      const ref = found?.metadata?.ownerReferences?.find((r) => r.controller);
      return `${ref?.kind} ${ref?.name}` === holder && found;
    },
    30_000,
  );
  t.pass(`${holder} took the Service ${name} ${Date.now() - since} ms after its name was freed`);
  return service;
}

t.test('a MySQLCluster goes away with its namespace, claims and all', async (t) => {
  const ns = `gone-${Date.now().toString(36)}`;
  await core.createNamespace({ body: { metadata: { name: ns } } });
  t.equal((await my.apply(ns, 'doomed', { replicas: 2, storage: { size: '1Gi' } })).code, 0);
  await my.ready(ns, 'doomed');
  await core.deleteNamespace({ name: ns });
  await t.resolves(
    eventually('the namespace is gone', () => isGone(() => core.readNamespace({ name: ns })), 60_000),
    'within 60 s: the namespace controller, the garbage collector and the finalizer all finished',
  );
});

t.test("two MySQLClusters whose children's names meet (a and a-members) keep their own", async (t) => {
  const ns = await useNamespace(t, kc);
  t.equal((await my.apply(ns, 'a', { storage: { size: '1Gi' } })).code, 0);
  await my.ready(ns, 'a');
  const headless = await core.readNamespacedService({ namespace: ns, name: 'a-members' });
  t.equal((await my.apply(ns, 'a-members', { storage: { size: '1Gi' } })).code, 0);
  const conflict = await eventually('a-members reports the Service it cannot have', async () => {
    const cluster = await my.get(ns, 'a-members');
    return cluster.status?.conditions?.find((c) => c.type === 'Degraded' && c.reason === 'ChildConflict');
  });
  t.equal(conflict.message, 'Service a-members is controlled by MySQLCluster a, not applied');
  t.equal((await my.run(['delete', 'mysqlcluster', 'a-members', '-n', ns, '--wait=true', '--timeout=30s'])).code, 0);
  const after = await core.readNamespacedService({ namespace: ns, name: 'a-members' });
  t.equal(after.metadata?.uid, headless.metadata?.uid, "a's headless Service was not deleted with a-members");
  t.equal(after.metadata?.resourceVersion, headless.metadata?.resourceVersion, 'nor changed');
  t.equal(after.spec?.clusterIP, 'None');

  // The other way round: a-members waits, and takes its name when `a` goes.
  t.equal((await my.apply(ns, 'a-members', { storage: { size: '1Gi' } })).code, 0);
  await eventually('a-members reports the conflict again', async () => {
    const cluster = await my.get(ns, 'a-members');
    return cluster.status?.conditions?.find((c) => c.type === 'Degraded' && c.reason === 'ChildConflict');
  });
  t.equal((await my.run(['delete', 'mysqlcluster', 'a', '-n', ns, '--wait=true', '--timeout=60s'])).code, 0);
  const mine = await serviceTakenBy(t, ns, 'a-members', 'MySQLCluster a-members');
  t.not(mine.spec?.clusterIP, 'None', 'a client Service now');
  await eventually('a-members no longer reports the conflict', async () => {
    const cluster = await my.get(ns, 'a-members');
    return !cluster.status?.conditions?.some((c) => c.type === 'Degraded' && c.reason === 'ChildConflict');
  });
});
