// MySQLCluster's reconcile context as the wiring builds it (src/mysql/mysql-controller.ts's
// toMySQLContext) over the generic base, a recording client and stub caches: the memo of the root
// password Secret, and the data claims' calls.
import { pino } from 'pino';
import t from 'tap';
import { KubeApiError } from '../../../src/kube/json-client.ts';
import { MYSQL_CHILD_KINDS } from '../../../src/mysql/child-kinds.ts';
import { toMySQLContext } from '../../../src/mysql/mysql-controller.ts';
import { MYSQLCLUSTER_OWNER } from '../../../src/mysql/mysql-kind.ts';
import type { OwnerCache } from '../../../src/operator/owner-caches.ts';
import { createOwnerContext } from '../../../src/operator/owner-context.ts';
import type { PolicyConfig } from '../../../webhooks/limits.ts';

type Call = { method: string; path: string; body?: unknown; query?: unknown };
const RESYNC_MS = 30_000;

function setup(answer: (call: Call) => unknown = () => ({})) {
  const calls: Call[] = [];
  const warnings: unknown[] = [];
  let clock = new Date('2026-03-01T10:00:00Z');
  const informer = () => ({ get: () => undefined });
  const cache = {
    owners: informer(),
    children: Object.fromEntries(MYSQL_CHILD_KINDS.map((c) => [c.kind, informer()])),
    namespaceAnnotations: () => undefined,
  } as unknown as OwnerCache;
  const client = {
    async request<T>(method: string, path: string, req?: { body?: unknown; query?: unknown }): Promise<T> {
      const call: Call = { method, path };
      if (req?.body !== undefined) call.body = req.body;
      if (req?.query !== undefined) call.query = req.query;
      calls.push(call);
      return answer(call) as T;
    },
  };
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
  const deps = { owner: MYSQLCLUSTER_OWNER, client, cache, fieldManager: 'shipshape', logger };
  const base = createOwnerContext({
    ...deps,
    children: MYSQL_CHILD_KINDS,
    events: { record() {} },
    resyncMs: RESYNC_MS,
  });
  const ctx = toMySQLContext({ ...base.context, now: () => clock }, deps, {} as PolicyConfig);
  return {
    ctx,
    calls,
    warnings,
    later(ms: number) {
      clock = new Date(clock.getTime() + ms);
    },
  };
}

const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-root-password', namespace: 'shop' } };

t.test('the root password Secret: known for a resync period once created or found', async (t) => {
  let exists = false;
  const { ctx, calls, later } = setup((call) => {
    if (exists && call.method === 'POST')
      throw new KubeApiError(409, 'AlreadyExists', 'secrets "db-root-password" already exists', {});
    return {};
  });
  t.equal(ctx.hasChild('Secret', 'shop', 'db-root-password'), false, 'not watched: unknown at first');
  t.equal(await ctx.create(secret), true);
  exists = true;
  t.equal(ctx.hasChild('Secret', 'shop', 'db-root-password'), true, 'created: known');
  t.equal(ctx.hasChild('Secret', 'other', 'db-root-password'), false, 'keyed by namespace and name');
  later(RESYNC_MS - 1);
  t.equal(ctx.hasChild('Secret', 'shop', 'db-root-password'), true);
  later(1);
  t.equal(ctx.hasChild('Secret', 'shop', 'db-root-password'), false, 'a resync period later: looked for again');
  t.equal(await ctx.create(secret), false, 'found (409)');
  t.equal(ctx.hasChild('Secret', 'shop', 'db-root-password'), true, 'found: known again');
  t.equal(calls.filter((c) => c.method === 'POST').length, 2, 'one POST each time it was not known');
  await ctx.deleteChild('Secret', 'shop', 'db-root-password');
  t.equal(ctx.hasChild('Secret', 'shop', 'db-root-password'), false, 'deleted: forgotten');
});

t.test('quota admission refuses the create: taken as found only for a Secret known a resync ago', async (t) => {
  const quota = new KubeApiError(403, 'Forbidden', 'secrets "db-root-password" is forbidden: exceeded quota', {});
  let refuse = false;
  const { ctx, warnings, later } = setup((call) => {
    if (refuse && call.method === 'POST') throw quota;
    return {};
  });
  refuse = true;
  await t.rejects(ctx.create(secret), quota, 'never known: the refusal is reported');
  refuse = false;
  await ctx.create(secret);
  refuse = true;
  later(RESYNC_MS);
  t.equal(await ctx.create(secret), false, 'existed a resync ago: taken as found');
  t.equal(ctx.hasChild('Secret', 'shop', 'db-root-password'), true);
  t.match(warnings, [{ secret: 'shop/db-root-password', err: { message: quota.message } }]);
  later(3 * RESYNC_MS);
  await t.rejects(ctx.create(secret), quota, 'not known for two periods: reported');
});

const claim = (name: string, labels: Record<string, string> = {}) => ({
  metadata: { name, labels },
  spec: { resources: { requests: { storage: '1Gi' } } },
  status: { phase: 'Bound' },
});

t.test("the data claims: selected by the cluster's and Shipshape's labels, and by the member's name", async (t) => {
  // What the apiserver's label selection returns; one a user labelled by hand, names of the wrong form.
  const items = [claim('data-db-0'), claim('data-db-12'), claim('notes'), claim('data-db-1-0'), claim('data-db-01')];
  const { ctx, calls } = setup((call) => (call.method === 'GET' ? { items } : {}));
  t.strictSame(
    (await ctx.listClaims('shop', 'db')).map((c) => c.name),
    ['data-db-0', 'data-db-12'],
  );
  t.strictSame(calls[0], {
    method: 'GET',
    path: '/api/v1/namespaces/shop/persistentvolumeclaims',
    query: { labelSelector: 'shipshape.dev/mysqlcluster=db,app.kubernetes.io/managed-by=shipshape' },
  });
  calls.length = 0;
  t.strictSame(await ctx.deleteClaims('shop', 'db'), ['data-db-0', 'data-db-12']);
  t.strictSame(
    calls.filter((c) => c.method === 'DELETE').map((c) => c.path),
    [
      '/api/v1/namespaces/shop/persistentvolumeclaims/data-db-0',
      '/api/v1/namespaces/shop/persistentvolumeclaims/data-db-12',
    ],
    "a claim named otherwise (another cluster's data-db-1-0, a hand-made notes) is never deleted",
  );
  t.strictSame(
    calls.filter((c) => c.method === 'GET').map((c) => (c.query as { labelSelector: string }).labelSelector),
    ['shipshape.dev/mysqlcluster=db,app.kubernetes.io/managed-by=shipshape'],
  );
});

t.test("a claim's capacity and conditions are read with its request", async (t) => {
  const grown = {
    metadata: { name: 'data-db-0' },
    spec: { storageClassName: 'standard', resources: { requests: { storage: '2Gi' } } },
    status: {
      phase: 'Bound',
      capacity: { storage: '1Gi' },
      conditions: [{ type: 'ControllerResizeError', status: 'True', message: 'resizer failed' }],
    },
  };
  const { ctx } = setup(() => ({ items: [grown] }));
  t.strictSame(await ctx.listClaims('shop', 'db'), [
    {
      name: 'data-db-0',
      size: '2Gi',
      storageClassName: 'standard',
      phase: 'Bound',
      capacity: '1Gi',
      conditions: [{ type: 'ControllerResizeError', status: 'True', message: 'resizer failed' }],
    },
  ]);
});
