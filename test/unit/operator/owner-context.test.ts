// The base reconcile context of any owner kind (src/operator/owner-context.ts) over a recording
// client and stub caches: the paths and bodies of its calls, create's AlreadyExists, delete options,
// the cached view of a child, and the written-status dedupe.
import { pino } from 'pino';
import t from 'tap';
import { KubeApiError } from '../../../src/kube/json-client.ts';
import type { OwnerCache } from '../../../src/operator/owner-caches.ts';
import { createOwnerContext } from '../../../src/operator/owner-context.ts';
import type { OwnerKind } from '../../../src/operator/owner-kind.ts';

const DATABASE: OwnerKind = {
  kind: 'Database',
  apiVersion: 'shipshape.dev/v1alpha1',
  plural: 'databases',
  ownerLabel: 'shipshape.dev/database',
  finalizer: 'shipshape.dev/finalizer',
  controllerName: 'database',
};
const CHILDREN = [
  { kind: 'Secret', apiVersion: 'v1', plural: 'secrets' },
  { kind: 'StatefulSet', apiVersion: 'apps/v1', plural: 'statefulsets' },
];
type Call = { method: string; path: string; body?: unknown; query?: unknown };

function setup(answer: (call: Call) => unknown = () => ({ metadata: { resourceVersion: '9' } })) {
  const calls: Call[] = [];
  const objects = new Map<string, Record<string, unknown>>();
  const informer = (kind: string) => ({
    get: (name: string, namespace?: string) => objects.get(`${kind}/${namespace}/${name}`),
  });
  const cache = {
    owners: informer('Database'),
    children: { Secret: informer('Secret'), StatefulSet: informer('StatefulSet') },
    namespaceAnnotations: () => ({ team: 'a' }),
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
  const base = createOwnerContext<{ phase: string }>({
    owner: DATABASE,
    client,
    cache,
    fieldManager: 'shipshape',
    logger: pino({ level: 'silent' }),
    children: CHILDREN,
    events: { record() {} },
    resyncMs: 1000,
  });
  return { ...base, calls, objects };
}

const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-root', namespace: 'shop' } };

t.test('create posts to the collection and never updates: false on AlreadyExists', async (t) => {
  let exists = false;
  const { context, calls } = setup(() => {
    if (exists) throw new KubeApiError(409, 'AlreadyExists', 'secrets "db-root" already exists', {});
    return {};
  });
  t.equal(await context.create(secret), true);
  t.same(calls, [
    { method: 'POST', path: '/api/v1/namespaces/shop/secrets', body: secret, query: { fieldManager: 'shipshape' } },
  ]);
  exists = true;
  t.equal(await context.create(secret), false, 'already there: left as it is');
  t.equal(calls.length, 2, 'one POST each, no update');
});

t.test('create rethrows any other refusal', async (t) => {
  const conflict = new KubeApiError(409, 'Conflict', 'the object has been modified', {});
  const { context } = setup(() => {
    throw conflict;
  });
  await t.rejects(context.create(secret), conflict);
});

t.test('deleteChild: the propagation policy only when asked; false when already gone', async (t) => {
  let gone = false;
  const { context, calls } = setup(() => {
    if (gone) throw new KubeApiError(404, 'NotFound', 'not found', {});
    return {};
  });
  t.equal(await context.deleteChild('StatefulSet', 'shop', 'db'), true);
  t.equal(await context.deleteChild('StatefulSet', 'shop', 'db', { propagationPolicy: 'Orphan' }), true);
  t.same(calls, [
    { method: 'DELETE', path: '/apis/apps/v1/namespaces/shop/statefulsets/db' },
    {
      method: 'DELETE',
      path: '/apis/apps/v1/namespaces/shop/statefulsets/db',
      // A query parameter, never a body: Node frames no DELETE body (owner-context.ts says why).
      query: { propagationPolicy: 'Orphan' },
    },
  ]);
  gone = true;
  t.equal(await context.deleteChild('StatefulSet', 'shop', 'db'), false);
});

t.test("another owner's child is neither applied over nor deleted: no request", async (t) => {
  const { context, calls, objects } = setup();
  const held = (kind: string, name: string) => ({
    metadata: { name: 'db', namespace: 'shop', ownerReferences: [{ kind, name, uid: 'u1', controller: true }] },
  });
  const mine = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name: 'db',
      namespace: 'shop',
      ownerReferences: [
        { apiVersion: 'shipshape.dev/v1alpha1', kind: 'Database', name: 'db', uid: 'u2', controller: true },
      ],
    },
  };
  objects.set('StatefulSet/shop/db', held('WebApp', 'db'));
  await t.rejects(context.apply(mine), {
    name: 'ChildOwnedError',
    message: 'StatefulSet db is controlled by WebApp db, not applied',
  });
  t.equal(await context.deleteChild('StatefulSet', 'shop', 'db'), false, "another kind's: not ours to delete");
  objects.set('StatefulSet/shop/db', held('Database', 'db-members'));
  await t.rejects(context.apply(mine), { name: 'ChildOwnedError' }, 'another owner of the same kind');
  t.same(calls, [], 'no request');
  objects.set('StatefulSet/shop/db', held('Database', 'db'));
  await context.apply(mine).catch(() => {});
  t.equal(calls.length, 1, "its own child (a predecessor's of the same name, too) is applied");
});

