// The shared caches of every owner kind (src/operator/owner-caches.ts), over stub informers: one
// informer per resource whoever owns it, a child's event routed by the owner label it carries, the
// view conflict refused at construction, what a subscriber missed between terms.
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import t from 'tap';
import { CHILD_VIEWS } from '../../../src/operator/cache-transforms.ts';
import type { ChildResource } from '../../../src/operator/child-kind-spec.ts';
import { CHILD_KINDS } from '../../../src/operator/child-kinds.ts';
import { type OwnerCacheEvents, OwnerCacheError, createOwnerCaches } from '../../../src/operator/owner-caches.ts';
import type { OwnerKind } from '../../../src/operator/owner-kind.ts';
import { WEBAPP_OWNER } from '../../../src/operator/webapp-kind.ts';
import { stubInformers } from '../../helpers/stub-informers.ts';

const DATABASE: OwnerKind = {
  kind: 'Database',
  apiVersion: 'shipshape.dev/v1alpha1',
  plural: 'databases',
  ownerLabel: 'shipshape.dev/database',
  finalizer: 'shipshape.dev/finalizer',
  controllerName: 'database',
};
const DATABASE_CHILDREN = [
  { kind: 'Service', apiVersion: 'v1', plural: 'services', view: CHILD_VIEWS.Service },
  { kind: 'Service', apiVersion: 'v1', plural: 'services', view: CHILD_VIEWS.Service },
  { kind: 'StatefulSet', apiVersion: 'apps/v1', plural: 'statefulsets' },
];

function setup() {
  const { informers, createInformer } = stubInformers();
  const namespaceListeners: ((ns: object) => void)[] = [];
  const caches = createOwnerCaches({
    kc: new KubeConfig(),
    logger: pino({ level: 'silent' }),
    namespaces: {
      onChange: (listener) => void namespaceListeners.push(listener as never),
      hasSynced: () => true,
      annotations: () => undefined,
    },
    createInformer,
  });
  const byPath = (path: string) => informers.filter((i) => i.options.path === path);
  return { caches, informers, byPath, namespaceChanged: (ns: object) => namespaceListeners.forEach((l) => l(ns)) };
}

/** A subscriber that writes down what it is told. */
function recorder() {
  const seen: string[] = [];
  const events: OwnerCacheEvents = {
    owner: (o) => seen.push(`owner ${o.metadata?.name}`),
    child: (kind, o, verb) => seen.push(`${verb} ${kind} ${o.metadata?.name}`),
    namespace: (ns) => seen.push(`namespace ${ns.metadata?.name}`),
    ownersSynced: () => seen.push('synced'),
    changedBetweenTerms: (key) => seen.push(`missed ${key}`),
  };
  return { seen, events };
}

const child = (kind: string, name: string, labels: Record<string, string>, extra: object = {}) =>
  ({ apiVersion: 'v1', kind, metadata: { name, namespace: 'shop', labels, resourceVersion: '1' }, ...extra }) as never;

t.test('one informer per resource across owner kinds, one per owner kind', async (t) => {
  const { caches, informers, byPath } = setup();
  const webApps = caches.register(WEBAPP_OWNER, CHILD_KINDS);
  const databases = caches.register(DATABASE, DATABASE_CHILDREN);
  t.equal(byPath('/api/v1/services').length, 1, 'Services cached once for both kinds');
  t.equal(byPath('/apis/shipshape.dev/v1/webapps').length, 1);
  t.equal(byPath('/apis/shipshape.dev/v1alpha1/databases').length, 1);
  t.equal(informers.length, 2 + CHILD_KINDS.length + 1, 'two owners, five WebApp resources, StatefulSets');
  t.equal(webApps.children.Service, databases.children.Service, 'the same cache');
  t.equal(byPath('/api/v1/services')[0]!.options.labelSelector, 'app.kubernetes.io/managed-by=shipshape');
  t.notOk(byPath('/apis/apps/v1/statefulsets')[0]!.options.transform, 'no view: the informer strips managedFields');

  t.notOk(caches.hasSynced());
  informers.forEach((i) => i.sync());
  t.ok(caches.hasSynced(), 'every informer and the Namespace cache');
  t.ok(webApps.hasSynced() && databases.hasSynced());
});

