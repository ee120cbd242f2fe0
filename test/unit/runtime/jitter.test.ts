// A period spread by ±10% (src/runtime/jitter.ts): its bounds, and that it does spread.
import t from 'tap';
import { JITTER, jitter } from '../../../src/runtime/jitter.ts';

t.test('a period spread within [0.9, 1.1) of itself', async (t) => {
  t.equal(JITTER, 0.1);
  t.equal(
    jitter(600_000, () => 0),
    540_000,
    'the lower bound',
  );
  t.equal(
    jitter(600_000, () => 0.5),
    600_000,
    'the middle',
  );
  t.equal(
    jitter(600_000, () => 0.999_999),
    660_000,
    'just below the upper bound, rounded',
  );
  const seen = new Set(Array.from({ length: 1000 }, () => jitter(600_000)));
  t.ok(
    [...seen].every((ms) => ms >= 540_000 && ms <= 660_000),
    'Math.random by default: within bounds',
  );
  t.ok(seen.size > 900, `and spread: ${seen.size} distinct of 1,000`);
});
