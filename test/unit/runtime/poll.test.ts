// pollUntil by direct calls, with short intervals.
import t from 'tap';
import { PollTimeoutError, pollUntil } from '../../../src/runtime/poll.ts';

t.test('resolves with the first answer that is not undefined or false; throws count as not yet', async (t) => {
  let calls = 0;
  const value = await pollUntil(
    'the third call',
    async () => {
      calls++;
      if (calls === 1) throw new Error('not reachable yet');
      return calls === 3 ? { ready: true } : calls === 2 ? false : undefined;
    },
    { timeoutMs: 5_000, intervalMs: 1 },
  );
  t.same(value, { ready: true });
  t.equal(calls, 3);
});

t.test('0 and the empty string are answers', async (t) => {
  t.equal(await pollUntil('zero', async () => 0, { timeoutMs: 100, intervalMs: 1 }), 0);
  t.equal(await pollUntil('empty', async () => '', { timeoutMs: 100, intervalMs: 1 }), '');
});

t.test('times out with POLL_TIMEOUT, naming what, with the last error as the cause', async (t) => {
  const last = new Error('connection refused');
  const err = await pollUntil(
    'the CRD Established',
    async () => {
      throw last;
    },
    { timeoutMs: 30, intervalMs: 5 },
  ).catch((e: unknown) => e);
  t.type(err, PollTimeoutError);
  t.match(err, {
    name: 'PollTimeoutError',
    code: 'POLL_TIMEOUT',
    message: 'POLL_TIMEOUT: not within 30 ms: the CRD Established',
  });
  t.equal((err as Error).cause, last);
});

t.test('giveUp ends the wait at once with its error (a process that exited), before the timeout', async (t) => {
  const exited = new Error('etcd exited (1) before etcd was ready');
  let checks = 0;
  let alive = 2;
  const started = Date.now();
  const err = await pollUntil(
    'etcd',
    async () => {
      checks++;
      return false;
    },
    { timeoutMs: 5_000, intervalMs: 5, giveUp: async () => (alive-- > 0 ? undefined : exited) },
  ).catch((e: unknown) => e);
  t.equal(err, exited);
  t.equal(checks, 2, 'asked before each attempt');
  t.ok(Date.now() - started < 1_000, 'without waiting out the timeout');
});
