// The MySQLCluster's children builders (src/mysql/*): pure functions from the defaulted cluster
// (test/fixtures/mysql/db.yaml) to server-side apply bodies.
import t from 'tap';
import type { V1Service } from '@kubernetes/client-node';
import type { DefaultedMySQLCluster } from '../../../src/api/mysqlcluster.ts';
import { configHash } from '../../../src/operator/children.ts';
import { MySQLError } from '../../../src/mysql/mysql-error.ts';
import { mysqlSelector } from '../../../src/mysql/names.ts';
import { PASSWORD_BYTES, generatePassword, toRootPasswordSecret } from '../../../src/mysql/root-password.ts';
import { toMyCnf, toServerConfigMap } from '../../../src/mysql/server-config.ts';
import { toClientService, toMembersService } from '../../../src/mysql/services.ts';
import { MYSQL_READINESS_PROBE, toMySQLDisruptionBudget, toStatefulSet } from '../../../src/mysql/statefulset.ts';
import { loadDefaulted } from './fixture.ts';

const db = loadDefaulted;
const with_ = (edit: (spec: DefaultedMySQLCluster['spec']) => void) => {
  const cluster = db();
  edit(cluster.spec);
  return cluster;
};
const fixed = (byte: number) => (size: number) => Buffer.alloc(size, byte);

t.test('the root password: random bytes as base64url, no ownerReference, generated for each build', async (t) => {
  t.equal(generatePassword(fixed(0xfb)), Buffer.alloc(PASSWORD_BYTES, 0xfb).toString('base64url'));
  t.ok(PASSWORD_BYTES >= 24);
  t.throws(() => generatePassword(() => Buffer.alloc(8)), MySQLError, 'too few bytes is a bug, thrown');
  const secret = toRootPasswordSecret(db(), fixed(7));
  t.strictSame(secret, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'db-root-password',
      namespace: 'team-a',
      labels: {
        'app.kubernetes.io/name': 'mysql',
        'app.kubernetes.io/instance': 'db',
        'app.kubernetes.io/component': 'database',
        'app.kubernetes.io/managed-by': 'shipshape',
        'shipshape.dev/mysqlcluster': 'db',
      },
    },
    type: 'Opaque',
    data: { 'root-password': Buffer.from(Buffer.alloc(32, 7).toString('base64url')).toString('base64') },
  });
  const [a, b] = [toRootPasswordSecret(db()), toRootPasswordSecret(db())];
  t.not(a.data!['root-password'], b.data!['root-password'], 'crypto.randomBytes by default');
});

t.test('my.cnf: [mysqld] and the settings in name order, nothing of our own', async (t) => {
  t.equal(toMyCnf({}), '[mysqld]\n');
  t.equal(toMyCnf({ b: '2', a: '1', B: '3' }), '[mysqld]\nB = 3\na = 1\nb = 2\n');
  const configMap = toServerConfigMap(db());
  t.strictSame(configMap.data, { 'my.cnf': '[mysqld]\ninnodb_buffer_pool_size = 512M\nmax_connections = 200\n' });
  const reordered = with_((s) => (s.settings = { max_connections: '200', innodb_buffer_pool_size: '512M' }));
  t.equal(configHash(toServerConfigMap(reordered)), configHash(configMap), 'the order written changes nothing');
});

t.test('the Services: a headless one for the members, a ClusterIP one for clients', async (t) => {
  const ports = [{ name: 'mysql', port: 3306, targetPort: 'mysql', protocol: 'TCP' }];
  const selector = {
    'app.kubernetes.io/name': 'mysql',
    'app.kubernetes.io/instance': 'db',
    'shipshape.dev/mysqlcluster': 'db',
  };
  t.strictSame(mysqlSelector(db()), selector, 'the selector: labels from the name only');
  const members: V1Service = toMembersService(db());
  t.strictSame(members.spec, { type: 'ClusterIP', clusterIP: 'None', publishNotReadyAddresses: true, selector, ports });
  t.equal(members.metadata!.name, 'db-members');
  t.strictSame(toClientService(db()).spec, { type: 'ClusterIP', selector, ports });
});

t.test('the StatefulSet', async (t) => {
  const cluster = db();
  const set = toStatefulSet(cluster, 'abc');
  t.match(set.metadata, {
    name: 'db',
    ownerReferences: [{ kind: 'MySQLCluster', uid: cluster.metadata.uid }],
  });
  const spec = set.spec!;
  t.match(spec, {
    replicas: 1,
    serviceName: 'db-members',
    podManagementPolicy: 'OrderedReady',
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
  });
  t.strictSame(spec.selector, { matchLabels: mysqlSelector(cluster) });
  t.equal(spec.template.metadata!.annotations!['shipshape.dev/config-hash'], 'abc');
  t.equal(spec.template.metadata!.labels!['shipshape.dev/mysqlcluster'], 'db');
  t.strictSame(spec.template.spec!.containers, [
    {
      name: 'mysql',
      image: 'mysql:8.4',
      ports: [{ name: 'mysql', containerPort: 3306, protocol: 'TCP' }],
      env: [
        {
          name: 'MYSQL_ROOT_PASSWORD',
          valueFrom: { secretKeyRef: { name: 'db-root-password', key: 'root-password' } },
        },
      ],
      readinessProbe: MYSQL_READINESS_PROBE,
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } },
      volumeMounts: [
        { name: 'data', mountPath: '/var/lib/mysql' },
        { name: 'config', mountPath: '/etc/mysql/conf.d' },
      ],
    },
  ]);
  t.strictSame(spec.template.spec!.volumes, [{ name: 'config', configMap: { name: 'db-config', defaultMode: 420 } }]);
  t.strictSame(spec.volumeClaimTemplates, [
    {
      metadata: { name: 'data', labels: set.metadata!.labels },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
        storageClassName: 'standard',
        volumeMode: 'Filesystem',
      },
    },
  ]);
  const noClass = toStatefulSet(
    with_((s) => {
      delete s.storage.storageClassName;
      s.storage.size = 2 * 1024 ** 3;
      s.resources = {};
    }),
    'abc',
  );
  t.notOk('storageClassName' in noClass.spec!.volumeClaimTemplates![0]!.spec!, 'none: the cluster default class');
  t.equal(noClass.spec!.volumeClaimTemplates![0]!.spec!.resources!.requests!.storage, '2147483648');
  t.notOk('resources' in noClass.spec!.template.spec!.containers[0]!, 'no resources: none applied');
  t.notOk(JSON.stringify(set).includes('"value"'), 'no literal env value anywhere');
});

t.test('the PodDisruptionBudget above one member only', async (t) => {
  t.equal(toMySQLDisruptionBudget(db()), undefined);
  t.match(toMySQLDisruptionBudget(with_((s) => (s.replicas = 2))), {
    spec: { maxUnavailable: 1, selector: { matchLabels: { 'shipshape.dev/mysqlcluster': 'db' } } },
  });
});

t.test('a cluster without a name or uid is a bug upstream, thrown with a code', async (t) => {
  const nameless = db();
  delete nameless.metadata.name;
  t.throws(() => toServerConfigMap(nameless), { code: 'MYSQL_NO_NAME' });
  const uidless = db();
  delete uidless.metadata.uid;
  t.throws(() => toServerConfigMap(uidless), { code: 'MYSQL_NO_UID' });
});
