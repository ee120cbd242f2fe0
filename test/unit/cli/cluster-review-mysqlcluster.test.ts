// `review --cluster` of stored MySQLClusters (issue #36): judged as updates of themselves, as the
// reconciler judges them, beside the WebApps and in the same shapes; a WebApp-only report is as it was.
import t from 'tap';
import { anyDenied, formatClusterReview, reviewCluster } from '../../../src/cli/cluster-review.ts';
import type { JsonObject } from '../../../src/json/json.ts';
import { DEFAULT_LIMITS, type PolicyConfig } from '../../../webhooks/limits.ts';
import { DEFAULT_MYSQL_POLICY_CONFIG } from '../../../webhooks/mysql-policy-config.ts';

/** A MySQLCluster as the apiserver lists it: defaulted by the webhook when it was written. */
const stored = (namespace: string, name: string, spec: JsonObject, metadata: JsonObject = {}): JsonObject => ({
  apiVersion: 'shipshape.dev/v1alpha1',
  kind: 'MySQLCluster',
  metadata: {
    name,
    namespace,
    uid: `uid-${name}`,
    labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': 'shipshape' },
    finalizers: ['shipshape.dev/finalizer'],
    ...metadata,
  },
  spec: {
    version: '8.4',
    image: 'mysql:8.4',
    replicas: 1,
    storage: { size: '10Gi', claimRetention: 'Retain' },
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } },
    settings: {},
    ...spec,
  },
});
const webApp = (namespace: string, name: string, replicas: number): JsonObject => ({
  apiVersion: 'shipshape.dev/v1',
  kind: 'WebApp',
  metadata: {
    name,
    namespace,
    labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': 'shipshape' },
  },
  spec: {
    image: 'nginx:1.27',
    replicas,
    port: 8080,
    env: [],
    service: { type: 'ClusterIP', port: 80 },
    resources: { requests: { cpu: '100m' } },
  },
});
const config = (maxReplicas: number, maxStoragePerCluster = '500Gi'): PolicyConfig => ({
  limits: { ...DEFAULT_LIMITS, maxReplicas: 5 },
  mysql: { ...DEFAULT_MYSQL_POLICY_CONFIG, limits: { maxReplicas, maxStoragePerCluster } },
});

t.test('denied: every MySQLCluster over the MySQL limits, with every reason, beside the WebApps', async (t) => {
  const review = reviewCluster(
    [
      stored('shop', 'orders', { replicas: 3, storage: { size: '100Gi', claimRetention: 'Retain' } }),
      stored('shop', 'carts', { replicas: 1 }),
      webApp('shop', 'web', 6),
      stored('bi', 'warehouse', { replicas: 3 }),
    ],
    new Map<string, Record<string, string> | undefined>([
      ['shop', {}],
      ['bi', { 'shipshape.dev/mysql-max-replicas': '4', 'shipshape.dev/enforcement': 'warn' }],
    ]),
    config(2, '200Gi'),
  );
  t.strictSame(review.summary, {
    namespaces: 1,
    reviewed: 1,
    allowed: 0,
    denied: 1,
    deleting: 0,
    mysqlClusters: { namespaces: 2, reviewed: 3, allowed: 2, denied: 1, deleting: 0 },
  });
  t.ok(anyDenied(review));
  const shop = review.namespaces.find((n) => n.namespace === 'shop')!;
  t.strictSame(shop.mysqlClusters, [
    { name: 'carts', denied: false, reasons: [], trapped: false, warnings: [] },
    {
      name: 'orders',
      denied: true,
      reasons: [
        'spec.replicas: 3 exceeds the maximum of 2',
        'spec.storage.size: 3 x 100Gi = 300Gi exceeds the maximum of 200Gi per cluster (spec.replicas x spec.storage.size)',
      ],
      trapped: false,
      warnings: [],
    },
  ]);
  t.strictSame(
    shop.webApps.map((w) => [w.name, w.reasons]),
    [['web', ['spec.replicas: 6 exceeds the maximum of 5']]],
  );
  const bi = review.namespaces.find((n) => n.namespace === 'bi')!;
  t.match(bi, {
    enforcement: 'warn',
    webApps: [],
    deleting: [],
    mysqlClusters: [{ name: 'warehouse', denied: false }],
  });

  const text = formatClusterReview(review, 'diff');
  t.match(text, 'namespace bi (enforcement: warn): 0 of 1 denied\n');
  t.match(
    text,
    'namespace shop (enforcement: enforce): 2 of 3 denied\n  DENIED   WebApp shop/web\n    reason: spec.replicas: 6 exceeds the maximum of 5\n  DENIED   MySQLCluster shop/orders\n    reason: spec.replicas: 3 exceeds the maximum of 2\n',
  );
  t.match(text, '\n1 WebApp in 1 namespace reviewed as updates of themselves: 0 allowed, 1 denied (shop: 1).\n');
  t.match(
    text,
    '\n3 MySQLClusters in 2 namespaces reviewed as updates of themselves: 2 allowed, 1 denied (shop: 1).\n',
  );
  t.strictSame(JSON.parse(formatClusterReview(review, 'json')), JSON.parse(JSON.stringify(review)));
});

