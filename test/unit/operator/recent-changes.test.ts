// The WebApps that changed between terms (src/operator/recent-changes.ts): only the last window's,
// latest first, each once, and none left behind once taken.
import t from 'tap';
import { createRecentChanges } from '../../../src/operator/recent-changes.ts';

t.test('keys changed within the window, latest change first, each once; take forgets them', async (t) => {
  let time = 0;
  const recent = createRecentChanges({ windowMs: 1000, now: () => time });
  recent.note('ns/a');
  time = 500;
  recent.note('ns/b');
  recent.note('ns/a');
  time = 1400;
  recent.note('ns/c');
  t.strictSame(recent.take(), ['ns/c', 'ns/a', 'ns/b'], 'a moved ahead of b by its second change');
  t.strictSame(recent.take(), [], 'taken');
});

t.test('older changes are dropped: the map holds one window of changes however long the term', async (t) => {
  let time = 0;
  const recent = createRecentChanges({ windowMs: 100, now: () => time });
  for (let i = 0; i < 10_000; i++) {
    time = i;
    recent.note(`ns/web-${i}`);
  }
  t.equal(recent.take().length, 101, 'the last 100 ms of changes');
  time = 20_000;
  recent.note('ns/x');
  time = 20_200;
  t.strictSame(recent.take(), [], 'nothing within the window');
});
