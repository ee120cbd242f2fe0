// The harness's storage (src/control-plane/host-path-storage.ts): claims of its default
// StorageClass bind to folders kube-controller-manager's host-path provisioner makes under
// /tmp/hostpath_pv, a StatefulSet's Pods turn Ready on kwok Nodes with them, a claim may grow
// (nothing resizes it), a deleted claim takes its PersistentVolume and folder with it, and a stopped
// control plane leaves none of its folders, even when its apiserver was down at stop().
import { existsSync, readdirSync } from 'node:fs';
import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  StorageV1Api,
  type V1PersistentVolumeClaim,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import t, { type Test } from 'tap';
import { HOSTPATH_STORAGE_CLASS, HOSTPATH_VOLUMES_DIR } from '../../src/control-plane/host-path-storage.ts';
import { eventually, settled } from '../helpers/eventually.ts';
import { useControlPlane, useNamespace } from '../helpers/control-plane.ts';

const { cp, kc } = await useControlPlane(t);
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);

function statefulSet(name: string, replicas: number): V1StatefulSet {
  const labels = { app: name };
  return {
    metadata: { name },
    spec: {
      serviceName: name,
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name: 'db', image: 'db:1', volumeMounts: [{ name: 'data', mountPath: '/var/lib/db' }] }],
        },
      },
      // No storageClassName: the default class's.
      volumeClaimTemplates: [
        {
          metadata: { name: 'data' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
    },
  };
}

/** The folder the claim's bound PersistentVolume names. */
async function folderOf(kc: KubeConfig, claim: V1PersistentVolumeClaim): Promise<string> {
  const pv = await kc.makeApiClient(CoreV1Api).readPersistentVolume({ name: claim.spec!.volumeName! });
  return pv.spec!.hostPath!.path!;
}

/**
 * Nothing of `folders` is left, nor an empty parent (another control plane's folders may be there).
 * The parent is read until it is gone or holds something, for up to 2 s: another control plane on
 * the machine may be between removing its last folder and the parent, or between making the
 * parent and a folder in it.
 */
async function assertLeftNothing(t: Test, folders: string[]): Promise<void> {
  t.strictSame(
    folders.filter((f) => existsSync(f)),
    [],
    'no folder the provisioner made is left',
  );
  const parentSettled = async () => !existsSync(HOSTPATH_VOLUMES_DIR) || readdirSync(HOSTPATH_VOLUMES_DIR).length > 0;
  t.ok(
    await settled(parentSettled, true, 2000),
    `${HOSTPATH_VOLUMES_DIR} is gone, or holds only another control plane's folders`,
  );
}

const folders: string[] = [];
// The tests below use one StatefulSet's claims in turn.
const ns = await useNamespace(t, kc, 'storage');

t.test('the default StorageClass is the harness host-path one', async (t) => {
  const classes = (await kc.makeApiClient(StorageV1Api).listStorageClass()).items;
  t.strictSame(
    classes.map((c) => ({
      name: c.metadata?.name,
      default: c.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'],
      provisioner: c.provisioner,
      reclaimPolicy: c.reclaimPolicy,
      allowVolumeExpansion: c.allowVolumeExpansion,
      volumeBindingMode: c.volumeBindingMode,
    })),
    [
      {
        name: HOSTPATH_STORAGE_CLASS,
        default: 'true',
        provisioner: 'kubernetes.io/host-path',
        reclaimPolicy: 'Delete',
        allowVolumeExpansion: true,
        volumeBindingMode: 'Immediate',
      },
    ],
  );
});

t.test("a StatefulSet's claims bind to folders on this machine and its Pods turn Ready", async (t) => {
  const started = Date.now();
  await core.createNamespacedService({
    namespace: ns,
    body: { metadata: { name: 'db' }, spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 3306 }] } },
  });
  await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('db', 3) });
  const ready = await eventually(
    'db has 3 ready replicas',
    async () => {
      const sts = await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' });
      return sts.status?.readyReplicas === 3 && sts;
    },
    30_000,
  );
  t.comment(`3 replicas Ready in ${Date.now() - started} ms`);
  t.equal(ready.status?.currentReplicas, 3);

  const claims = (await core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items;
  t.strictSame(
    claims
      .map((c) => [c.metadata?.name, c.spec?.storageClassName, c.status?.phase, c.status?.capacity?.storage])
      .sort(),
    [0, 1, 2].map((i) => [`data-db-${i}`, HOSTPATH_STORAGE_CLASS, 'Bound', '1Gi']),
    'one claim per replica, of the default class, Bound, 1Gi',
  );
  for (const claim of claims) folders.push(await folderOf(kc, claim));
  t.strictSame(
    folders.filter((f) => !/^\/tmp\/hostpath_pv\/[0-9a-f-]{36}$/.test(f) || !existsSync(f)),
    [],
    'each PersistentVolume is a folder of its own under /tmp/hostpath_pv on this machine',
  );
  t.equal(new Set(folders).size, 3, 'three folders');
  const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=db' })).items;
  t.strictSame(
    pods.map((p) => [p.metadata?.name, p.spec?.nodeName?.startsWith('kwok-node-'), p.status?.phase]).sort(),
    [0, 1, 2].map((i) => [`db-${i}`, true, 'Running']),
    'each Pod scheduled onto a kwok Node, Running',
  );
});

