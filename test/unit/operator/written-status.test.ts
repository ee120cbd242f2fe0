// The statuses a leader wrote that its watch cache does not show yet (src/operator/written-status.ts):
// remembered until the cache catches up or the WebApp is deleted, so the map holds writes in
// flight, not one status per WebApp ever written.
import t from 'tap';
import type { WebAppStatus } from '../../../src/api/webapp.ts';
import { createWrittenStatus } from '../../../src/operator/written-status.ts';

const status = (phase: string): WebAppStatus => ({ phase, readyReplicas: 1 }) as WebAppStatus;
const seen = (uid: string, resourceVersion: string) => ({ metadata: { uid, resourceVersion } });

t.test('a write is pending until the cache shows its resourceVersion or a newer one', async (t) => {
  const w = createWrittenStatus();
  w.wrote('u1', status('Running'), '20');
  t.ok(w.pending('u1', status('Running')), 'the same status again: not written');
  t.notOk(w.pending('u1', status('Pending')), 'another status: written');
  t.notOk(w.pending('u2', status('Running')), 'another WebApp');
  t.notOk(w.pending(undefined, status('Running')), 'no uid');
  w.observe(seen('u1', '19'));
  t.ok(w.pending('u1', status('Running')), 'an older event leaves it');
  w.observe(seen('u1', '20'));
  t.notOk(w.pending('u1', status('Running')), 'the cache shows our write: forgotten');
  t.equal(w.size(), 0);
});

t.test('a delete event (its last resourceVersion) releases the entry; many WebApps leave nothing behind', async (t) => {
  const w = createWrittenStatus();
  for (let i = 0; i < 1000; i++) w.wrote(`u${i}`, status('Running'), String(100 + i));
  t.equal(w.size(), 1000);
  for (let i = 0; i < 1000; i++) w.observe(seen(`u${i}`, String(200 + i)));
  t.equal(w.size(), 0, 'every entry released once its event came');
  w.wrote('u1', status('Running'), undefined);
  t.equal(w.size(), 0, 'a write without a resourceVersion is not remembered');
});
