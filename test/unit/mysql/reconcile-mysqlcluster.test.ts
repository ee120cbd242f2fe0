// reconcileMySQLCluster by direct calls against an in-memory cluster (./memory-cluster.ts): its
// creation, the root password Secret, status as the StatefulSet rolls out, scaling, a version
// upgrade, an invalid spec, a failed apply. Storage and deletion: reconcile-storage.test.ts.
import t from 'tap';
import type { V1Secret, V1StatefulSet } from '@kubernetes/client-node';
import { FINALIZER } from '../../../src/constants.ts';
import { KubeApiError } from '../../../src/kube/json-client.ts';
import { ChildOwnedError } from '../../../src/operator/owner-context.ts';
import { NAMESPACE, RESYNC_MS, condition, createCluster, everythingButTheSecret } from './memory-cluster.ts';
import { type Json, load } from './fixture.ts';

const CREATED =
  'Normal Created: Created Secret db-root-password, ConfigMap db-config, Service db-members, Service db and StatefulSet db';

/** A converged db.yaml: finalizer on, children and status stored, records cleared. */
async function converged() {
  const cluster = createCluster(load('db.yaml'), { finalized: true });
  await cluster.reconcile();
  cluster.clear();
  cluster.later(60_000);
  return cluster;
}

const statefulSetOf = (applied: Json[]) => applied.find((c) => c.kind === 'StatefulSet') as V1StatefulSet | undefined;
const statefulSetImage = (cluster: { children: Map<string, { body: Json }> }) =>
  (cluster.children.get('StatefulSet db')!.body as V1StatefulSet).spec!.template.spec!.containers[0]!.image;
const ROLLED_OUT = {
  replicas: 1,
  readyReplicas: 1,
  updatedReplicas: 1,
  currentRevision: 'db-1',
  updateRevision: 'db-1',
};

t.test('a MySQLCluster that is gone: nothing is touched, nothing is requeued', async (t) => {
  const cluster = createCluster(undefined);
  t.strictSame(await cluster.reconcile(), {});
  t.strictSame(cluster.log, []);
});

t.test(
  'a fresh cluster: finalizer, the Secret created, the children applied in order, one Event, a status',
  async (t) => {
    const cluster = createCluster(load('db.yaml'));
    t.strictSame(await cluster.reconcile(), { requeueAfterMs: RESYNC_MS });
    t.strictSame(cluster.log, [
      'patch',
      'create Secret db-root-password',
      'apply ConfigMap db-config',
      'apply Service db-members',
      'apply Service db',
      'apply StatefulSet db',
      `event ${CREATED}`,
      'status',
    ]);
    t.strictSame((cluster.stored!.metadata as Json).finalizers, [FINALIZER]);
    for (const child of cluster.applied) {
      t.match(child.metadata, {
        namespace: NAMESPACE,
        labels: { 'shipshape.dev/mysqlcluster': 'db', 'app.kubernetes.io/managed-by': 'shipshape' },
        ownerReferences: [{ apiVersion: 'shipshape.dev/v1alpha1', kind: 'MySQLCluster', name: 'db', controller: true }],
      });
    }
    const [secret] = cluster.created as V1Secret[];
    t.notOk(secret!.metadata!.ownerReferences, 'the Secret has no owner: it may outlive the cluster with its data');
    t.equal(secret!.metadata!.labels!['shipshape.dev/mysqlcluster'], 'db', 'but carries the owner label');
    const password = Buffer.from(secret!.data!['root-password']!, 'base64').toString();
    t.match(password, /^[A-Za-z0-9_-]{43}$/, '32 random bytes as base64url');
    t.notOk(everythingButTheSecret(cluster).includes(password), 'the password is in no log, Event, apply or status');
    const env = statefulSetOf(cluster.applied)!.spec!.template.spec!.containers[0]!.env!;
    t.strictSame(env, [
      { name: 'MYSQL_ROOT_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-root-password', key: 'root-password' } } },
    ]);
    const status = cluster.status!;
    t.match(status, {
      phase: 'Pending',
      replicas: 0,
      readyReplicas: 0,
      observedGeneration: 1,
      message: '0 of 1 members ready',
    });
    t.notOk('currentVersion' in status, 'no version until a rollout completes');
    t.equal(
      condition(status, 'Progressing'),
      "True RollingOut: Waiting for the StatefulSet's generation 1 to be observed",
    );
    t.equal(condition(status, 'Degraded'), 'False AsExpected: The children are applied');
    t.equal(condition(status, 'WithinLimits'), 'True WithinLimits: The spec is within the admission limits');
  },
);

