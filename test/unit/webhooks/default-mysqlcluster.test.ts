// The MySQLCluster mutating policy, called directly: what it fills in on a create, what an update
// keeps from the stored object, and what it never touches.
import t from 'tap';
import { defaultMySQLCluster } from '../../../webhooks/default-mysqlcluster.ts';
import type { JsonObject } from '../../../src/json/json.ts';
import type { ReconciledKind } from '../../../webhooks/limits.ts';
import { fullMySQL, loadMySQLFixture, mysqlContext } from './mysqlcluster-context.ts';

const specOf = (object: JsonObject) => object.spec as JsonObject;

t.test('a create with an empty spec gets every default', async (t) => {
  const input = loadMySQLFixture('minimal');
  const before = structuredClone(input);
  const out = defaultMySQLCluster(input, mysqlContext());
  t.strictSame(input, before, 'the argument is not changed');
  t.strictSame(out.spec, {
    version: '8.4',
    image: 'mysql:8.4',
    replicas: 1,
    storage: { size: '10Gi', claimRetention: 'Retain' },
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } },
    settings: {},
  });
  t.strictSame((out.metadata as JsonObject).labels, {
    'app.kubernetes.io/name': 'orders',
    'app.kubernetes.io/managed-by': 'shipshape',
  });
  t.strictSame((out.metadata as JsonObject).finalizers, ['shipshape.dev/finalizer']);
});

t.test('a server that does not reconcile MySQLClusters (--controllers) adds no finalizer', async (t) => {
  const context = (reconciledKinds: ReconciledKind[]) => {
    const base = mysqlContext();
    return { ...base, config: { ...base.config, reconciledKinds } };
  };
  const finalizersOf = (object: JsonObject) => (object.metadata as JsonObject).finalizers;
  t.equal(finalizersOf(defaultMySQLCluster(loadMySQLFixture('minimal'), context(['webapp']))), undefined);
  t.equal(finalizersOf(defaultMySQLCluster(loadMySQLFixture('minimal'), context([]))), undefined);
  t.strictSame(finalizersOf(defaultMySQLCluster(loadMySQLFixture('minimal'), context(['mysqlcluster']))), [
    'shipshape.dev/finalizer',
  ]);
  const kept = fullMySQL({}, { finalizers: ['example.com/keep', 'shipshape.dev/finalizer'] });
  t.strictSame(
    finalizersOf(defaultMySQLCluster(kept, context(['webapp']))),
    ['example.com/keep', 'shipshape.dev/finalizer'],
    'finalizers already there are left alone',
  );
});

t.test('the settings choose the version, repository, size, class and resources', async (t) => {
  const context = mysqlContext({
    mysql: {
      defaultVersion: '8.0.36',
      imageRepository: 'registry.example/db/mysql',
      defaultStorageSize: '50Gi',
      storageClassName: 'fast',
      defaultResources: { requests: { cpu: '1' } },
    },
  });
  t.strictSame(defaultMySQLCluster(loadMySQLFixture('minimal'), context).spec, {
    version: '8.0.36',
    image: 'registry.example/db/mysql:8.0.36',
    replicas: 1,
    storage: { size: '50Gi', storageClassName: 'fast', claimRetention: 'Retain' },
    resources: { requests: { cpu: '1' } },
    settings: {},
  });
});

t.test('the image follows a given version; a given image is kept', async (t) => {
  const out = defaultMySQLCluster({ ...loadMySQLFixture('minimal'), spec: { version: '8.0' } }, mysqlContext());
  t.equal(specOf(out).image, 'mysql:8.0');
  const own = defaultMySQLCluster(
    { ...loadMySQLFixture('minimal'), spec: { image: 'percona/percona-server:8.0' } },
    mysqlContext(),
  );
  t.equal(specOf(own).image, 'percona/percona-server:8.0');
  t.equal(specOf(own).version, '8.4');
});

t.test('a default never contradicts a resource the user set', async (t) => {
  const out = defaultMySQLCluster(
    { ...loadMySQLFixture('minimal'), spec: { resources: { limits: { cpu: '200m', memory: '512Mi' } } } },
    mysqlContext(),
  );
  t.strictSame(specOf(out).resources, {
    limits: { cpu: '200m', memory: '512Mi' },
    requests: { cpu: '200m', memory: '512Mi' },
  });
});

