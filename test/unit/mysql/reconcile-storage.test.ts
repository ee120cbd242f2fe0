// reconcileMySQLCluster's storage and deletion, against the in-memory cluster (./memory-cluster.ts):
// grown storage resizes the claims and recreates the StatefulSet; a change the StatefulSet cannot
// take is reported once and not retried; deletion keeps or removes the claims and the Secret as
// claimRetention says.
import t from 'tap';
import type { V1StatefulSet } from '@kubernetes/client-node';
import { KubeApiError } from '../../../src/kube/json-client.ts';
import { RESYNC_MS, condition, createCluster } from './memory-cluster.ts';
import { type Json, load } from './fixture.ts';

/** db.yaml converged at 3 members, its claims provisioned at 1Gi, records cleared. */
async function running(edit: (spec: Json) => void = () => {}) {
  const cluster = createCluster(load('db.yaml'), { finalized: true });
  cluster.editSpec((spec) => {
    spec.replicas = 3;
    edit(spec);
  });
  await cluster.reconcile();
  cluster.rollOut({
    replicas: 3,
    readyReplicas: 3,
    updatedReplicas: 3,
    currentRevision: 'db-1',
    updateRevision: 'db-1',
  });
  await cluster.reconcile();
  cluster.clear();
  return cluster;
}

const storage = (spec: Json) => spec.storage as Json;
const templateSize = (cluster: Awaited<ReturnType<typeof running>>) =>
  (cluster.children.get('StatefulSet db')!.body as V1StatefulSet).spec!.volumeClaimTemplates![0]!.spec!.resources!
    .requests!.storage;

t.test('grown storage: the claims are resized, the StatefulSet orphan-deleted, then recreated', async (t) => {
  const cluster = await running();
  cluster.lagOrphans();
  cluster.editSpec((spec) => (storage(spec).size = '2Gi'));
  t.strictSame(await cluster.reconcile(), { requeueAfterMs: RESYNC_MS });
  t.strictSame(
    cluster.log.filter((line) => !line.startsWith('event') && line !== 'status'),
    [
      'list claims',
      'resize data-db-0 to 2Gi',
      'resize data-db-1 to 2Gi',
      'resize data-db-2 to 2Gi',
      'delete StatefulSet db (Orphan)',
    ],
    'no apply of the StatefulSet (its templates are immutable); the other children unchanged',
  );
  const growing =
    'Growing the data claims from 1Gi to 2Gi: StatefulSet db is recreated with the new volume claim template, its Pods and claims kept';
  t.strictSame(cluster.events, [
    `Normal StorageResized: Resized PersistentVolumeClaims data-db-0, data-db-1 and data-db-2 to 2Gi; ${growing}`,
  ]);
  t.equal(condition(cluster.status, 'Progressing'), `True StorageResizing: ${growing}`);
  t.equal(condition(cluster.status, 'Degraded'), 'False AsExpected: The children are applied');
  t.strictSame(
    [...cluster.claims.values()].map((c) => c.size),
    ['2Gi', '2Gi', '2Gi'],
  );

  cluster.clear();
  await cluster.reconcile();
  t.strictSame(
    cluster.log.filter((line) => /claims|resize|StatefulSet/.test(line)),
    ['list claims', 'delete StatefulSet db (Orphan)'],
    'woken while the StatefulSet is still being deleted: nothing resized twice',
  );
  t.strictSame(cluster.events, [], 'nothing new to announce');
  t.notOk(cluster.log.includes('status'), 'the same status');

  cluster.growVolumes(); // the driver grew them meanwhile: the volumes' own wait is tested below
  cluster.finishOrphans();
  cluster.clear();
  await cluster.reconcile();
  t.ok(cluster.log.includes('apply StatefulSet db'));
  t.strictSame(cluster.events, ['Normal Created: Created StatefulSet db']);
  t.equal(templateSize(cluster), '2Gi', 'recreated with the new template');
  t.equal(
    condition(cluster.status, 'Progressing'),
    "True RollingOut: Waiting for the StatefulSet's generation 1 to be observed",
  );
});