t.test('a claim may grow: the apiserver accepts it, and no resizer acts on it', async (t) => {
  const name = 'data-db-0';
  const patched = await core.patchNamespacedPersistentVolumeClaim({
    namespace: ns,
    name,
    body: [{ op: 'replace', path: '/spec/resources/requests/storage', value: '2Gi' }],
  });
  t.equal(patched.spec?.resources?.requests?.storage, '2Gi', 'the larger request is stored');
  const event = await eventually('the expand controller has seen the claim', async () =>
    (await core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` })).items.find(
      (e) => e.reason === 'ExternalExpanding',
    ),
  );
  t.comment(`event ${event.type} ${event.reason}: ${event.message}`);
  t.equal(event.message, 'waiting for an external controller to expand this PVC');
  const claim = await core.readNamespacedPersistentVolumeClaim({ namespace: ns, name });
  t.comment(`status after the resize: ${JSON.stringify(claim.status)}`);
  t.equal(claim.status?.phase, 'Bound', 'still Bound');
  t.equal(claim.status?.capacity?.storage, '1Gi', 'the capacity stays the provisioned one');
});

t.test('a deleted claim releases its PersistentVolume, which is deleted with its folder', async (t) => {
  await apps.patchNamespacedStatefulSet({
    namespace: ns,
    name: 'db',
    body: [{ op: 'replace', path: '/spec/replicas', value: 2 }],
  });
  const scaling = Date.now();
  await eventually(
    'db-2 is gone',
    async () => (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=db' })).items.length === 2,
  );
  t.comment(`db-2 gone after ${Date.now() - scaling} ms`);
  const claim = await core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: 'data-db-2' });
  const pv = claim.spec!.volumeName!;
  const folder = await folderOf(kc, claim);
  const deleting = Date.now();
  await core.deleteNamespacedPersistentVolumeClaim({ namespace: ns, name: 'data-db-2' });
  await eventually('the claim is gone', async () =>
    core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: 'data-db-2' }).then(
      () => false,
      () => true,
    ),
  );
  t.comment(`claim gone after ${Date.now() - deleting} ms`);
  await eventually('the PersistentVolume is deleted', async () =>
    core.readPersistentVolume({ name: pv }).then(
      () => false,
      () => true,
    ),
  );
  t.comment(`PersistentVolume gone after ${Date.now() - deleting} ms`);
  t.notOk(existsSync(folder), `its folder ${folder} is removed`);
});

t.test('a stopped control plane leaves no process and none of its folders', async (t) => {
  const remaining = folders.filter((f) => existsSync(f));
  t.equal(remaining.length, 2, 'two claims still hold folders');
  const pids = [cp.etcd.pid, cp.apiserver.pid, ...cp.controllers.map((p) => p.pid)];
  await cp.stop();
  t.strictSame(
    pids.filter((pid) => isAlive(pid)),
    [],
    'etcd, kube-apiserver and the controllers ended',
  );
  t.notOk(existsSync(cp.dir), 'its folder is removed');
  await assertLeftNothing(t, folders);
});

t.test('stopped while its apiserver is down, it removes the folders listed before the outage', async (t) => {
  const second = await useControlPlane(t, { nodes: 1 });
  const secondCore = second.kc.makeApiClient(CoreV1Api);
  const namespace = await useNamespace(t, second.kc, 'outage');
  await secondCore.createNamespacedPersistentVolumeClaim({
    namespace,
    body: {
      metadata: { name: 'data' },
      spec: {
        storageClassName: HOSTPATH_STORAGE_CLASS,
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
      },
    },
  });
  const claim = await eventually('the claim is Bound', async () => {
    const c = await secondCore.readNamespacedPersistentVolumeClaim({ namespace, name: 'data' });
    return c.status?.phase === 'Bound' && c;
  });
  const folder = await folderOf(second.kc, claim);
  t.ok(existsSync(folder), `its folder ${folder} exists`);
  await second.cp.stopApiserver();
  await second.cp.stop();
  await assertLeftNothing(t, [folder]);
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