t.test('an unchanged world: no create, no apply, no status, no Event', async (t) => {
  const cluster = await converged();
  // A resync period after the Secret was created: the memo has expired, so one create finds it.
  t.strictSame(await cluster.reconcile(), { requeueAfterMs: RESYNC_MS });
  t.strictSame(cluster.log, ['create Secret db-root-password'], 'the Secret looked for once a resync');
  cluster.clear();
  for (let i = 0; i < 3; i++) t.strictSame(await cluster.reconcile(), { requeueAfterMs: RESYNC_MS });
  t.strictSame(cluster.log, []);
});

t.test('the Secret is created once, then POSTed once a resync period, never applied or updated', async (t) => {
  const cluster = createCluster(load('db.yaml'), { finalized: true });
  await cluster.reconcile();
  const before = structuredClone(cluster.children.get('Secret db-root-password')!);
  cluster.clear();
  cluster.editSpec((spec) => (spec.settings = { max_connections: '500' }));
  cluster.later(RESYNC_MS - 1);
  await cluster.reconcile();
  t.notOk(
    cluster.log.some((line) => line.includes('Secret')),
    'created within the resync period: known to exist, not even a create',
  );
  cluster.later(1);
  cluster.clear();
  cluster.editSpec((spec) => (spec.replicas = 1));
  await cluster.reconcile();
  t.strictSame(cluster.log.slice(0, 1), ['create Secret db-root-password'], 'a resync later: a create, never an apply');
  t.notOk(
    cluster.events.some((e) => e.includes('Secret')),
    'it already existed: nothing to announce',
  );
  t.strictSame(cluster.children.get('Secret db-root-password'), before, 'the stored Secret is untouched');
  cluster.clear();
  await cluster.reconcile();
  t.notOk(
    cluster.log.some((line) => line.includes('Secret')),
    'found (409): known again for a resync period',
  );

  // Deleted by hand: created again within one resync period, with a new password.
  cluster.removeChild('Secret', 'db-root-password');
  cluster.later(RESYNC_MS);
  cluster.clear();
  await cluster.reconcile();
  t.strictSame(cluster.log.slice(0, 1), ['create Secret db-root-password']);
  t.ok(cluster.events.includes('Normal Created: Created Secret db-root-password'));
});

t.test('a namespace at its Secret quota: the other children are applied all the same', async (t) => {
  const quota = new KubeApiError(
    403,
    'Forbidden',
    'secrets "db-root-password" is forbidden: exceeded quota: count, requested: count/secrets=1, used: count/secrets=10, limited: count/secrets=10',
    {},
  );
  const cluster = createCluster(load('db.yaml'), { finalized: true });
  await cluster.reconcile();
  cluster.fail('create Secret db-root-password', quota);
  cluster.clear();
  cluster.editSpec((spec) => (spec.settings = { max_connections: '500' }));
  await cluster.reconcile();
  t.notOk(cluster.log.includes('create Secret db-root-password'), 'known to exist: no create to refuse');
  t.ok(cluster.log.includes('apply ConfigMap db-config'));

  // A resync later, quota admission refuses the create before it can find the Secret.
  cluster.later(RESYNC_MS);
  cluster.clear();
  cluster.editSpec((spec) => (spec.settings = { max_connections: '600' }));
  t.strictSame(await cluster.reconcile(), { requeueAfterMs: RESYNC_MS });
  t.ok(cluster.log.includes('create Secret db-root-password'));
  t.ok(cluster.log.includes('apply ConfigMap db-config'), 'existed a resync ago: taken as found');
  t.equal(condition(cluster.status, 'Degraded'), 'False AsExpected: The children are applied');

  // A new cluster at the quota: its Secret cannot be made, reported as any failed create.
  const fresh = createCluster(load('db.yaml'), { finalized: true });
  fresh.fail('create Secret db-root-password', quota);
  await t.rejects(fresh.reconcile(), { message: quota.message });
  t.match(
    condition(fresh.status, 'Degraded'),
    /^True ApplyFailed: secrets "db-root-password" is forbidden: exceeded quota/,
  );
  t.notOk(fresh.log.includes('apply StatefulSet db'));
});

