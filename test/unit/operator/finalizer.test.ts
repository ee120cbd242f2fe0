// The finalizer dance by direct calls: the patch it sends is applied to a stored copy with RFC 6902
// semantics (`test` included), so a test sees the finalizer list the API server would keep.
import t from 'tap';
import { type FinalizedObject, finalizer } from '../../../src/operator/finalizer.ts';
import { type JsonPatchOperation, applyJsonPatch } from '../../../src/json/json-patch.ts';

const OURS = 'shipshape.dev/finalizer';
const DELETED = '2025-03-01T10:00:00Z';

type Stored = FinalizedObject & { metadata: NonNullable<FinalizedObject['metadata']> };

/**
 * An object as the API server stores it, a patch function that applies to it, and a log of the
 * patch, apply and cleanup calls in order.
 */
function setup(metadata: Stored['metadata']) {
  const server = { object: { metadata: { resourceVersion: '7', ...metadata } } as Stored };
  const log: string[] = [];
  const patches: JsonPatchOperation[][] = [];
  const patch = async (operations: JsonPatchOperation[]) => {
    log.push('patch');
    patches.push(operations);
    server.object = applyJsonPatch(server.object, operations) as Stored;
    return server.object;
  };
  const handlers = {
    apply: async (obj: Stored) => {
      log.push('apply');
      return `applied ${obj.metadata.resourceVersion}`;
    },
    cleanup: async (obj: Stored) => {
      log.push('cleanup');
      return `cleaned ${obj.metadata.resourceVersion}`;
    },
  };
  return { server, log, patches, patch, handlers, object: structuredClone(server.object) };
}

t.test('a live object without finalizers gets ours, guarded by its resourceVersion, then apply runs', async (t) => {
  const s = setup({});
  t.strictSame(await finalizer(s.object, OURS, s.patch, s.handlers), { event: 'apply', result: 'applied 7' });
  t.strictSame(s.log, ['patch', 'apply'], 'the finalizer is stored before anything is created');
  t.strictSame(s.patches, [
    [
      { op: 'test', path: '/metadata/resourceVersion', value: '7' },
      { op: 'add', path: '/metadata/finalizers', value: [OURS] },
    ],
  ]);
  t.strictSame(s.server.object.metadata.finalizers, [OURS]);
});

t.test('an empty finalizer list is replaced by one holding ours', async (t) => {
  const s = setup({ finalizers: [] });
  await finalizer(s.object, OURS, s.patch, s.handlers);
  t.strictSame(s.patches[0]?.[1], { op: 'add', path: '/metadata/finalizers', value: [OURS] });
  t.strictSame(s.server.object.metadata.finalizers, [OURS]);
});

t.test("someone else's finalizers are kept: ours is appended", async (t) => {
  const s = setup({ finalizers: ['example.com/a', 'example.com/b'] });
  t.strictSame(await finalizer(s.object, OURS, s.patch, s.handlers), { event: 'apply', result: 'applied 7' });
  t.strictSame(s.log, ['patch', 'apply']);
  t.strictSame(s.patches, [
    [
      { op: 'test', path: '/metadata/resourceVersion', value: '7' },
      { op: 'add', path: '/metadata/finalizers/-', value: OURS },
    ],
  ]);
  t.strictSame(s.server.object.metadata.finalizers, ['example.com/a', 'example.com/b', OURS]);
});

t.test('an object changed since it was read is not patched blind: the resourceVersion test fails', async (t) => {
  const s = setup({});
  // Another client set the whole list meanwhile; adding [ours] at /metadata/finalizers would drop it.
  s.server.object = { metadata: { resourceVersion: '8', finalizers: ['example.com/a'] } };
  await t.rejects(finalizer(s.object, OURS, s.patch, s.handlers), /test failed at \/metadata\/resourceVersion/);
  t.strictSame(s.log, ['patch'], 'apply does not run; the next reconcile reads the new object');
  t.strictSame(s.server.object.metadata.finalizers, ['example.com/a']);
});

t.test('an object that already carries our finalizer is not patched', async (t) => {
  const s = setup({ finalizers: ['example.com/a', OURS] });
  t.strictSame(await finalizer(s.object, OURS, s.patch, s.handlers), { event: 'apply', result: 'applied 7' });
  t.strictSame(s.log, ['apply']);
});

