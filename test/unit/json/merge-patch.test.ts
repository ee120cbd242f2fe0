// RFC 7386 JSON Merge Patch, with the RFC's own examples (appendix A) that matter here.
import t from 'tap';
import { applyMergePatch } from '../../../src/json/merge-patch.ts';

t.test('objects merge, null removes, everything else replaces', async (t) => {
  t.strictSame(applyMergePatch({ a: 'b' }, { a: 'c' }), { a: 'c' });
  t.strictSame(applyMergePatch({ a: 'b' }, { b: 'c' }), { a: 'b', b: 'c' });
  t.strictSame(applyMergePatch({ a: 'b', b: 'c' }, { a: null }), { b: 'c' });
  t.strictSame(applyMergePatch({ a: [{ b: 'c' }] }, { a: [1] }), { a: [1] });
  t.strictSame(applyMergePatch({ a: { b: 'c' } }, { a: { b: 'd', c: null } }), { a: { b: 'd' } });
  t.strictSame(applyMergePatch({ e: null }, { a: 1 }), { e: null, a: 1 });
  t.strictSame(applyMergePatch('x', { a: { bb: { ccc: null } } }), { a: { bb: {} } });
  t.strictSame(applyMergePatch({ a: 'foo' }, 'bar'), 'bar');
});

t.test('the target is not changed', async (t) => {
  const target = { spec: { replicas: 3, env: [] } };
  const patched = applyMergePatch(target, { spec: { replicas: 6 } });
  t.strictSame(patched, { spec: { replicas: 6, env: [] } });
  t.strictSame(target, { spec: { replicas: 3, env: [] } });
});
