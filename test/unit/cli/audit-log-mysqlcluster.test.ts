// `review --audit-log` of MySQLCluster writes (issue #36): replayed through their own webhooks with
// their old object (ratcheting and the update rules), reported beside the WebApps' in a report of
// the same shape; a WebApp-only log gives the report it gave before.
import t from 'tap';
import { parseAuditLog, replayAuditEvents } from '../../../src/cli/audit-log.ts';
import { anyWouldDeny, formatAuditReport, toAuditReport, toAuditReview } from '../../../src/cli/audit-report.ts';
import type { JsonObject } from '../../../src/json/json.ts';
import { DEFAULT_LIMITS } from '../../../webhooks/limits.ts';
import { DEFAULT_MYSQL_POLICY_CONFIG } from '../../../webhooks/mysql-policy-config.ts';
import { createAuditEvents } from './audit-event.ts';

const auditEvent = createAuditEvents();
const mysql = (verb: string, name: string, fields: Record<string, unknown> = {}) =>
  auditEvent(verb, { name, version: 'v1alpha1', resource: 'mysqlclusters' }, fields);
const web = (verb: string, name: string, fields: Record<string, unknown> = {}) =>
  auditEvent(verb, { name, version: 'v1' }, fields);

const cluster = (name: string, spec: JsonObject): JsonObject => ({
  apiVersion: 'shipshape.dev/v1alpha1',
  kind: 'MySQLCluster',
  metadata: { name, namespace: 'team' },
  spec,
});
/** As the apiserver stores it: defaulted by the mutating webhook. */
const storedCluster = (name: string, replicas: number, size: string): JsonObject => ({
  ...cluster(name, {}),
  metadata: { name, namespace: 'team', uid: `u-${name}`, finalizers: ['shipshape.dev/finalizer'] },
  spec: {
    version: '8.4',
    image: 'mysql:8.4',
    replicas,
    storage: { size, claimRetention: 'Retain' },
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } },
    settings: {},
  },
});
const webApp = (name: string, replicas: number): JsonObject => ({
  apiVersion: 'shipshape.dev/v1',
  kind: 'WebApp',
  metadata: { name, namespace: 'team' },
  spec: { image: 'nginx:1.27', replicas },
});
const denial = (message: string) => ({
  responseStatus: { metadata: {}, status: 'Failure', message, reason: 'Invalid', code: 422 },
  responseObject: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code: 422 },
});
const shrink = 'spec.storage.size: may only grow (stored 20Gi, requested 10Gi)';

const lines = [
  // A WebApp and a MySQLCluster of the same name: each replayed against its own stored object.
  mysql('create', 'orders', {
    requestObject: cluster('orders', { replicas: 2, storage: { size: '20Gi' } }),
    responseObject: storedCluster('orders', 2, '20Gi'),
  }),
  // Written after the cluster: a MySQLCluster's patch must not apply to it.
  web('create', 'orders', { requestObject: webApp('orders', 2) }),
  // A merge patch of the stored cluster, raising replicas over the new limit.
  mysql('patch', 'orders', {
    requestObject: { spec: { replicas: 3 } },
    responseObject: storedCluster('orders', 3, '20Gi'),
  }),
  // An update that shrinks storage: the update rule against the stored object, denied then too.
  mysql('update', 'orders', {
    requestObject: storedCluster('orders', 3, '10Gi'),
    ...denial(
      `admission webhook "validate.mysqlclusters.shipshape.dev" denied the request: MySQLCluster "orders" is invalid: ${shrink}`,
    ),
  }),
  // The reconciler's status write, and a patch of a cluster the log never showed.
  mysql('update', 'orders', {
    objectRef: {
      resource: 'mysqlclusters',
      namespace: 'team',
      name: 'orders',
      apiGroup: 'shipshape.dev',
      apiVersion: 'v1alpha1',
      subresource: 'status',
    },
    requestObject: storedCluster('orders', 3, '20Gi'),
  }),
  mysql('patch', 'unseen', { requestObject: { spec: { replicas: 2 } } }),
];
const text = lines.map((l) => JSON.stringify(l)).join('\n');
const config = {
  limits: { ...DEFAULT_LIMITS, maxReplicas: 5 },
  mysql: { ...DEFAULT_MYSQL_POLICY_CONFIG, limits: { maxReplicas: 2, maxStoragePerCluster: '500Gi' } },
};

