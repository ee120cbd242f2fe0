// The applied cache decides when an apply can be skipped, and what "before" means for the
// Created/Updated events while the child watch cache lags behind our own applies.
import t from 'tap';
import { createAppliedCache } from '../../../src/operator/applied-cache.ts';

type Obj = { kind: string; metadata: { name: string; namespace: string; resourceVersion?: string }; data?: unknown };

function setup() {
  const watchCache = new Map<string, Obj>();
  const cache = createAppliedCache((kind, namespace, name) => watchCache.get(`${kind}/${namespace}/${name}`));
  let version = 10;
  const applies: Obj[] = [];
  const apply = async (obj: Obj) => {
    applies.push(obj);
    return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++version) } };
  };
  return { watchCache, cache, apply, applies };
}

const body = (data: string): Obj => ({ kind: 'ConfigMap', metadata: { name: 'web-env', namespace: 'ns' }, data });

t.test('our own last apply answers while the watch cache lags', async (t) => {
  const { cache, apply } = setup();
  t.equal(cache.lastResourceVersion('ConfigMap', 'ns', 'web-env'), undefined, 'nothing applied yet');
  const stored = await cache.apply(body('a'), apply);
  t.equal(cache.lastResourceVersion('ConfigMap', 'ns', 'web-env'), stored.metadata.resourceVersion);
});

t.test('an apply is skipped only when the watch cache shows exactly what it returned', async (t) => {
  const { cache, apply, applies, watchCache } = setup();
  const stored = await cache.apply(body('a'), apply);
  await cache.apply(body('a'), apply);
  t.equal(applies.length, 2, 'not skipped while the watch cache has not seen our apply');
  watchCache.set('ConfigMap/ns/web-env', (await cache.apply(body('a'), apply)) as Obj);
  t.equal(applies.length, 3);
  await cache.apply(body('a'), apply);
  t.equal(applies.length, 3, 'skipped: the cache holds the object our last apply returned');
  await cache.apply(body('b'), apply);
  t.equal(applies.length, 4, 'applied: the desired body changed');
  watchCache.set('ConfigMap/ns/web-env', {
    ...body('edited'),
    metadata: { ...stored.metadata, resourceVersion: '99' },
  });
  await cache.apply(body('b'), apply);
  t.equal(applies.length, 5, 'applied: someone else changed the object');
});

t.test('forget() drops what we knew, as after a delete', async (t) => {
  const { cache, apply } = setup();
  await cache.apply(body('a'), apply);
  cache.forget('ConfigMap', 'ns', 'web-env');
  t.equal(cache.lastResourceVersion('ConfigMap', 'ns', 'web-env'), undefined);
});