t.test(
  'a shrink: not applied, Degraded ImmutableChange once, no requeue; the other children still applied',
  async (t) => {
    const cluster = await running();
    cluster.editSpec((spec) => {
      storage(spec).size = '512Mi';
      (spec.settings as Json).max_connections = '300';
    });
    t.strictSame(await cluster.reconcile(), {}, 'no requeue: a retry would be refused again');
    t.notOk(cluster.log.includes('apply StatefulSet db'));
    t.notOk(cluster.log.some((line) => line.includes('claims') || line.startsWith('resize')));
    t.ok(cluster.log.includes('apply ConfigMap db-config'));
    const message =
      'spec.storage.size cannot change from "1Gi" to "512Mi": storage may only grow; the StatefulSet is left as it is';
    t.strictSame(cluster.events, [
      'Normal Updated: Updated ConfigMap db-config',
      `Warning ImmutableChange: ${message}`,
    ]);
    t.equal(condition(cluster.status, 'Degraded'), `True ImmutableChange: ${message}`);
    t.match(cluster.status, { phase: 'Failed', message, readyReplicas: 3, currentVersion: '8.4' });
    t.equal(templateSize(cluster), '1Gi');

    cluster.clear();
    t.strictSame(await cluster.reconcile(), {});
    t.strictSame(cluster.log, [], 'reported once: no status, no Event, no apply');

    cluster.editSpec((spec) => (storage(spec).size = '1Gi'));
    await cluster.reconcile();
    t.ok(cluster.log.includes('apply StatefulSet db'), 'reverted: applied again');
    t.equal(condition(cluster.status, 'Degraded'), 'False AsExpected: The children are applied');
  },
);

t.test('a storage class change is reported naming the field, and nothing is resized', async (t) => {
  const cluster = await running();
  cluster.editSpec((spec) => {
    storage(spec).storageClassName = 'fast';
    storage(spec).size = '5Gi';
  });
  t.strictSame(await cluster.reconcile(), {});
  t.notOk(cluster.log.some((line) => /^(resize|list claims|apply StatefulSet|delete StatefulSet)/.test(line)));
  t.equal(
    condition(cluster.status, 'Degraded'),
    'True ImmutableChange: spec.storage.storageClassName cannot change from "standard" to "fast": the storage class of the data is immutable; the StatefulSet is left as it is',
  );
});

t.test('deletion with claimRetention Retain: children deleted in reverse, claims and Secret kept', async (t) => {
  const cluster = await running();
  cluster.delete();
  t.strictSame(await cluster.reconcile(), {});
  t.strictSame(cluster.log, [
    'delete PodDisruptionBudget db',
    'delete StatefulSet db',
    'delete Service db',
    'delete Service db-members',
    'delete ConfigMap db-config',
    'event Normal Deleted: Deleted PodDisruptionBudget db, StatefulSet db, Service db, Service db-members and ConfigMap db-config of db; kept its data PersistentVolumeClaims and Secret db-root-password (claimRetention Retain)',
    'patch',
  ]);
  t.equal(cluster.claims.size, 3);
  t.ok(cluster.children.has('Secret db-root-password'));
  t.equal(cluster.stored, undefined, 'the finalizer is off: gone');
});

t.test('deletion with claimRetention Delete: the claims deleted, the Secret kept and said so', async (t) => {
  const cluster = await running((spec) => (storage(spec).claimRetention = 'Delete'));
  cluster.delete();
  await cluster.reconcile();
  t.strictSame(cluster.log.slice(-3), [
    'delete claims',
    'event Normal Deleted: Deleted PodDisruptionBudget db, StatefulSet db, Service db, Service db-members, ConfigMap db-config and 3 PersistentVolumeClaims of db; kept Secret db-root-password (Shipshape deletes no Secret) (claimRetention Delete)',
    'patch',
  ]);
  t.notOk(cluster.log.includes('delete Secret db-root-password'), 'no delete of a Secret is even tried');
  t.equal(cluster.claims.size, 0);
  t.ok(cluster.children.has('Secret db-root-password'));
  t.equal(cluster.stored, undefined, 'the finalizer is off: gone');
});

t.test("another owner's object of a child's name is neither deleted on scale-down nor by the cleanup", async (t) => {
  const cluster = await running();
  // Cluster `db`'s own objects replaced by another owner's of the same names, as the cache shows them.
  const foreign = (kind: string, name: string, owner: string) =>
    cluster.children.set(`${kind} ${name}`, {
      body: {
        apiVersion: kind === 'Service' ? 'v1' : 'policy/v1',
        kind,
        metadata: { name, namespace: 'team-a', ownerReferences: [{ kind: owner, name: 'db', controller: true }] },
      },
      resourceVersion: '1',
    });
  foreign('PodDisruptionBudget', 'db', 'WebApp');
  cluster.editSpec((spec) => (spec.replicas = 1));
  await cluster.reconcile();
  t.notOk(cluster.log.includes('delete PodDisruptionBudget db'), "the WebApp's PodDisruptionBudget stays");
  foreign('Service', 'db', 'WebApp');
  cluster.clear();
  cluster.delete();
  await cluster.reconcile();
  t.notOk(cluster.log.includes('delete Service db'), "the WebApp's Service stays");
  t.ok(cluster.log.includes('delete Service db-members'), 'its own are deleted');
  t.ok(cluster.children.has('Service db') && cluster.children.has('PodDisruptionBudget db'));
});