t.test('parse: mysqlclusters events carry their kind and version', async (t) => {
  const { events, errors } = parseAuditLog(text, 'audit.log');
  t.strictSame(errors, []);
  t.strictSame(
    events.map((e) => [e.kind, e.version]),
    [['MySQLCluster', 'v1alpha1'], ['WebApp', 'v1'], ...Array.from({ length: 4 }, () => ['MySQLCluster', 'v1alpha1'])],
  );
  const noVersion = { ...mysql('create', 'x'), objectRef: { resource: 'mysqlclusters', apiGroup: 'shipshape.dev' } };
  t.equal(parseAuditLog(JSON.stringify(noVersion), 'a.log').events[0]!.version, 'v1alpha1', 'its one version');
});

t.test('replay: MySQLCluster writes with their old object, reported beside the WebApps', async (t) => {
  const { events } = parseAuditLog(text, 'audit.log');
  const { replayed, skipped } = await replayAuditEvents(events, { config });
  const review = toAuditReview(replayed, skipped);
  t.match(review, { replayed: 1, creates: 1, updates: 0, skipped: {}, wouldDeny: { count: 0 } });
  const mysqlReport = review.mysqlClusters!;
  t.match(mysqlReport, { replayed: 3, creates: 1, updates: 2, updatesWithoutOld: 0 });
  t.strictSame(mysqlReport.skipped, {
    'a patch of a MySQLCluster the log has not shown before (level RequestResponse needed)': 1,
  });
  t.strictSame(
    replayed.filter((r) => r.event.kind === 'MySQLCluster').map((r) => r.now.reasons),
    [[], ['spec.replicas: 3 exceeds the maximum of 2'], [shrink]],
    'the shrink ratchets the stored replicas and breaks the update rule',
  );
  t.match(mysqlReport, { newlyDenied: 1, deniedThenAndNow: 1, deniedThenAllowedNow: 0 });
  t.strictSame(
    mysqlReport.deniedThen.reasons.map((r) => r.reason),
    [shrink],
  );
  t.ok(anyWouldDeny(review));

  const printed = formatAuditReport(review, 'diff', 1);
  t.match(printed, /^Replayed 1 WebApp write \(1 creates, 0 updates\) from 1 audit log, /);
  t.match(printed, '\nReplayed 3 MySQLCluster writes (1 creates, 2 updates) from 1 audit log, ');
  t.match(
    printed,
    '  reason: spec.replicas: 3 exceeds the maximum of 2\n    1 write; namespaces: team (1); users: alice (1)',
  );
  t.strictSame(JSON.parse(formatAuditReport(review, 'json', 1)), JSON.parse(JSON.stringify(review)));
});

t.test('a log of MySQLClusters alone prints their section only', async (t) => {
  const { events } = parseAuditLog(text, 'audit.log');
  const { replayed, skipped } = await replayAuditEvents(
    events.filter((e) => e.kind === 'MySQLCluster'),
    { config },
  );
  const printed = formatAuditReport(toAuditReview(replayed, skipped), 'diff', 1);
  t.match(printed, /^Replayed 3 MySQLCluster writes/);
  t.notMatch(printed, 'WebApp');
});

t.test('a WebApp-only log: the report it gave before, no mysqlClusters', async (t) => {
  const { events } = parseAuditLog(text, 'audit.log');
  const { replayed, skipped } = await replayAuditEvents(
    events.filter((e) => e.kind === 'WebApp'),
    { config },
  );
  const review = toAuditReview(replayed, skipped);
  t.strictSame(review, toAuditReport(replayed, skipped));
  t.notOk(anyWouldDeny(review));
  t.equal(formatAuditReport(review, 'diff', 1), formatAuditReport(toAuditReport(replayed, skipped), 'diff', 1));
});
