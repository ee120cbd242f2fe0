// Owners waiting on a child's name another owner holds (src/operator/name-waits.ts): woken once the
// holder deletes the child or lets go of it, not by its other changes; bounded.
import t from 'tap';
import { createNameWaits } from '../../../src/operator/name-waits.ts';

t.test('the owners waiting on a name wake when the child is deleted, once', async (t) => {
  const waits = createNameWaits();
  waits.wait('Service', 'shop', 'db', 'MySQLCluster db', 'shop/db');
  waits.wait('Service', 'shop', 'db', 'MySQLCluster db', 'shop/db');
  waits.wait('Service', 'shop', 'db', 'MySQLCluster db', 'shop/other');
  t.same(waits.changed('Service', 'shop', 'db', 'MySQLCluster db', false), [], 'a change under the same holder: none');
  t.same(waits.changed('Service', 'other', 'db', undefined, true), [], 'another namespace: none');
  t.same(waits.changed('PodDisruptionBudget', 'shop', 'db', undefined, true), [], 'another kind: none');
  t.same(waits.changed('Service', 'shop', 'db', 'MySQLCluster db', true), ['shop/db', 'shop/other']);
  t.same(waits.changed('Service', 'shop', 'db', undefined, true), [], 'forgotten once woken');
  t.equal(waits.size, 0);
});

t.test('and when the child is kept but another controls it, or none', async (t) => {
  const waits = createNameWaits();
  waits.wait('Service', 'shop', 'db', 'MySQLCluster db', 'shop/db');
  t.same(waits.changed('Service', 'shop', 'db', undefined, false), ['shop/db'], 'released (orphaned)');
  waits.wait('Service', 'shop', 'db', 'MySQLCluster db', 'shop/db');
  t.same(waits.changed('Service', 'shop', 'db', 'WebApp db', false), ['shop/db'], 'adopted');
});

t.test('a new holder of the name replaces the waiters of the old one', async (t) => {
  const waits = createNameWaits();
  waits.wait('Service', 'shop', 'db', 'MySQLCluster db', 'shop/a');
  waits.wait('Service', 'shop', 'db', 'WebApp db', 'shop/b');
  t.same(
    waits.changed('Service', 'shop', 'db', 'MySQLCluster db', false),
    ['shop/b'],
    'no longer the holder b waited on',
  );
});

t.test('bounded: past the limit the oldest name is forgotten', async (t) => {
  const waits = createNameWaits(2);
  for (const name of ['a', 'b', 'c']) waits.wait('Service', 'shop', name, 'WebApp x', `shop/${name}`);
  t.equal(waits.size, 2);
  t.same(
    waits.changed('Service', 'shop', 'a', undefined, true),
    [],
    'the oldest: forgotten (its owner wakes at resync)',
  );
  t.same(waits.changed('Service', 'shop', 'c', undefined, true), ['shop/c']);
});
