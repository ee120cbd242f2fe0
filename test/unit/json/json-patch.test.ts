import t from 'tap';
import { jsonEqual } from '../../../src/json/json.ts';
import { applyJsonPatch, escapePointerToken, toJsonPatch } from '../../../src/json/json-patch.ts';

t.test('equal documents give an empty patch, whatever the key order', async (t) => {
  t.same(toJsonPatch({ a: 1, b: { c: [1, { d: 2 }] } }, { b: { c: [1, { d: 2 }] }, a: 1 }), []);
  t.same(toJsonPatch('x', 'x'), []);
  t.same(toJsonPatch(null, null), []);
});

t.test('add, replace and remove, removals and replacements in before order, then additions', async (t) => {
  const before = { spec: { replicas: 1, port: 80, image: 'nginx' }, metadata: { name: 'web' } };
  const after = { metadata: { name: 'web', uid: 'u1' }, spec: { image: 'nginx:1.27', port: 80, env: [] } };
  t.strictSame(toJsonPatch(before, after), [
    { op: 'remove', path: '/spec/replicas' },
    { op: 'replace', path: '/spec/image', value: 'nginx:1.27' },
    { op: 'add', path: '/spec/env', value: [] },
    { op: 'add', path: '/metadata/uid', value: 'u1' },
  ]);
});

t.test('keys are escaped per RFC 6901', async (t) => {
  t.equal(escapePointerToken('app.kubernetes.io/name'), 'app.kubernetes.io~1name');
  t.equal(escapePointerToken('a~b'), 'a~0b');
  t.equal(escapePointerToken('~1'), '~01', "'~' is escaped before '/', so a literal '~1' survives");
  const patch = toJsonPatch(
    { metadata: { labels: {} } },
    { metadata: { labels: { 'app.kubernetes.io/name': 'web' } } },
  );
  t.strictSame(patch, [{ op: 'add', path: '/metadata/labels/app.kubernetes.io~1name', value: 'web' }]);
});

t.test('a subtree missing from before is added whole, not under a missing parent', async (t) => {
  const after = { metadata: { labels: { a: '1', b: '2' } }, spec: { service: { type: 'ClusterIP', port: 80 } } };
  t.strictSame(toJsonPatch({ metadata: {}, spec: {} }, after), [
    { op: 'add', path: '/metadata/labels', value: { a: '1', b: '2' } },
    { op: 'add', path: '/spec/service', value: { type: 'ClusterIP', port: 80 } },
  ]);
});

t.test('arrays are compared deeply and replaced whole when they differ', async (t) => {
  const env = [{ name: 'A', value: '1' }];
  t.same(toJsonPatch({ env }, { env: [{ value: '1', name: 'A' }] }), []);
  t.strictSame(toJsonPatch({ env }, { env: [...env, { name: 'B' }] }), [
    { op: 'replace', path: '/env', value: [...env, { name: 'B' }] },
  ]);
  t.strictSame(toJsonPatch({ env: [1, 2] }, { env: [2, 1] }), [{ op: 'replace', path: '/env', value: [2, 1] }]);
});

t.test('a change of type is a replace, null included', async (t) => {
  t.strictSame(toJsonPatch({ spec: null }, { spec: { replicas: 1 } }), [
    { op: 'replace', path: '/spec', value: { replicas: 1 } },
  ]);
  t.strictSame(toJsonPatch({ a: [] }, { a: {} }), [{ op: 'replace', path: '/a', value: {} }]);
  t.strictSame(toJsonPatch({ a: '1' }, { a: 1 }), [{ op: 'replace', path: '/a', value: 1 }]);
});

t.test('undefined properties count as missing, as they do in JSON', async (t) => {
  t.same(toJsonPatch({ a: 1, b: undefined }, { a: 1 }), []);
  t.strictSame(toJsonPatch({ a: 1, b: undefined }, { a: 1, b: 2 }), [{ op: 'add', path: '/b', value: 2 }]);
  t.strictSame(toJsonPatch({ a: 1 }, { a: undefined }), [{ op: 'remove', path: '/a' }]);
  t.ok(jsonEqual({ a: 1, b: undefined }, { a: 1 }));
  t.notOk(jsonEqual({ a: 1 }, { a: 1, b: 2 }));
  t.notOk(jsonEqual({ a: 1, c: undefined }, { a: 1, b: 2 }));
});

t.test('whole-document changes and their errors', async (t) => {
  t.strictSame(toJsonPatch(undefined, { a: 1 }), [{ op: 'add', path: '', value: { a: 1 } }]);
  t.strictSame(toJsonPatch(1, 2), [{ op: 'replace', path: '', value: 2 }]);
  t.throws(() => toJsonPatch({ a: 1 }, undefined), TypeError);
});

t.test('applying the patch to before gives after', async (t) => {
  const pairs: [unknown, unknown][] = [
    [{}, { metadata: { labels: { 'a/b~c': 'x' } } }],
    [
      { spec: { replicas: 1, env: [{ name: 'A' }], resources: { limits: { cpu: '1' } } } },
      { spec: { env: [], resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '1' } } }, status: {} },
    ],
    [
      { a: { b: { c: 1 } }, d: 1 },
      { a: { b: {} }, d: null },
    ],
  ];
  for (const [before, after] of pairs) t.same(applyJsonPatch(before, toJsonPatch(before, after)), after);
});

t.test('the order is deterministic', async (t) => {
  const before = { b: 1, a: 1, c: { z: 1, y: 1 } };
  const after = { c: { y: 2, x: 3 }, d: 1, a: 2 };
  t.strictSame(toJsonPatch(before, after), toJsonPatch(structuredClone(before), structuredClone(after)));
  t.strictSame(
    toJsonPatch(before, after).map((o) => `${o.op} ${o.path}`),
    ['remove /b', 'replace /a', 'remove /c/z', 'replace /c/y', 'add /c/x', 'add /d'],
  );
});
