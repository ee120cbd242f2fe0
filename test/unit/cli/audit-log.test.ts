// `review --audit-log` on audit events shaped as kube-apiserver's log backend writes them.
import t from 'tap';
import { parseAuditLog, replayAuditEvents } from '../../../src/cli/audit-log.ts';
import { formatAuditReport, toAuditReport } from '../../../src/cli/audit-report.ts';
import { DEFAULT_LIMITS } from '../../../webhooks/limits.ts';
import { createAuditEvents } from './audit-event.ts';

const auditEvent = createAuditEvents();
const event = (verb: string, name: string, fields: Record<string, unknown> = {}) =>
  auditEvent(verb, { name, version: 'v1' }, fields);
const webApp = (name: string, replicas: number) => ({
  apiVersion: 'shipshape.dev/v1',
  kind: 'WebApp',
  metadata: { name, namespace: 'team' },
  spec: { image: 'nginx:1.27', replicas },
});
const storedAs = (name: string, replicas: number) => ({
  ...webApp(name, replicas),
  metadata: { name, namespace: 'team', uid: 'u', resourceVersion: '1', labels: { 'app.kubernetes.io/name': name } },
  spec: { image: 'nginx:1.27', replicas, port: 8080, env: [], service: { type: 'ClusterIP', port: 80 } },
});
const denial = (message: string) => ({
  responseStatus: { metadata: {}, status: 'Failure', message, reason: 'Invalid', code: 422 },
  responseObject: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code: 422 },
});

const lines = [
  event('create', 'web', { requestObject: webApp('web', 3), responseObject: storedAs('web', 3) }),
  { ...event('get', 'web'), verb: 'get' },
  event('patch', 'web', { requestObject: { spec: { replicas: 6 } }, responseObject: storedAs('web', 6) }),
  event('update', 'web', {
    objectRef: {
      resource: 'webapps',
      namespace: 'team',
      name: 'web',
      apiGroup: 'shipshape.dev',
      subresource: 'status',
    },
    requestObject: storedAs('web', 6),
    responseObject: storedAs('web', 6),
  }),
  event('create', 'big', {
    user: { username: 'bob' },
    requestObject: webApp('big', 12),
    ...denial(
      'admission webhook "validate.webapps.shipshape.dev" denied the request: WebApp "big" is invalid: spec.replicas: 12 exceeds the maximum of 10',
    ),
  }),
  event('create', 'dry', {
    requestURI: '/apis/shipshape.dev/v1/namespaces/team/webapps?dryRun=All',
    requestObject: webApp('dry', 9),
  }),
  event('patch', 'unseen', { requestObject: { spec: { replicas: 2 } } }),
  event('update', 'web', {
    requestObject: storedAs('web', 9),
    responseStatus: {
      metadata: {},
      status: 'Failure',
      reason: 'Conflict',
      code: 409,
      message: 'the object has been modified',
    },
  }),
  event('patch', 'web', {
    requestObject: [{ op: 'add', path: '/metadata/finalizers', value: ['shipshape.dev/finalizer'] }],
    user: { username: 'system:serviceaccount:shipshape-system:shipshape' },
    responseObject: storedAs('web', 6),
  }),
  {
    ...event('create', 'other'),
    objectRef: { resource: 'configmaps', namespace: 'team', name: 'x', apiVersion: 'v1' },
  },
  { ...event('create', 'web'), stage: 'RequestReceived' },
];
const text = `${lines.map((l) => JSON.stringify(l)).join('\n')}\n{"kind":"Event",\n`;

t.test('parse: webapps events at ResponseComplete; bad lines are errors with their line', async (t) => {
  const { events, errors } = parseAuditLog(text, 'audit.log');
  t.equal(events.length, 9, 'the get counts for nothing but is parsed; configmaps and RequestReceived are not');
  t.strictSame(
    errors.map((e) => [e.source, e.line]),
    [['audit.log', 12]],
  );
  t.equal(events.find((e) => e.name === 'dry')?.dryRun, true);
});

t.test('replay with max-replicas 5: counts, reasons, namespaces, users, times beside then', async (t) => {
  const { events } = parseAuditLog(text, 'audit.log');
  const { replayed, skipped } = await replayAuditEvents(events, {
    config: { limits: { ...DEFAULT_LIMITS, maxReplicas: 5 }, enforcement: 'warn' },
  });
  const report = toAuditReport(replayed, skipped);
  t.match(report, { replayed: 4, creates: 2, updates: 2, updatesWithoutOld: 0 });
  t.strictSame(report.skipped, {
    'a dry run': 1,
    'a patch of a WebApp the log has not shown before (level RequestResponse needed)': 1,
    'failed then for another reason than admission (HTTP 409)': 1,
  });
  t.equal(report.wouldDeny.count, 2, 'the patch to 6 and the create of 12, under enforcement though the setting warns');
  t.strictSame(
    report.wouldDeny.reasons.map((r) => [r.reason, r.count, r.users]),
    [
      ['spec.replicas: 12 exceeds the maximum of 5', 1, { bob: 1 }],
      ['spec.replicas: 6 exceeds the maximum of 5', 1, { alice: 1 }],
    ],
  );
  t.strictSame(report.wouldDeny.namespaces, { team: 2 });
  t.equal(report.wouldDeny.first, '2026-12-01T10:00:03.000000Z');
  t.equal(report.wouldDeny.last, '2026-12-01T10:00:05.000000Z');
  t.equal(report.deniedThen.count, 1);
  t.strictSame(
    report.deniedThen.reasons.map((r) => r.reason),
    ['spec.replicas: 12 exceeds the maximum of 10'],
  );
  t.match(report, { newlyDenied: 1, deniedThenAndNow: 1, deniedThenAllowedNow: 0 });
  const finalizer = replayed.find((r) => Array.isArray(r.event.requestObject));
  t.equal(finalizer?.now.denied, false, "the reconciler's finalizer patch ratchets: it keeps replicas 6");

  const printed = formatAuditReport(report, 'diff', 1);
  t.match(printed, 'Replayed 4 WebApp writes (2 creates, 2 updates) from 1 audit log');
  t.match(printed, 'Would be denied with these settings: 2 of 4');
  t.match(
    printed,
    '  reason: spec.replicas: 6 exceeds the maximum of 5\n    1 write; namespaces: team (1); users: alice (1)',
  );
  t.match(printed, 'Denied then: 1 of 4');
  t.match(printed, 'Newly denied (allowed then): 1; denied then and now: 1; denied then, allowed now: 0.');
});

t.test('-n keeps one namespace; Request level (no responseObject) still replays creates and updates', async (t) => {
  const request = [
    event('create', 'a', { level: 'Request', requestObject: webApp('a', 2) }),
    event('update', 'a', { level: 'Request', requestObject: webApp('a', 7) }),
  ];
  const { events } = parseAuditLog(request.map((l) => JSON.stringify(l)).join('\n'), 'r.log');
  const config = { limits: { ...DEFAULT_LIMITS, maxReplicas: 5 } };
  const { replayed, skipped } = await replayAuditEvents(events, { config });
  const all = toAuditReport(replayed, skipped);
  t.match(all, { replayed: 2, updatesWithoutOld: 0 });
  t.equal(all.wouldDeny.count, 1);
  const none = await replayAuditEvents(events, { config, namespace: 'elsewhere' });
  t.equal(none.replayed.length, 0);
});