t.test('a fully specified cluster is returned unchanged, and defaulting is idempotent', async (t) => {
  const full = fullMySQL();
  t.strictSame(defaultMySQLCluster(full, mysqlContext()), full);
  const once = defaultMySQLCluster(loadMySQLFixture('minimal'), mysqlContext());
  t.strictSame(defaultMySQLCluster(once, mysqlContext()), once);
});

t.test('an update keeps the stored version, size and class over changed settings', async (t) => {
  const stored = fullMySQL({ version: '8.0', image: 'mysql:8.0', storage: { size: '20Gi', storageClassName: 'fast' } });
  const request = fullMySQL({
    version: undefined,
    image: undefined,
    storage: { size: undefined, storageClassName: undefined },
  });
  const context = mysqlContext({
    stored,
    mysql: {
      defaultVersion: '9.1',
      defaultStorageSize: '100Gi',
      storageClassName: 'slow',
      imageRepository: 'other/mysql',
    },
  });
  const out = specOf(defaultMySQLCluster(request, context));
  t.equal(out.version, '8.0');
  t.equal(out.image, 'mysql:8.0', "the stored derived image's repository, not the new setting's");
  t.strictSame(out.storage, { size: '20Gi', storageClassName: 'fast', claimRetention: 'Retain' });
});

t.test('an update never adds the configured class to a cluster stored without one', async (t) => {
  const stored = fullMySQL({ storage: { storageClassName: undefined } });
  const out = defaultMySQLCluster(
    structuredClone(stored),
    mysqlContext({ stored, mysql: { storageClassName: 'fast' } }),
  );
  t.equal((specOf(out).storage as JsonObject).storageClassName, undefined);
});

t.test('a version change moves a derived image along, not a chosen one', async (t) => {
  const stored = fullMySQL({ version: '8.0', image: 'mysql:8.0' });
  const raised = fullMySQL({ version: '8.4', image: 'mysql:8.0' });
  t.equal(specOf(defaultMySQLCluster(raised, mysqlContext({ stored }))).image, 'mysql:8.4');
  const pinned = fullMySQL({ version: '8.0', image: 'mysql:8.0.36' });
  const raisedPinned = fullMySQL({ version: '8.4', image: 'mysql:8.0.36' });
  t.equal(specOf(defaultMySQLCluster(raisedPinned, mysqlContext({ stored: pinned }))).image, 'mysql:8.0.36');
});

t.test('the reconciler view: a stored object defaulted as an update of itself is unchanged', async (t) => {
  const stored = fullMySQL({ storage: { storageClassName: undefined } });
  const out = defaultMySQLCluster(
    stored,
    mysqlContext({ stored, mysql: { storageClassName: 'fast', defaultVersion: '9.1' } }),
  );
  t.strictSame(out, stored);
});

t.test("an update of a cluster stored without spec.version takes its status's currentVersion", async (t) => {
  // Stored while its namespace opted out of the webhooks, reconciled at 9.0; the setting is now 8.4.
  const stored = { ...loadMySQLFixture('minimal'), status: { currentVersion: '9.0' } };
  const context = mysqlContext({ stored, mysql: { defaultVersion: '8.4' } });
  t.equal(specOf(defaultMySQLCluster(stored, context)).version, '9.0', 'the reconciler view');
  t.equal(specOf(defaultMySQLCluster(loadMySQLFixture('minimal'), context)).version, '9.0', 'an admission UPDATE');
  t.equal(specOf(defaultMySQLCluster(loadMySQLFixture('minimal'), mysqlContext())).version, '8.4', 'a create');
});

t.test('an object being deleted, or with a spec of the wrong type, is left alone', async (t) => {
  const deleting = fullMySQL({}, { deletionTimestamp: '2026-01-01T00:00:00Z' });
  t.equal(defaultMySQLCluster(deleting, mysqlContext()), deleting);
  const wrong = { ...loadMySQLFixture('minimal'), spec: { storage: 'big', resources: 3 } };
  const out = specOf(defaultMySQLCluster(wrong, mysqlContext()));
  t.equal(out.storage, 'big');
  t.equal(out.resources, 3);
});
