// envPairs by direct calls: the benchmarks' KEY=VALUE options.
import t from 'tap';
import { envPairs } from '../../../bench/env-pairs.ts';

t.test('splits at the first =; the value may hold = and be empty', async (t) => {
  t.same(envPairs(['NODE_OPTIONS=--max-old-space-size=320 --v8-pool-size=1', 'EMPTY=', 'A=b'], '--env'), {
    NODE_OPTIONS: '--max-old-space-size=320 --v8-pool-size=1',
    EMPTY: '',
    A: 'b',
  });
  t.same(envPairs([], '--env'), {});
});

t.test('a pair without = or without a key is refused, naming the option', async (t) => {
  t.throws(() => envPairs(['OTEL_SDK_DISABLED'], '--shipshape-env'), {
    message: '--shipshape-env: expected KEY=VALUE, got "OTEL_SDK_DISABLED"',
  });
  t.throws(() => envPairs(['=true'], '--on-env'), { message: /--on-env: expected KEY=VALUE/ });
});