t.test('a cluster recreated with the same name finds its retained password and claims', async (t) => {
  const first = await running();
  first.delete();
  await first.reconcile();
  const secret = structuredClone(first.children.get('Secret db-root-password'));
  // The same API server: the retained Secret and claims are there when `db` is created again.
  const second = createCluster(load('db.yaml'));
  second.children.set('Secret db-root-password', secret!);
  for (const [name, claim] of first.claims) second.claims.set(name, claim);
  await second.reconcile();
  t.strictSame(
    second.log.filter((line) => line.includes('Secret')),
    ['create Secret db-root-password'],
    'one create, which finds it (409): no new password',
  );
  t.notOk(
    second.events.some((e) => e.includes('Secret')),
    'nothing created',
  );
  t.strictSame(second.children.get('Secret db-root-password'), secret);
});

t.test(
  'a resize the apiserver refuses: Degraded StorageResizeRefused once, the StatefulSet left, the others applied, retried at the resync',
  async (t) => {
    const cluster = await running();
    const refusal =
      'persistentvolumeclaims "data-db-0" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize';
    for (const claim of ['data-db-0', 'data-db-1', 'data-db-2'])
      cluster.fail(`resize ${claim} to 2Gi`, new KubeApiError(403, 'Forbidden', refusal, {}));
    cluster.editSpec((spec) => {
      storage(spec).size = '2Gi';
      (spec.settings as Json).max_connections = '300';
    });
    cluster.removeChild('PodDisruptionBudget', 'db');
    t.strictSame(await cluster.reconcile(), { requeueAfterMs: RESYNC_MS }, 'no hot retry: at the resync');
    t.notOk(
      cluster.log.some((line) => line.startsWith('delete StatefulSet')),
      'not orphan-deleted',
    );
    t.notOk(cluster.log.includes('apply StatefulSet db'));
    t.ok(cluster.log.includes('apply ConfigMap db-config'), 'the settings are applied');
    t.ok(cluster.log.includes('apply PodDisruptionBudget db'), 'the PodDisruptionBudget after it recreated');
    const message =
      ['data-db-0', 'data-db-1', 'data-db-2']
        .map((claim) => `PersistentVolumeClaim ${claim} was not resized to 2Gi: ${refusal}`)
        .join('; ') + '; StatefulSet db is left as it is, and the resize retried at the next resync';
    t.equal(condition(cluster.status, 'Degraded'), `True StorageResizeRefused: ${message}`);
    t.strictSame(cluster.events, [
      'Normal Updated: Updated ConfigMap db-config',
      'Normal Created: Created PodDisruptionBudget db',
      `Warning StorageResizeRefused: ${message}`,
    ]);
    t.equal(templateSize(cluster), '1Gi');

    cluster.clear();
    t.strictSame(await cluster.reconcile(), { requeueAfterMs: RESYNC_MS });
    t.strictSame(cluster.events, [], 'reported once');
    t.notOk(cluster.log.includes('status'));

    // The class now allows expansion: the resync's reconcile grows the storage.
    for (const claim of ['data-db-0', 'data-db-1', 'data-db-2']) cluster.heal(`resize ${claim} to 2Gi`);
    cluster.clear();
    await cluster.reconcile();
    t.ok(cluster.log.includes('delete StatefulSet db (Orphan)'));
    t.equal(condition(cluster.status, 'Degraded'), 'False AsExpected: The children are applied');
    t.match(condition(cluster.status, 'Progressing'), /^True StorageResizing: /);
  },
);

t.test('a claim not Bound is not resized, and named; a 5xx stays a retryable failure', async (t) => {
  const cluster = await running();
  cluster.claims.get('data-db-2')!.phase = 'Pending';
  cluster.fail(
    'resize data-db-1 to 2Gi',
    new KubeApiError(503, 'ServiceUnavailable', 'etcdserver: leader changed', {}),
  );
  cluster.editSpec((spec) => (storage(spec).size = '2Gi'));
  await t.rejects(cluster.reconcile(), { message: 'etcdserver: leader changed' });
  t.notOk(cluster.log.some((line) => line.startsWith('delete StatefulSet')));
  t.match(condition(cluster.status, 'Degraded'), /^True ApplyFailed: etcdserver: leader changed/);

  cluster.heal('resize data-db-1 to 2Gi');
  cluster.clear();
  await cluster.reconcile();
  t.strictSame(
    cluster.log.filter((line) => line.startsWith('resize')),
    ['resize data-db-1 to 2Gi'],
    'data-db-0 was resized before the failure; the Pending data-db-2 is not',
  );
  t.ok(cluster.log.includes('delete StatefulSet db (Orphan)'));
  t.equal(
    condition(cluster.status, 'Progressing'),
    'True StorageResizing: Growing the data claims from 1Gi to 2Gi: StatefulSet db is recreated with the new volume claim template, its Pods and claims kept; not Bound, so not resized: data-db-2 (Pending)',
  );
});