t.test('a rejected finalizer patch propagates and apply does not run', async (t) => {
  const s = setup({});
  const conflict = new Error('Operation cannot be fulfilled: the object has been modified');
  const rejecting = async () => {
    s.log.push('patch');
    throw conflict;
  };
  await t.rejects(finalizer(s.object, OURS, rejecting, s.handlers), conflict);
  t.strictSame(s.log, ['patch']);
});

t.test('an error from apply propagates', async (t) => {
  const s = setup({ finalizers: [OURS] });
  const boom = new Error('apply failed');
  await t.rejects(
    finalizer(s.object, OURS, s.patch, {
      ...s.handlers,
      apply: async () => {
        throw boom;
      },
    }),
    boom,
  );
});

t.test('on deletion, cleanup runs, then only our finalizer is removed, at its index', async (t) => {
  for (const [finalizers, index] of [
    [[OURS], 0],
    [['example.com/a', OURS, 'example.com/b'], 1],
    [['example.com/a', 'example.com/b', OURS], 2],
  ] as const) {
    const s = setup({ finalizers: [...finalizers], deletionTimestamp: DELETED });
    const outcome = await finalizer(s.object, OURS, s.patch, s.handlers);
    t.strictSame(outcome, { event: 'cleanup', result: 'cleaned 7' }, `${finalizers.join(', ')}`);
    t.strictSame(s.log, ['cleanup', 'patch'], 'cleanup first: the finalizer holds the object until it is done');
    t.strictSame(s.patches, [
      [
        { op: 'test', path: `/metadata/finalizers/${index}`, value: OURS },
        { op: 'remove', path: `/metadata/finalizers/${index}` },
      ],
    ]);
    t.strictSame(
      s.server.object.metadata.finalizers,
      finalizers.filter((f) => f !== OURS),
    );
  }
});

t.test('a deletionTimestamp given as a Date counts as deletion too', async (t) => {
  const s = setup({ finalizers: [OURS], deletionTimestamp: new Date(DELETED) });
  t.strictSame(await finalizer(s.object, OURS, s.patch, s.handlers), { event: 'cleanup', result: 'cleaned 7' });
  t.strictSame(s.log, ['cleanup', 'patch']);
});

t.test('a finalizer list changed during cleanup fails the removal instead of dropping another', async (t) => {
  const s = setup({ finalizers: ['example.com/a', OURS, 'example.com/b'], deletionTimestamp: DELETED });
  const cleanup = async () => {
    s.log.push('cleanup');
    // example.com/a's controller finished first: ours moved to index 0, example.com/b to index 1.
    s.server.object = applyJsonPatch(s.server.object, [{ op: 'remove', path: '/metadata/finalizers/0' }]) as Stored;
    return 'cleaned';
  };
  await t.rejects(finalizer(s.object, OURS, s.patch, { ...s.handlers, cleanup }), /test failed/);
  t.strictSame(s.server.object.metadata.finalizers, [OURS, 'example.com/b'], 'example.com/b is still there');
});

t.test('deletion without our finalizer runs neither handler and patches nothing', async (t) => {
  for (const finalizers of [undefined, [], ['example.com/a']]) {
    const s = setup({ finalizers, deletionTimestamp: DELETED });
    t.strictSame(await finalizer(s.object, OURS, s.patch, s.handlers), { event: 'none' });
    t.strictSame(s.log, [], `finalizers ${JSON.stringify(finalizers)}`);
  }
});

t.test('a cleanup that throws keeps the finalizer, so deletion is retried', async (t) => {
  const s = setup({ finalizers: [OURS], deletionTimestamp: DELETED });
  const busy = new Error('the Service is still being deleted');
  const cleanup = async () => {
    s.log.push('cleanup');
    throw busy;
  };
  await t.rejects(finalizer(s.object, OURS, s.patch, { ...s.handlers, cleanup }), busy);
  t.strictSame(s.log, ['cleanup'], 'no patch');
  t.strictSame(s.server.object.metadata.finalizers, [OURS]);
});

t.test('a rejected removal patch propagates after cleanup ran', async (t) => {
  const s = setup({ finalizers: [OURS], deletionTimestamp: DELETED });
  const conflict = new Error('the server rejected our patch');
  const rejecting = async () => {
    s.log.push('patch');
    throw conflict;
  };
  await t.rejects(finalizer(s.object, OURS, rejecting, s.handlers), conflict);
  t.strictSame(s.log, ['cleanup', 'patch']);
});
