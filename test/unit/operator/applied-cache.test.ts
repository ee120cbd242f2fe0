// The applied cache decides when an apply can be skipped and what an apply changed, against an
// API server that keeps server-side apply's rules (an unchanged body keeps the resourceVersion,
// fields of other writers stay) and a watch cache that catches up only when told to.
import t from 'tap';
import { createAppliedCache } from '../../../src/operator/applied-cache.ts';

type Obj = {
  apiVersion?: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    creationTimestamp?: string | Date;
    managedFields?: unknown[];
  };
  data?: unknown;
  status?: unknown;
};

const KEY = 'ConfigMap/ns/web-env';
const body = (data: string): Obj => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'web-env', namespace: 'ns', annotations: { 'shipshape.dev/owner': 'web' } },
  data,
});
/** What server-side apply compares: neither status nor the bookkeeping in metadata. */
function content(obj: Obj): string {
  const copy = structuredClone(obj);
  delete copy.status;
  delete copy.metadata.resourceVersion;
  delete copy.metadata.managedFields;
  return JSON.stringify(copy);
}

function setup() {
  let version = 10;
  const server = new Map<string, Obj>();
  const watchCache = new Map<string, Obj>();
  const cache = createAppliedCache((kind, namespace, name) => watchCache.get(`${kind}/${namespace}/${name}`));
  const applies: Obj[] = [];
  const apply = async (obj: Obj) => {
    applies.push(obj);
    const previous = server.get(KEY);
    const annotations = { ...previous?.metadata.annotations, ...obj.metadata.annotations };
    const merged: Obj = {
      ...previous,
      ...structuredClone(obj),
      metadata: { ...previous?.metadata, ...obj.metadata, annotations, creationTimestamp: '2025-03-01T10:00:00Z' },
    };
    const same = previous && content(previous) === content(merged);
    const stored = same
      ? previous
      : { ...merged, metadata: { ...merged.metadata, resourceVersion: String(++version) } };
    server.set(KEY, stored);
    // What @kubernetes/client-node hands back: a typed object, its timestamps as Dates.
    const response = structuredClone(stored);
    response.metadata.creationTimestamp = new Date(stored.metadata.creationTimestamp!);
    return response;
  };
  return {
    cache,
    applies,
    apply: (obj: Obj) => cache.apply(obj, apply),
    /**
     * The watch cache catches up with the API server: from a watch event (JSON, timestamps as
     * text), or `listed` (a typed list item: Dates, no apiVersion and kind).
     */
    sync({ listed = false } = {}) {
      const obj = structuredClone(server.get(KEY)!);
      if (listed) {
        delete obj.apiVersion;
        delete (obj as { kind?: string }).kind;
        obj.metadata.creationTimestamp = new Date(obj.metadata.creationTimestamp!);
      }
      watchCache.set(KEY, obj);
    },
    /** Someone else writes the object; the watch cache sees it. */
    write(edit: (obj: Obj) => void) {
      const obj = structuredClone(server.get(KEY)!);
      edit(obj);
      obj.metadata.resourceVersion = String(++version);
      obj.metadata.managedFields = [{ manager: 'someone', time: '2025-03-01T10:05:00Z' }];
      server.set(KEY, obj);
      watchCache.set(KEY, structuredClone(obj));
    },
    /** Someone else deletes it: the watch cache's delete event makes the controller forget it. */
    remove() {
      server.delete(KEY);
      watchCache.delete(KEY);
      cache.forget('ConfigMap', 'ns', 'web-env');
    },
  };
}

t.test('a first apply is created; the same body again is unchanged', async (t) => {
  const s = setup();
  t.match(await s.apply(body('a')), { change: 'created', object: { data: 'a', metadata: { resourceVersion: '11' } } });
  t.match(await s.apply(body('a')), { change: 'unchanged' }, 'applied again: the watch cache has not seen ours yet');
  t.equal(s.applies.length, 2);
});

t.test('skipped while the watch cache shows what our last apply stored', async (t) => {
  const s = setup();
  await s.apply(body('a'));
  s.sync();
  const skipped = await s.apply(body('a'));
  t.equal(s.applies.length, 1, 'not applied');
  t.equal(skipped.change, 'unchanged');
  t.equal(skipped.object.metadata.resourceVersion, '11', "the watch cache's object");
  t.match(await s.apply(body('b')), { change: 'updated', object: { data: 'b' } }, 'the desired body changed');
  t.equal(s.applies.length, 2);
});

