import t from 'tap';
import { createExponentialRateLimiter } from '../../../src/operator/rate-limiter.ts';

t.test('defaults are client-go controllers: 5 ms doubling per failure, capped at 1000 s', async (t) => {
  const limiter = createExponentialRateLimiter();
  const delays = Array.from({ length: 21 }, () => limiter.when('default/web'));
  t.strictSame(delays.slice(0, 6), [5, 10, 20, 40, 80, 160]);
  t.equal(delays[17], 655_360, 'the 18th failure is still below the cap');
  t.strictSame(delays.slice(18), [1_000_000, 1_000_000, 1_000_000], 'the 19th failure reaches 1000 s and stays');
  t.equal(limiter.numRequeues('default/web'), 21);
});

t.test('the cap holds however many failures, with no overflow to Infinity or NaN', async (t) => {
  const limiter = createExponentialRateLimiter();
  let last = 0;
  for (let i = 0; i < 2000; i++) last = limiter.when('k');
  t.equal(last, 1_000_000);
  const zero = createExponentialRateLimiter({ baseDelayMs: 0, maxDelayMs: 10 });
  for (let i = 0; i < 2000; i++) last = zero.when('k');
  t.equal(last, 0, 'a zero base stays zero even past 2^1023');
});

t.test('keys back off independently and forget resets only its key', async (t) => {
  const limiter = createExponentialRateLimiter({ baseDelayMs: 1, maxDelayMs: 100 });
  t.strictSame([limiter.when('a'), limiter.when('a'), limiter.when('a')], [1, 2, 4]);
  t.equal(limiter.when('b'), 1, 'failures of a do not delay b');
  t.equal(limiter.numRequeues('a'), 3);
  limiter.forget('a');
  t.equal(limiter.numRequeues('a'), 0);
  t.equal(limiter.when('a'), 1, 'after forget, the next failure starts from the base');
  t.equal(limiter.when('b'), 2, 'forgetting a left b alone');
  t.equal(limiter.numRequeues('never-seen'), 0);
});

t.test('custom bounds', async (t) => {
  const limiter = createExponentialRateLimiter({ baseDelayMs: 100, maxDelayMs: 250 });
  t.strictSame([limiter.when('k'), limiter.when('k'), limiter.when('k')], [100, 200, 250]);
});

t.test('bounds that are negative, not finite or inverted are rejected', async (t) => {
  t.throws(() => createExponentialRateLimiter({ baseDelayMs: -1 }), RangeError);
  t.throws(() => createExponentialRateLimiter({ baseDelayMs: Number.NaN }), RangeError);
  t.throws(() => createExponentialRateLimiter({ maxDelayMs: Infinity }), RangeError);
  t.throws(() => createExponentialRateLimiter({ baseDelayMs: 10, maxDelayMs: 5 }), RangeError);
});
