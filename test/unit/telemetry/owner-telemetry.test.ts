// Reconcile telemetry of an owner kind other than WebApp: the owner's attributes are named after its
// controller, and traceReconcileContext traces the generic base's members (get, patch, create,
// deleteChild with its options, writeStatus) under the owner's kind, and MySQLCluster's claims' calls.
import t from 'tap';
import { SpanKind } from '@opentelemetry/api';
import type { OwnerReconcileContext } from '../../../src/operator/owner-context.ts';
import type { OwnerKind } from '../../../src/operator/owner-kind.ts';
import { createReconcileTelemetry, traceReconcileContext } from '../../../src/telemetry/reconcile-telemetry.ts';
import { sample, startInProcessTelemetry } from './in-process.ts';

const telemetry = await startInProcessTelemetry(t);

const MYSQL: OwnerKind = {
  kind: 'MySQLCluster',
  apiVersion: 'shipshape.dev/v1alpha1',
  plural: 'mysqlclusters',
  ownerLabel: 'shipshape.dev/mysqlcluster',
  finalizer: 'shipshape.dev/finalizer',
  controllerName: 'mysqlcluster',
};

t.test('spans named after the owner kind, a created event for a create', async (t) => {
  const deletes: unknown[] = [];
  const ctx: OwnerReconcileContext<{ phase: string }> = {
    get: () => ({ metadata: { generation: 4 } }),
    patch: async () => ({}),
    apply: async (obj) => ({ object: obj, change: 'unchanged' }),
    create: async (obj) => obj.metadata?.name === 'db-root',
    hasChild: () => false,
    getChild: () => ({ spec: {} }),
    async deleteChild(...args) {
      deletes.push(args);
      return true;
    },
    writeStatus: async () => true,
    events: { record() {} },
    namespaceAnnotations: () => undefined,
    now: () => new Date(),
    resyncMs: 1000,
  };
  const span = createReconcileTelemetry(MYSQL).start('db/main');
  await span.within(async () => {
    const traced = traceReconcileContext(ctx, MYSQL);
    traced.get('db', 'main');
    await traced.patch('db', 'main', []);
    t.equal(
      await traced.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-root', namespace: 'db' } }),
      true,
    );
    t.equal(
      await traced.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'other', namespace: 'db' } }),
      false,
    );
    t.same(traced.getChild('StatefulSet', 'db', 'main'), { spec: {} }, 'a cache read, as it is');
    await traced.deleteChild('PersistentVolumeClaim', 'db', 'data-main-0', { propagationPolicy: 'Foreground' });
    await traced.writeStatus('db', 'main', { phase: 'Running' }, 'u1');
  });
  span.end('success', { requeue: false });
  t.same(
    deletes,
    [['PersistentVolumeClaim', 'db', 'data-main-0', { propagationPolicy: 'Foreground' }]],
    'options passed on',
  );

  const spans = await telemetry.spans();
  const root = spans.findLast((s) => s.name === 'reconcile mysqlcluster')!;
  t.match(root.attributes, {
    'shipshape.controller': 'mysqlcluster',
    'shipshape.mysqlcluster.namespace': 'db',
    'shipshape.mysqlcluster.name': 'main',
    'shipshape.mysqlcluster.generation': 4,
  });
  t.notOk('shipshape.webapp.name' in root.attributes);
  const calls = spans.filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId);
  t.same(
    calls.map((s) => s.name),
    [
      'patch MySQLCluster',
      'create Secret',
      'create Secret',
      'delete PersistentVolumeClaim',
      'patch MySQLCluster/status',
    ],
  );
  t.match(calls[0]!.attributes, { 'shipshape.object.kind': 'MySQLCluster', 'shipshape.object.name': 'main' });
  t.same(
    root.events.map(
      (e) => `${e.name} ${e.attributes?.['shipshape.object.kind']} ${e.attributes?.['shipshape.object.name']}`,
    ),
    ['child created Secret db-root', 'child deleted PersistentVolumeClaim data-main-0'],
    'an existing Secret is no change',
  );
  const samples = await telemetry.scrape();
  t.equal(sample(samples, 'shipshape_reconcile_child_changes_total', { kind: 'Secret', action: 'created' }), 1);
  t.equal(sample(samples, 'shipshape_reconciles_total', { controller: 'mysqlcluster', result: 'success' }), 1);
});

t.test("a MySQLCluster's data claims: a CLIENT span per call, each claim deleted a child change", async (t) => {
  const received: string[][] = [];
  const ctx = {
    apply: async <T>(obj: T) => ({ object: obj, change: 'unchanged' as const }),
    async listClaims(...args: [string, string]) {
      received.push(args);
      return [{ name: 'data-main-0', size: '1Gi' }];
    },
    async resizeClaim(...args: [string, string, string]) {
      received.push(args);
    },
    async deleteClaims(...args: [string, string]) {
      received.push(args);
      return ['data-main-0', 'data-main-1'];
    },
  };
  const span = createReconcileTelemetry(MYSQL).start('db/claims');
  await span.within(async () => {
    const traced = traceReconcileContext(ctx, MYSQL);
    t.strictSame(await traced.listClaims('db', 'claims'), [{ name: 'data-main-0', size: '1Gi' }]);
    await traced.resizeClaim('db', 'data-main-0', '2Gi');
    t.strictSame(await traced.deleteClaims('db', 'claims'), ['data-main-0', 'data-main-1']);
  });
  span.end('success', { requeue: false });
  t.same(
    received,
    [
      ['db', 'claims'],
      ['db', 'data-main-0', '2Gi'],
      ['db', 'claims'],
    ],
    'arguments passed on',
  );

  const spans = await telemetry.spans();
  const root = spans.findLast((s) => s.name === 'reconcile mysqlcluster')!;
  t.equal(root.attributes['shipshape.mysqlcluster.name'], 'claims');
  const calls = spans.filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId);
  t.same(
    calls.map((s) => [s.name, s.kind, s.attributes['shipshape.object.name']]),
    [
      ['list PersistentVolumeClaim', SpanKind.CLIENT, undefined],
      ['patch PersistentVolumeClaim', SpanKind.CLIENT, 'data-main-0'],
      ['delete PersistentVolumeClaim', SpanKind.CLIENT, undefined],
    ],
  );
  t.ok(calls.every((s) => s.attributes['shipshape.object.kind'] === 'PersistentVolumeClaim'));
  t.same(
    root.events.map((e) => `${e.name} ${e.attributes?.['shipshape.object.name']}`),
    ['child deleted data-main-0', 'child deleted data-main-1'],
  );
  const samples = await telemetry.scrape();
  t.equal(
    sample(samples, 'shipshape_reconcile_child_changes_total', { kind: 'PersistentVolumeClaim', action: 'deleted' }),
    3,
    "the first test's deleteChild and these two",
  );
});