t.test('an owner refused a name is woken when the holder lets go of it, not before', async (t) => {
  const { context, childChanged, objects } = setup();
  const controlled = (kind: string, name: string) => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'shop', ownerReferences: [{ kind, name, uid: 'u', controller: true }] },
  });
  const mine = controlled('Database', 'db');
  const theirs = controlled('WebApp', 'db');
  t.same(childChanged('StatefulSet', theirs, 'delete'), [], 'nobody waits yet');
  objects.set('StatefulSet/shop/db', theirs);
  await t.rejects(context.apply(mine), { name: 'ChildOwnedError' });
  t.same(childChanged('StatefulSet', theirs, 'update'), [], 'still held');
  t.same(childChanged('Secret', { ...theirs, kind: 'Secret' }, 'delete'), [], 'another kind of child, same name: no');
  t.same(childChanged('StatefulSet', theirs, 'delete'), ['shop/db'], 'deleted: the waiting owner');
  t.same(childChanged('StatefulSet', theirs, 'delete'), [], 'once');
});

t.test('a kind the owner does not own is a coded error, not a request', async (t) => {
  const { context, calls } = setup();
  await t.rejects(context.deleteChild('Deployment', 'shop', 'db'), { code: 'CHILD_KIND_UNKNOWN' });
  await t.rejects(context.apply({ ...secret, kind: 'Deployment' }), { code: 'CHILD_KIND_UNKNOWN' });
  t.same(calls, []);
});

t.test('get, getChild and hasChild read the caches; patch and writeStatus the owner', async (t) => {
  const { context, calls, objects, observed } = setup();
  const db = { metadata: { name: 'db', namespace: 'shop', uid: 'u1', resourceVersion: '3' } };
  objects.set('Database/shop/db', db);
  objects.set('StatefulSet/shop/db', { kind: 'StatefulSet', status: { readyReplicas: 1 } });
  t.equal(context.get('shop', 'db'), db);
  t.same(context.getChild('StatefulSet', 'shop', 'db'), { kind: 'StatefulSet', status: { readyReplicas: 1 } });
  t.ok(context.hasChild('StatefulSet', 'shop', 'db'));
  t.notOk(context.hasChild('Secret', 'shop', 'db-root'));
  t.equal(context.getChild('Deployment', 'shop', 'db'), undefined, 'a kind it does not watch');
  t.same(context.namespaceAnnotations('shop'), { team: 'a' });

  await context.patch('shop', 'db', [{ op: 'add', path: '/metadata/finalizers', value: ['x'] }]);
  t.equal(calls[0]!.path, '/apis/shipshape.dev/v1alpha1/namespaces/shop/databases/db');
  t.equal(await context.writeStatus('shop', 'db', { phase: 'Running' }, 'u1'), true);
  t.equal(calls[1]!.path, '/apis/shipshape.dev/v1alpha1/namespaces/shop/databases/db/status');
  t.equal(await context.writeStatus('shop', 'db', { phase: 'Running' }, 'u1'), false, 'the cache lags: not again');
  observed({ metadata: { uid: 'u1', resourceVersion: '9' } });
  t.equal(await context.writeStatus('shop', 'db', { phase: 'Running' }, 'u1'), true, 'the cache caught up');
  t.equal(calls.length, 3);
});

t.test('get reads our own status write while the cache lags behind it', async (t) => {
  const { context, objects, observed } = setup();
  const db = {
    metadata: { name: 'db', namespace: 'shop', uid: 'u1', resourceVersion: '3' },
    status: { phase: 'Pending' },
  };
  objects.set('Database/shop/db', db);
  await context.writeStatus('shop', 'db', { phase: 'Running' }, 'u1');
  t.same(context.get('shop', 'db'), { ...db, status: { phase: 'Running' } }, 'the status written (resourceVersion 9)');
  t.same(db.status, { phase: 'Pending' }, 'the cached object is not changed');
  const caught = { ...db, metadata: { ...db.metadata, resourceVersion: '9' }, status: { phase: 'Running' } };
  objects.set('Database/shop/db', caught);
  observed(caught);
  t.equal(context.get('shop', 'db'), caught, 'the cache shows it: read as it is');
  const later = { ...db, metadata: { ...db.metadata, resourceVersion: '12' }, status: { phase: 'Failed' } };
  objects.set('Database/shop/db', later);
  t.equal(context.get('shop', 'db'), later, "a later write (someone else's) wins");
});