t.test('status follows the StatefulSet: Running once every member is ready, with the version', async (t) => {
  const cluster = await converged();
  cluster.rollOut({
    replicas: 1,
    readyReplicas: 0,
    updatedReplicas: 1,
    currentRevision: 'db-1',
    updateRevision: 'db-1',
  });
  await cluster.reconcile();
  t.equal(condition(cluster.status, 'Progressing'), 'True RollingOut: 0 of 1 members ready');
  t.equal(cluster.status!.phase, 'Pending');
  const pendingSince = cluster.status!.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime;
  cluster.later(60_000);
  cluster.rollOut(ROLLED_OUT);
  await cluster.reconcile();
  t.match(cluster.status, {
    phase: 'Running',
    replicas: 1,
    readyReplicas: 1,
    currentVersion: '8.4',
    message: '1 of 1 members ready',
  });
  t.equal(condition(cluster.status, 'Ready'), 'True MembersReady: 1 of 1 members ready');
  t.equal(condition(cluster.status, 'Progressing'), 'False Complete: 1 of 1 members updated and ready');
  const ready = cluster.status!.conditions!.find((c) => c.type === 'Ready')!;
  t.not(ready.lastTransitionTime, pendingSince, 'Ready moved: a new transition time');
  const degraded = cluster.status!.conditions!.find((c) => c.type === 'Degraded')!;
  t.equal(degraded.lastTransitionTime, '2026-03-01T10:00:00Z', 'Degraded did not move: its time is kept');
  t.ok(cluster.status!.conditions!.every((c) => c.observedGeneration === 1));
});

t.test('scaling to 3 updates the StatefulSet and adds a PodDisruptionBudget; back to 1 deletes it', async (t) => {
  const cluster = await converged();
  cluster.editSpec((spec) => (spec.replicas = 3));
  await cluster.reconcile();
  t.strictSame(cluster.events, [
    'Normal Updated: Updated StatefulSet db',
    'Normal Created: Created PodDisruptionBudget db',
  ]);
  t.equal(statefulSetOf(cluster.applied)!.spec!.replicas, 3);
  t.match(cluster.applied.at(-1), {
    kind: 'PodDisruptionBudget',
    spec: { maxUnavailable: 1, selector: { matchLabels: { 'shipshape.dev/mysqlcluster': 'db' } } },
  });
  t.equal(cluster.status!.message, '0 of 3 members ready');
  cluster.clear();
  cluster.editSpec((spec) => (spec.replicas = 1));
  await cluster.reconcile();
  t.ok(cluster.log.includes('delete PodDisruptionBudget db'));
  t.strictSame(cluster.events, [
    'Normal Updated: Updated StatefulSet db',
    'Normal Deleted: Deleted PodDisruptionBudget db',
  ]);
});