t.test("a child's event goes to the owner kind whose label it carries", async (t) => {
  const { caches, byPath, namespaceChanged } = setup();
  const webApps = caches.register(WEBAPP_OWNER, CHILD_KINDS);
  const databases = caches.register(DATABASE, DATABASE_CHILDREN);
  const [w, d] = [recorder(), recorder()];
  webApps.subscribe(w.events);
  databases.subscribe(d.events);
  const services = byPath('/api/v1/services')[0]!;
  services.emit(child('Service', 'web', { 'shipshape.dev/webapp': 'web' }));
  services.emit(child('Service', 'db-members', { 'shipshape.dev/database': 'db' }));
  services.emit(child('Service', 'stray', {}));
  byPath('/apis/apps/v1/statefulsets')[0]!.emit(
    child('StatefulSet', 'db', { 'shipshape.dev/database': 'db' }),
    'delete',
  );
  byPath('/apis/shipshape.dev/v1/webapps')[0]!.sync();
  namespaceChanged({ metadata: { name: 'shop' } });
  t.same(w.seen, ['add Service web', 'synced', 'namespace shop']);
  t.same(d.seen, ['add Service db-members', 'delete StatefulSet db', 'namespace shop'], 'one event per child');
});

t.test('every kind owning a resource sees each of its objects as anyChild, first', async (t) => {
  const { caches, byPath } = setup();
  const webApps = caches.register(WEBAPP_OWNER, CHILD_KINDS);
  const databases = caches.register(DATABASE, DATABASE_CHILDREN);
  const [w, d] = [recorder(), recorder()];
  const any = (seen: string[]) => (kind: string, o: { metadata?: { name?: string } }, verb: string) =>
    seen.push(`any ${verb} ${kind} ${o.metadata?.name}`);
  webApps.subscribe({ ...w.events, anyChild: any(w.seen) });
  databases.subscribe({ ...d.events, anyChild: any(d.seen) });
  const services = byPath('/api/v1/services')[0]!;
  services.emit(child('Service', 'db', { 'shipshape.dev/database': 'db' }), 'delete');
  byPath('/apis/apps/v1/statefulsets')[0]!.emit(child('StatefulSet', 'db', { 'shipshape.dev/database': 'db' }));
  t.same(w.seen, ['any delete Service db'], "a database's Service: the WebApps' anyChild only");
  t.same(d.seen, ['any delete Service db', 'delete Service db', 'any add StatefulSet db', 'add StatefulSet db']);
});

t.test('the Service view keeps a headless Service and publishNotReadyAddresses, not an allocated IP', async (t) => {
  const { caches, byPath } = setup();
  const webApps = caches.register(WEBAPP_OWNER, CHILD_KINDS);
  const services = byPath('/api/v1/services')[0]!;
  const spec = { type: 'ClusterIP', clusterIP: '10.0.0.7', clusterIPs: ['10.0.0.7'], ports: [{ port: 80 }] };
  services.emit(child('Service', 'web', {}, { spec }));
  t.same(
    webApps.children.Service!.get('web', 'shop')!,
    child('Service', 'web', {}, { spec: { type: 'ClusterIP', ports: [{ port: 80 }] } }),
  );
  const headless = { ...spec, clusterIP: 'None', clusterIPs: ['None'], publishNotReadyAddresses: true };
  services.emit(child('Service', 'db-members', {}, { spec: headless }));
  t.match(webApps.children.Service!.get('db-members', 'shop'), {
    spec: { clusterIP: 'None', publishNotReadyAddresses: true },
  });
});

t.test('two views of one resource are refused at construction, with a code', async (t) => {
  const { caches } = setup();
  caches.register(WEBAPP_OWNER, CHILD_KINDS);
  const conflicting = [{ kind: 'Service', apiVersion: 'v1', plural: 'services', view: (o: object) => o }];
  t.throws(() => caches.register(DATABASE, conflicting as never), {
    name: 'OwnerCacheError',
    code: 'CACHE_VIEW_CONFLICT',
    message: /v1\/services/,
  });
  t.throws(
    () => caches.register(DATABASE, [{ kind: 'Service', apiVersion: 'v1', plural: 'services' }]),
    {
      code: 'CACHE_VIEW_CONFLICT',
    },
    'no view against a view',
  );
});

