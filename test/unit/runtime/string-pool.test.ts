// The bounded string pool the owner caches share recurring strings through.
import t from 'tap';
import { createStringPool } from '../../../src/runtime/string-pool.ts';

t.test('a value comes back equal, and is pooled once', async (t) => {
  const pool = createStringPool(8);
  const first = pool.intern(['Minimum', 'ReplicasAvailable'].join(''));
  t.equal(pool.intern('MinimumReplicasAvailable'), first);
  t.equal(pool.size, 1, 'one entry for both');
  pool.intern('Complete');
  t.equal(pool.size, 2);
});

t.test('at its bound the pool starts over, so values that never recur cost at most one pool', async (t) => {
  const pool = createStringPool(3);
  for (let i = 0; i < 10; i++) pool.intern(`uid-${i}`);
  t.ok(pool.size <= 3, `held ${pool.size}`);
  t.equal(pool.intern('uid-9'), 'uid-9', 'values stay what they were');
});