t.test('a status-only change is unchanged and not re-applied', async (t) => {
  const s = setup();
  await s.apply(body('a'));
  s.sync();
  s.write((o) => (o.status = { observedGeneration: 1, replicas: 1 }));
  const result = await s.apply(body('a'));
  t.equal(s.applies.length, 1, 'a new resourceVersion, the same signature: not applied');
  t.equal(result.change, 'unchanged');
  t.match(result.object, { status: { replicas: 1 } }, 'the fresh status, for the WebApp status');
  s.sync({ listed: true });
  t.equal((await s.apply(body('a'))).change, 'unchanged', 'relisted');
  t.equal(s.applies.length, 1, 'still not applied');
});

t.test('a hand edit is re-applied and updated', async (t) => {
  const s = setup();
  await s.apply(body('a'));
  s.sync();
  s.write((o) => (o.data = 'edited'));
  t.match(await s.apply(body('a')), { change: 'updated', object: { data: 'a' } }, 'restored');
  t.equal(s.applies.length, 2);
  s.sync();
  t.match(await s.apply(body('a')), { change: 'unchanged' });
  t.equal(s.applies.length, 2, 'then skipped again');

  s.write((o) => (o.metadata.annotations = { ...o.metadata.annotations, 'shipshape.dev/owner': 'someone' }));
  t.match(await s.apply(body('a')), { change: 'updated' }, 'an annotation of ours edited: restored');
  t.equal(s.applies.length, 3);
});

t.test('a change to fields we do not own is applied once, and our apply leaves it: unchanged', async (t) => {
  const s = setup();
  await s.apply(body('a'));
  s.sync();
  s.write((o) => (o.metadata.annotations = { ...o.metadata.annotations, 'example.com/note': 'hi' }));
  const result = await s.apply(body('a'));
  t.equal(s.applies.length, 2, 'another signature: applied');
  t.equal(result.change, 'unchanged', 'the apply changed nothing of what the watch cache had');
  t.match(result.object.metadata.annotations, { 'example.com/note': 'hi' });
  s.sync();
  await s.apply(body('a'));
  t.equal(s.applies.length, 2, 'then skipped');
});

t.test('"before" is the freshest object known: ours while the watch cache lags', async (t) => {
  const s = setup();
  await s.apply(body('a'));
  s.sync();
  t.equal((await s.apply(body('b'))).change, 'updated');
  t.equal((await s.apply(body('b'))).change, 'unchanged', 'the watch cache still has "a", our last stored "b"');
  t.equal(s.applies.length, 3);
});

t.test('forget() drops what we knew, as after a delete: the next apply creates', async (t) => {
  const s = setup();
  await s.apply(body('a'));
  s.sync();
  s.remove();
  t.match(await s.apply(body('a')), { change: 'created', object: { metadata: { resourceVersion: '12' } } });
  t.equal(s.applies.length, 2);
});

t.test('only the most recent applies are remembered; one dropped is judged by content, as in a new term', async (t) => {
  // Three ConfigMaps on a server that keeps them; the applied cache remembers two.
  const server = new Map<string, Obj>();
  const watchCache = new Map<string, Obj>();
  let version = 100;
  const cache = createAppliedCache(
    (kind, namespace, name) => watchCache.get(`${kind}/${namespace}/${name}`),
    undefined,
    2,
  );
  const applies: string[] = [];
  const apply = async (obj: Obj) => {
    applies.push(obj.metadata.name);
    const stored = { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: String(++version) } };
    server.set(obj.metadata.name, stored);
    return structuredClone(stored);
  };
  const named = (name: string, data: string): Obj => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'ns' },
    data,
  });
  const sync = () => {
    for (const [name, obj] of server) watchCache.set(`ConfigMap/ns/${name}`, structuredClone(obj));
  };
  for (const name of ['a', 'b', 'c']) await cache.apply(named(name, '1'), apply);
  t.equal(cache.size, 2, 'two remembered: a was dropped');
  sync();
  t.match(await cache.apply(named('a', '1'), apply), { change: 'unchanged' }, 'a: the cache holds the body');
  t.strictSame(applies, ['a', 'b', 'c'], 'not applied again');
  t.match(await cache.apply(named('b', '2'), apply), { change: 'updated' }, 'a changed body is applied');
  t.match(await cache.apply(named('c', '1'), apply), { change: 'unchanged' });
  t.strictSame(applies, ['a', 'b', 'c', 'b']);
  t.equal(cache.size, 2, 'never more than two');
});