t.test('MySQLClusters alone: only their summary line; the update rules never deny an unchanged cluster', async (t) => {
  // Stored before the storage class setting existed, at an older version than the default: an
  // update of itself keeps both (defaulting takes them from the stored object), so nothing is denied.
  const review = reviewCluster(
    [stored('db', 'legacy', { version: '8.0.36', image: 'mysql:8.0.36' })],
    new Map([['db', {}]]),
    { ...config(5), mysql: { ...config(5).mysql!, storageClassName: 'fast', defaultVersion: '8.4' } },
  );
  t.strictSame(review.namespaces[0]!.mysqlClusters, [
    { name: 'legacy', denied: false, reasons: [], trapped: false, warnings: [] },
  ]);
  t.notOk(anyDenied(review));
  const text = formatClusterReview(review, 'diff');
  t.notMatch(text, 'WebApp');
  t.match(text, '1 MySQLCluster in 1 namespace reviewed as updates of themselves: 1 allowed, 0 denied.');
});

t.test('a MySQLCluster being deleted is skipped; its namespace warns of a malformed MySQL annotation', async (t) => {
  const review = reviewCluster(
    [
      stored('db', 'going', { replicas: 9 }, { deletionTimestamp: '2026-12-01T00:00:00Z' }),
      stored('db', 'kept', { replicas: 2 }),
    ],
    new Map([['db', { 'shipshape.dev/mysql-max-replicas': 'many', 'shipshape.dev/max-replicas': 'lots' }]]),
    config(5),
  );
  const [db] = review.namespaces;
  t.strictSame(db!.mysqlClustersDeleting, ['going']);
  t.strictSame(review.summary.mysqlClusters, { namespaces: 1, reviewed: 1, allowed: 1, denied: 0, deleting: 1 });
  t.strictSame(
    db!.warnings,
    ['namespace annotation shipshape.dev/mysql-max-replicas="many" is not an integer in [0, 2147483647]; using 5'],
    "WebApps' annotation is not warned of where no WebApp is",
  );
  t.match(formatClusterReview(review, 'diff'), 'SKIPPED  MySQLCluster db/going: being deleted');
});

t.test('a WebApp-only review has no MySQLCluster keys', async (t) => {
  const review = reviewCluster([webApp('a', 'web', 2)], new Map([['a', {}]]), config(5));
  t.strictSame(review, {
    namespaces: [
      {
        namespace: 'a',
        enforcement: 'enforce',
        webApps: [{ name: 'web', denied: false, reasons: [], trapped: false, warnings: [] }],
        deleting: [],
        warnings: [],
      },
    ],
    summary: { namespaces: 1, reviewed: 1, allowed: 1, denied: 0, deleting: 0 },
  });
});