t.test('a version upgrade: the image changes, currentVersion follows the rollout', async (t) => {
  const cluster = await converged();
  cluster.rollOut(ROLLED_OUT);
  await cluster.reconcile();
  t.equal(cluster.status!.currentVersion, '8.4');
  cluster.clear();
  cluster.editSpec((spec) => {
    spec.version = '8.4.3';
    delete spec.image; // the test's judge defaults it from the version, as the webhook does
  });
  await cluster.reconcile();
  t.strictSame(cluster.events, ['Normal Updated: Updated StatefulSet db']);
  t.equal(statefulSetOf(cluster.applied)!.spec!.template.spec!.containers[0]!.image, 'mysql:8.4.3');
  t.equal(cluster.status!.currentVersion, '8.4', 'the StatefulSet has not seen its new generation');
  cluster.rollOut({ ...ROLLED_OUT, readyReplicas: 0, updatedReplicas: 0, updateRevision: 'db-2' });
  await cluster.reconcile();
  t.equal(cluster.status!.currentVersion, '8.4', 'rolling: the version before');
  t.equal(condition(cluster.status, 'Progressing'), 'True RollingOut: 0 of 1 members updated');
  cluster.rollOut({ ...ROLLED_OUT, updateRevision: 'db-2' });
  await cluster.reconcile();
  t.equal(cluster.status!.currentVersion, '8.4', 'updated and ready, but the revisions still differ');
  cluster.rollOut({ ...ROLLED_OUT, currentRevision: 'db-2', updateRevision: 'db-2' });
  await cluster.reconcile();
  t.equal(cluster.status!.currentVersion, '8.4.3', 'the rollout completed');
});

t.test(
  'a version below the running one (admission bypassed): Degraded VersionDowngrade once, the StatefulSet left, the others applied, no requeue',
  async (t) => {
    const cluster = await converged();
    cluster.rollOut(ROLLED_OUT);
    await cluster.reconcile();
    t.equal(cluster.status!.currentVersion, '8.4');
    cluster.clear();
    cluster.editSpec((spec) => {
      spec.version = '8.0';
      delete spec.image;
      spec.settings = { max_connections: '500' };
    });
    t.strictSame(await cluster.reconcile(), {}, 'no requeue: it waits for the spec to change');
    t.notOk(cluster.log.includes('apply StatefulSet db'), 'not rolled out');
    t.ok(cluster.log.includes('apply ConfigMap db-config'), 'the other children applied');
    const message =
      'spec.version cannot go from "8.4" to "8.0": the members run 8.4 (status.currentVersion) and MySQL cannot be downgraded in place; the StatefulSet is left as it is';
    t.strictSame(cluster.events, [
      'Normal Updated: Updated ConfigMap db-config',
      `Warning VersionDowngrade: ${message}`,
    ]);
    t.equal(condition(cluster.status, 'Degraded'), `True VersionDowngrade: ${message}`);
    t.match(cluster.status, { phase: 'Failed', readyReplicas: 1, currentVersion: '8.4' });
    t.equal(statefulSetImage(cluster), 'mysql:8.4');

    cluster.clear();
    t.strictSame(await cluster.reconcile(), {});
    t.strictSame(cluster.log, [], 'reported once: no status, no Event, no apply');

    cluster.editSpec((spec) => (spec.version = '8.4.3'));
    await cluster.reconcile();
    t.ok(cluster.log.includes('apply StatefulSet db'), 'a version at or above the running one is applied');
    t.equal(condition(cluster.status, 'Degraded'), 'False AsExpected: The children are applied');
  },
);

t.test('a change of settings updates the ConfigMap and rolls the members (a new config hash)', async (t) => {
  const cluster = await converged();
  const hashOf = (c: typeof cluster) =>
    (c.children.get('StatefulSet db')!.body as V1StatefulSet).spec!.template.metadata!.annotations![
      'shipshape.dev/config-hash'
    ];
  const before = hashOf(cluster);
  cluster.editSpec((spec) => ((spec.settings as Json).max_connections = '500'));
  await cluster.reconcile();
  t.strictSame(cluster.events, ['Normal Updated: Updated ConfigMap db-config and StatefulSet db']);
  t.not(hashOf(cluster), before);
});