t.test(
  'the volumes not grown yet: Ready about the members, Progressing StorageResizing naming the claims; a resize error is Degraded',
  async (t) => {
    const cluster = await running();
    cluster.editSpec((spec) => (storage(spec).size = '2Gi'));
    await cluster.reconcile();
    cluster.clear();
    t.strictSame(await cluster.reconcile(), { requeueAfterMs: RESYNC_MS }, 'looked at again at the resync');
    t.ok(cluster.log.includes('apply StatefulSet db'), 'recreated with the new template');
    cluster.rollOut({
      replicas: 3,
      readyReplicas: 3,
      updatedReplicas: 3,
      currentRevision: 'db-1',
      updateRevision: 'db-1',
    });
    cluster.clear();
    await cluster.reconcile();
    t.ok(cluster.log.includes('list claims'));
    const waiting =
      'Waiting for the volumes of PersistentVolumeClaims data-db-0, data-db-1, data-db-2 to grow: data-db-0 has 1Gi of 2Gi, data-db-1 has 1Gi of 2Gi, data-db-2 has 1Gi of 2Gi';
    t.equal(condition(cluster.status, 'Progressing'), `True StorageResizing: ${waiting}`);
    t.equal(condition(cluster.status, 'Ready'), 'True MembersReady: 3 of 3 members ready');
    t.equal(condition(cluster.status, 'Degraded'), 'False AsExpected: The children are applied');
    t.strictSame(cluster.events, [], 'no Event for the wait');

    cluster.claims.get('data-db-1')!.conditions = [
      {
        type: 'ControllerResizeError',
        status: 'True',
        message: 'resize volume "pvc-1" by resizer failed: quota exceeded',
      },
    ];
    cluster.clear();
    await cluster.reconcile();
    const failed =
      'PersistentVolumeClaim data-db-1 could not be resized (ControllerResizeError): resize volume "pvc-1" by resizer failed: quota exceeded';
    t.equal(condition(cluster.status, 'Degraded'), `True StorageResizeFailed: ${failed}`);
    t.strictSame(cluster.events, [`Warning StorageResizeFailed: ${failed}`]);
    cluster.clear();
    await cluster.reconcile();
    t.strictSame(cluster.events, [], 'reported once');

    delete cluster.claims.get('data-db-1')!.conditions;
    cluster.growVolumes();
    cluster.clear();
    await cluster.reconcile();
    t.equal(condition(cluster.status, 'Progressing'), 'False Complete: 3 of 3 members updated and ready');
    t.equal(condition(cluster.status, 'Degraded'), 'False AsExpected: The children are applied');
    cluster.clear();
    await cluster.reconcile();
    t.notOk(cluster.log.includes('list claims'), 'caught up: the claims are no longer read');
  },
);

t.test('the cleanup deletes only children the cache shows controlled by this cluster', async (t) => {
  // Invalid from the start: nothing of db's was ever applied; a user's objects hold its names.
  const cluster = createCluster(load('db.yaml'), { finalized: true });
  cluster.editSpec((spec) => (spec.replicas = 0));
  await cluster.reconcile();
  t.match(condition(cluster.status, 'Degraded'), /^True InvalidSpec/);
  const user = (kind: string, name: string) =>
    cluster.children.set(`${kind} ${name}`, {
      body: { apiVersion: kind === 'StatefulSet' ? 'apps/v1' : 'v1', kind, metadata: { name, namespace: 'team-a' } },
      resourceVersion: '1',
    });
  user('StatefulSet', 'db');
  user('Service', 'db');
  user('Service', 'db-members');
  user('ConfigMap', 'db-config');
  cluster.clear();
  cluster.delete();
  t.strictSame(await cluster.reconcile(), {});
  t.notOk(
    cluster.log.some((line) => line.startsWith('delete')),
    'no ownerReference of db: none deleted',
  );
  t.ok(
    cluster.events.includes(
      'Normal Deleted: Nothing of db was left to delete; kept its data PersistentVolumeClaims and Secret db-root-password (claimRetention Retain)',
    ),
  );
  t.equal(cluster.children.size, 4, "the user's objects stay");
});

t.test('a child the cache does not show is left to the garbage collector', async (t) => {
  const cluster = await running();
  cluster.hide('ConfigMap', 'db-config');
  cluster.delete();
  await cluster.reconcile();
  t.notOk(cluster.log.includes('delete ConfigMap db-config'));
  t.ok(cluster.log.includes('delete StatefulSet db'), 'the ones it shows are deleted');
  t.match(
    (cluster.children.get('ConfigMap db-config')!.body.metadata as Json).ownerReferences,
    [{ kind: 'MySQLCluster', name: 'db', controller: true }],
    'it carries the ownerReference the garbage collector follows',
  );
});
