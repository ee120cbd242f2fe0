// What the shared caches keep of a MySQLCluster's children (MYSQL_CHILD_KINDS' views): every field a
// builder applies survives its view, so a hand edit of one reads as drift (as
// test/unit/operator/cache-transforms.test.ts proves for WebApp's); the Secret's keeps no data; and
// a StatefulSet as the apiserver stores it (its defaults, template apiVersion/kind, status) reads as
// the body applied, so a new leader's sweep finds nothing to change.
import t from 'tap';
import type { DefaultedMySQLCluster } from '../../../src/api/mysqlcluster.ts';
import { toChildView } from '../../../src/operator/cache-transforms.ts';
import { SECRET_VIEW, STATEFULSET_VIEW } from '../../../src/mysql/cache-views.ts';
import { MYSQL_CHILD_KINDS, type MySQLChildKindSpec } from '../../../src/mysql/child-kinds.ts';
import { toStatefulSet } from '../../../src/mysql/statefulset.ts';
import { type Json, load } from './fixture.ts';

/** As JSON would carry it: undefined fields gone. */
const plain = (o: unknown): Json => JSON.parse(JSON.stringify(o));

const variants: Record<string, (spec: DefaultedMySQLCluster['spec']) => void> = {
  'db.yaml at 3 members': (spec) => (spec.replicas = 3),
  'no class, no resources, no settings': (spec) => {
    delete spec.storage.storageClassName;
    spec.resources = {};
    spec.settings = {};
  },
};

t.test('every field a builder applies survives its view, for each kind', async (t) => {
  for (const [name, edit] of Object.entries(variants)) {
    const cluster = load('db.yaml') as unknown as DefaultedMySQLCluster;
    edit(cluster.spec);
    for (const { kind, build, view, createOnly } of MYSQL_CHILD_KINDS as readonly MySQLChildKindSpec[]) {
      if (createOnly) continue; // never applied, never compared (below)
      const body = build(cluster);
      if (!body) continue;
      const viewed = toChildView(view, structuredClone(body) as never);
      t.same(plain(viewed), plain(body), `${name}: ${kind} ${body.metadata?.name}`);
      t.same(plain(toChildView(view, viewed)), plain(viewed), `${name}: ${kind}: the view of a view is the view`);
    }
  }
});

t.test('the Secret view keeps its identity and never its data', async (t) => {
  const cluster = load('db.yaml') as unknown as DefaultedMySQLCluster;
  const secret = MYSQL_CHILD_KINDS[0].build(cluster);
  const stored = {
    ...secret,
    metadata: { ...secret.metadata, resourceVersion: '7', uid: 'u' },
    stringData: { a: 'b' },
  };
  const viewed = plain(toChildView(SECRET_VIEW, stored as never));
  t.strictSame(viewed, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db-root-password', namespace: 'team-a', resourceVersion: '7', labels: secret.metadata!.labels },
  });
});

t.test('a StatefulSet as stored reads as the body applied, with the status the reconciler reads', async (t) => {
  const cluster = load('db.yaml') as unknown as DefaultedMySQLCluster;
  const body = plain(toStatefulSet(cluster, 'abc'));
  const stored = structuredClone(body) as Json & { spec: Json; metadata: Json };
  // What the apiserver adds: defaults, a template's apiVersion and kind and status, managedFields.
  stored.metadata = { ...stored.metadata, resourceVersion: '9', generation: 2, uid: 'u', managedFields: [{}] };
  stored.spec.revisionHistoryLimit = 10;
  const template = stored.spec.template as Json & { spec: Json & { containers: Json[] } };
  template.spec.restartPolicy = 'Always';
  template.spec.containers[0] = { ...template.spec.containers[0], imagePullPolicy: 'IfNotPresent' };
  const claims = stored.spec.volumeClaimTemplates as Json[];
  claims[0] = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...claims[0], status: { phase: 'Pending' } };
  stored.status = {
    replicas: 1,
    readyReplicas: 1,
    updatedReplicas: 1,
    currentReplicas: 1,
    availableReplicas: 1,
    currentRevision: 'db-5d',
    updateRevision: 'db-5d',
    observedGeneration: 2,
    collisionCount: 0,
  };
  const viewed = plain(toChildView(STATEFULSET_VIEW, stored as never));
  const { status, ...rest } = viewed;
  t.same(rest, { ...body, metadata: { ...(body.metadata as Json), resourceVersion: '9', generation: 2 } });
  t.strictSame(status, {
    replicas: 1,
    readyReplicas: 1,
    updatedReplicas: 1,
    currentRevision: 'db-5d',
    updateRevision: 'db-5d',
    observedGeneration: 2,
  });
});