t.test('an invalid spec: one Warning, Degraded InvalidSpec, nothing applied, no requeue', async (t) => {
  const cluster = createCluster(load('db.yaml'), { finalized: true });
  cluster.editSpec((spec) => (spec.replicas = 0));
  t.strictSame(await cluster.reconcile(), {});
  const invalid = 'MySQLCluster "db" is invalid: spec.replicas: must be at least 1';
  t.strictSame(cluster.log, ['status', `event Warning InvalidSpec: ${invalid}`]);
  t.match(cluster.status, { phase: 'Failed', message: invalid });
  t.equal(condition(cluster.status, 'Degraded'), `True InvalidSpec: ${invalid}`);
  t.equal(condition(cluster.status, 'Ready'), `False InvalidSpec: ${invalid}`);
  cluster.clear();
  t.strictSame(await cluster.reconcile(), {});
  t.strictSame(cluster.log, [], 'said once: no status, no Event');
});

t.test('a spec over a limit is built and reported once', async (t) => {
  const cluster = await converged();
  cluster.editSpec((spec) => (spec.replicas = 7));
  await cluster.reconcile();
  t.ok(cluster.log.includes('apply StatefulSet db'), 'built all the same');
  t.ok(cluster.events.includes('Warning LimitExceeded: spec.replicas: 7 exceeds the maximum of 5'));
  t.equal(condition(cluster.status, 'WithinLimits'), 'False LimitExceeded: spec.replicas: 7 exceeds the maximum of 5');
  cluster.clear();
  cluster.rollOut({ replicas: 1 });
  await cluster.reconcile();
  t.notOk(
    cluster.events.some((e) => e.includes('LimitExceeded')),
    'not news: not announced again',
  );
});

t.test('a failed apply: a Warning, Degraded ApplyFailed in status, and the error thrown for a retry', async (t) => {
  const cluster = await converged();
  cluster.editSpec((spec) => (spec.replicas = 3));
  cluster.fail('apply StatefulSet db', new Error('admission webhook "x" denied the request\nmore'));
  await t.rejects(cluster.reconcile(), /denied the request/);
  t.ok(cluster.events.includes('Warning ApplyFailed: admission webhook "x" denied the request'));
  t.equal(condition(cluster.status, 'Degraded'), 'True ApplyFailed: admission webhook "x" denied the request');
  cluster.heal('apply StatefulSet db');
  cluster.clear();
  await cluster.reconcile();
  t.equal(condition(cluster.status, 'Degraded'), 'False AsExpected: The children are applied');
});

t.test("a failure before the StatefulSet's turn still counts the members, from the cache", async (t) => {
  const cluster = await converged();
  cluster.rollOut(ROLLED_OUT);
  await cluster.reconcile();
  cluster.editSpec((spec) => ((spec.settings as Json).max_connections = '500'));
  cluster.fail('apply ConfigMap db-config', new Error('etcdserver: request timed out'));
  await t.rejects(cluster.reconcile());
  t.notOk(cluster.log.includes('apply StatefulSet db'), 'stopped at the first failure');
  t.match(cluster.status, { phase: 'Failed', replicas: 1, readyReplicas: 1, currentVersion: '8.4' });
});

t.test('a child whose name another owner holds: the rest applied, Degraded ChildConflict, one Warning', async (t) => {
  const cluster = await converged();
  // A WebApp named db in the namespace: its Service db (the base context refuses to apply over it).
  cluster.removeChild('Service', 'db');
  cluster.fail('apply Service db', new ChildOwnedError('Service db', 'WebApp db'));
  cluster.editSpec((spec) => ((spec.settings as Json).max_connections = '500'));
  const result = await cluster.reconcile();
  t.ok(cluster.log.includes('apply StatefulSet db'), 'the StatefulSet is applied all the same');
  t.equal(
    condition(cluster.status, 'Degraded'),
    'True ChildConflict: Service db is controlled by WebApp db, not applied',
  );
  t.same(
    cluster.events.filter((e) => e.startsWith('Warning')),
    ['Warning ChildConflict: Service db is controlled by WebApp db, not applied'],
  );
  t.same(result, { requeueAfterMs: RESYNC_MS }, 'looked at again at the resync, not retried');
  cluster.clear();
  await cluster.reconcile();
  t.same(cluster.events, [], 'nothing new to say: no second Warning');
  t.same(cluster.statuses, [], 'and no status write');
});
