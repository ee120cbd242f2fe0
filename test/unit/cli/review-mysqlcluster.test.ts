// `shipshape review` of MySQLCluster manifests (issue #36), offline: the same policies as the
// server's routes, in the apiserver's order, with --old making an UPDATE.
import t from 'tap';
import { reviewOffline } from '../../../src/cli/review-offline.ts';
import { planReviews } from '../../../src/cli/targets.ts';
import { formatReport } from '../../../src/cli/report.ts';
import { toPolicyConfigFromFile } from '../../../src/cli/config-file.ts';
import { defaultPolicyConfig } from '../../../src/config/config.ts';
import type { JsonObject } from '../../../src/json/json.ts';
import { DEFAULT_LIMITS } from '../../../webhooks/limits.ts';
import { DEFAULT_MYSQL_POLICY_CONFIG } from '../../../webhooks/mysql-policy-config.ts';

const config = { limits: DEFAULT_LIMITS, mysql: DEFAULT_MYSQL_POLICY_CONFIG };
const cluster = (spec: JsonObject, name = 'orders'): JsonObject => ({
  apiVersion: 'shipshape.dev/v1alpha1',
  kind: 'MySQLCluster',
  metadata: { name, namespace: 'shop' },
  spec,
});

t.test('a create is defaulted and allowed; the patch is the defaults', async (t) => {
  const review = await reviewOffline({ object: cluster({}), namespace: 'shop' }, { config });
  t.equal(review.allowed, true);
  t.equal(review.operation, 'CREATE');
  t.match(review.object.spec, { version: '8.4', image: 'mysql:8.4', replicas: 1, storage: { size: '10Gi' } });
  t.ok(review.patch.some((op) => op.path === '/spec/version'));
});

t.test('an over-limit create is denied by the MySQLCluster validating webhook', async (t) => {
  const review = await reviewOffline({ object: cluster({ replicas: 8 }), namespace: 'shop' }, { config });
  t.equal(review.allowed, false);
  t.equal(review.deniedBy, 'validate.mysqlclusters.shipshape.dev');
  t.strictSame(review.reasons, ['spec.replicas: 8 exceeds the maximum of 5']);
});

t.test('an unknown field is refused by the apiserver step, as kubectl --validate=strict does', async (t) => {
  const review = await reviewOffline({ object: cluster({ disk: '1Gi' }), namespace: 'shop' }, { config });
  t.equal(review.deniedBy, 'kube-apiserver');
  t.strictSame(review.reasons, ['unknown field "spec.disk"']);
});

t.test('--old: update rules apply against the stored object', async (t) => {
  const stored = cluster({ version: '8.4', image: 'mysql:8.4', replicas: 1, storage: { size: '20Gi' } });
  const review = await reviewOffline(
    { object: cluster({ version: '8.0', storage: { size: '10Gi' } }), oldObject: stored, namespace: 'shop' },
    { config },
  );
  t.equal(review.operation, 'UPDATE');
  t.strictSame(review.reasons, [
    'spec.storage.size: may only grow (stored 20Gi, requested 10Gi)',
    'spec.version: may not go backwards (stored 8.4, requested 8.0): MySQL does not downgrade its data in place',
  ]);
});

t.test('planning: MySQLClusters are reviewed and matched with --old by kind, namespace and name', async (t) => {
  const doc = (object: JsonObject, line = 1) => ({ source: 'a.yaml', line, object });
  const webAppNamedOrders = {
    apiVersion: 'shipshape.dev/v1',
    kind: 'WebApp',
    metadata: { name: 'orders', namespace: 'shop' },
    spec: { image: 'nginx:1.27' },
  };
  const planned = planReviews(
    [doc(cluster({})), doc({ apiVersion: 'shipshape.dev/v1', kind: 'MySQLCluster', metadata: { name: 'x' } }, 9)],
    [doc(webAppNamedOrders), doc(cluster({ replicas: 2 }))],
    'default',
  );
  t.match(planned[0], { kind: 'MySQLCluster', target: { oldObject: { spec: { replicas: 2 } } } });
  t.match(planned[1], {
    skipped: 'not a shipshape.dev/v1alpha1 MySQLCluster',
  });
  const first = planned[0]!;
  if (!('target' in first)) throw new Error('planned as skipped');
  const entries = [{ ...first, review: await reviewOffline(first.target, { config }) }, planned[1]!];
  t.match(
    formatReport(entries as Parameters<typeof formatReport>[0], [], 'patch').stdout,
    /1 MySQLCluster reviewed: 1 allowed, 0 denied; 1 document skipped\./,
  );
});

t.test(
  "the finalizer comes as from the default server; a config's --controllers without mysqlcluster drops it",
  async (t) => {
    const finalized = (review: { patch: { path: string }[] }) =>
      review.patch.some((op) => op.path === '/metadata/finalizers');
    const asDefault = await reviewOffline(
      { object: cluster({}), namespace: 'shop' },
      { config: defaultPolicyConfig() },
    );
    t.ok(finalized(asDefault), 'no settings: the default server, which reconciles MySQLClusters');
    const file = toPolicyConfigFromFile('controllers: webapp\n', 'webapp-only.yaml');
    const webappOnly = await reviewOffline({ object: cluster({}), namespace: 'shop' }, { config: file });
    t.equal(webappOnly.allowed, true);
    t.notOk(finalized(webappOnly), 'a server with --controllers=webapp adds none');
  },
);

t.test("review -f denies a setting value that would open a my.cnf section (the reviewer's injection)", async (t) => {
  const object = cluster({ settings: { init_connect: 'x\n[client]\n!include /etc/shadow' } });
  const review = await reviewOffline({ object, namespace: 'shop' }, { config });
  t.equal(review.allowed, false);
  t.match(review.reasons, [/^spec\.settings\.init_connect/]);
});