t.test('and two views of one resource within one owner kind', async (t) => {
  const { caches, informers } = setup();
  const services = { kind: 'Service', apiVersion: 'v1', plural: 'services' };
  t.throws(() => caches.register(DATABASE, [{ ...services, view: CHILD_VIEWS.Service }, services]), {
    code: 'CACHE_VIEW_CONFLICT',
  });
  t.equal(informers.length, 0, 'a refused registration makes nothing');
  t.doesNotThrow(() => caches.register(DATABASE, DATABASE_CHILDREN), 'the kind registers once its views agree');
});

t.test('an owner kind registers once, and before the caches start', async (t) => {
  const { caches } = setup();
  caches.register(WEBAPP_OWNER, CHILD_KINDS);
  t.throws(() => caches.register({ ...DATABASE, ownerLabel: WEBAPP_OWNER.ownerLabel }, []), {
    code: 'CACHE_DUPLICATE_OWNER',
  });
  await caches.start(new AbortController().signal);
  const err = t.throws(() => caches.register(DATABASE, DATABASE_CHILDREN));
  t.ok(err instanceof OwnerCacheError && err.code === 'CACHE_ALREADY_STARTED');
});

t.test('between terms: unreconciled owners and deleted children, per owner kind', async (t) => {
  const { caches, byPath, informers } = setup();
  const webApps = caches.register(WEBAPP_OWNER, CHILD_KINDS);
  const databases = caches.register(DATABASE, DATABASE_CHILDREN);
  informers.forEach((i) => i.sync());
  const owner = (name: string, generation: number, observedGeneration: number) =>
    ({ metadata: { name, namespace: 'shop', generation }, status: { observedGeneration } }) as never;
  byPath('/apis/shipshape.dev/v1/webapps')[0]!.emit(owner('reconciled', 2, 2), 'update');
  byPath('/apis/shipshape.dev/v1/webapps')[0]!.emit(owner('changed', 3, 2), 'update');
  byPath('/api/v1/services')[0]!.emit(child('Service', 'db', { 'shipshape.dev/database': 'db' }), 'delete');
  byPath('/api/v1/services')[0]!.emit(child('Service', 'web', { 'shipshape.dev/webapp': 'web' }), 'update');
  const [w, d] = [recorder(), recorder()];
  webApps.subscribe(w.events);
  databases.subscribe(d.events);
  t.same(w.seen, ['missed shop/changed'], 'a status write or a child update is no news');
  t.same(d.seen, ['missed shop/db']);
  const unsubscribe = webApps.subscribe(recorder().events);
  unsubscribe();
  byPath('/apis/shipshape.dev/v1/webapps')[0]!.emit(owner('changed', 4, 3), 'update');
  const next = recorder();
  webApps.subscribe(next.events);
  t.same(next.seen, ['missed shop/changed'], 'noted again once nobody listens');
});

t.test('a kind marked watched: false gets no informer, and no view of it is checked', async (t) => {
  const { caches, byPath } = setup();
  caches.register(WEBAPP_OWNER, CHILD_KINDS);
  const secret: ChildResource = { kind: 'Secret', apiVersion: 'v1', plural: 'secrets', view: (o) => o, watched: false };
  const databases = caches.register(DATABASE, [...DATABASE_CHILDREN, secret]);
  t.equal(byPath('/api/v1/secrets').length, 0, 'no Secret is listed or watched');
  t.notOk(databases.children.Secret, 'so the cache never holds one');
  t.doesNotThrow(
    () =>
      caches.register({ ...DATABASE, kind: 'Other', ownerLabel: 'x/other', controllerName: 'other' }, [
        { ...secret, view: (o) => ({ ...o }) },
      ]),
    'an unwatched kind has no view to conflict with',
  );
});
