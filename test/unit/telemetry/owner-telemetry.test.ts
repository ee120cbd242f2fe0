// Reconcile telemetry of an owner kind other than WebApp: the owner's attributes are named after its
// controller, and traceReconcileContext traces the generic base's members (get, patch, create,
// deleteChild with its options, writeStatus) under the owner's kind.
import t from 'tap';
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
