// judgeMySQLCluster, the reconciler's view of a stored MySQLCluster: defaulted as an update of
// itself, validated, limits reported but built, anything else invalid.
import t from 'tap';
import { judgeMySQLCluster } from '../../../webhooks/judge-mysqlcluster.ts';
import { fullMySQL, loadMySQLFixture, mysqlContext } from './mysqlcluster-context.ts';

t.test('a stored cluster is built as it is stored, whatever the settings now say', async (t) => {
  const stored = fullMySQL({ version: '8.0', image: 'mysql:8.0' });
  const desired = judgeMySQLCluster(
    stored,
    mysqlContext({ mysql: { defaultVersion: '9.1', storageClassName: 'slow' } }),
  );
  t.strictSame(desired, { cluster: stored });
});

t.test('a cluster stored without defaults (the webhook bypassed) is built defaulted', async (t) => {
  const desired = judgeMySQLCluster(loadMySQLFixture('minimal'), mysqlContext({ mysql: { storageClassName: 'fast' } }));
  t.strictSame(desired.cluster?.spec, {
    version: '8.4',
    image: 'mysql:8.4',
    replicas: 1,
    // Judged as an update of itself: a class is never added to a stored cluster.
    storage: { size: '10Gi', claimRetention: 'Retain' },
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } },
    settings: {},
  });
  t.equal(desired.invalid, undefined);
});

t.test('a limit exceeded is reported and the cluster still built', async (t) => {
  const desired = judgeMySQLCluster(fullMySQL({ replicas: 4 }), mysqlContext({ limits: { maxReplicas: 3 } }));
  t.equal(desired.limitExceeded, 'spec.replicas: 4 exceeds the maximum of 3');
  t.equal(desired.cluster?.spec.replicas, 4);
});

t.test('under warn enforcement the report says so', async (t) => {
  const desired = judgeMySQLCluster(
    fullMySQL({ replicas: 4 }),
    mysqlContext({ limits: { maxReplicas: 3 }, annotations: { 'shipshape.dev/enforcement': 'warn' } }),
  );
  t.equal(
    desired.limitExceeded,
    'spec.replicas: 4 exceeds the maximum of 3; admitted under warn enforcement: under enforce, a create or a change of these values is denied',
  );
  t.ok(desired.cluster);
});

t.test('any other violation makes it invalid, with the webhook message', async (t) => {
  const desired = judgeMySQLCluster(fullMySQL({ replicas: 9, image: 'Bad Image' }), mysqlContext());
  t.strictSame(desired, {
    invalid: 'MySQLCluster "orders" is invalid: spec.image: "Bad Image" is not a valid image reference',
    limitExceeded: 'spec.replicas: 9 exceeds the maximum of 5',
  });
  t.strictSame(judgeMySQLCluster('nope', mysqlContext()), { invalid: 'MySQLCluster is invalid: not an object' });
});

t.test('a cluster stored without spec.version keeps the version its status says it runs', async (t) => {
  // Stored without the webhooks, reconciled at 9.0; the setting then changed to 8.4.
  const stored = { ...loadMySQLFixture('minimal'), status: { currentVersion: '9.0' } };
  const desired = judgeMySQLCluster(stored, mysqlContext({ mysql: { defaultVersion: '8.4' } }));
  t.equal(desired.cluster?.spec.version, '9.0');
  t.equal(desired.cluster?.spec.image, 'mysql:9.0');
  t.equal(desired.invalid, undefined);
});

t.test('a cluster stored without spec.version or a currentVersion takes the setting', async (t) => {
  const stored = { ...loadMySQLFixture('minimal'), status: { phase: 'Pending' } };
  const desired = judgeMySQLCluster(stored, mysqlContext({ mysql: { defaultVersion: '9.1' } }));
  t.equal(desired.cluster?.spec.version, '9.1');
});

t.test("a stored spec.version wins over the status's currentVersion (an upgrade in progress)", async (t) => {
  const stored = { ...fullMySQL({ version: '8.4', image: 'mysql:8.4' }), status: { currentVersion: '8.0' } };
  const desired = judgeMySQLCluster(stored, mysqlContext({ mysql: { defaultVersion: '9.1' } }));
  t.equal(desired.cluster?.spec.version, '8.4');
});
