// The Manager by direct calls: which runnables run when, in which order they stop, that a signal,
// a failing component and a start that rejects at once (a failed listen) share one stop, and the
// shutdown delay and timeout.
import t from 'tap';
import { type LeaderElection, createManager } from '../../../src/runtime/manager.ts';
import type { Runnable } from '../../../src/runtime/runnable.ts';

const quiet = { info: () => {}, warn: () => {}, fatal: () => {} };

/** A runnable that logs its start and stop, and stops `stopMs` after its signal aborts. */
function part(name: string, log: string[], needsLeaderElection = false, stopMs = 0): Runnable {
  return {
    needsLeaderElection,
    async start(signal) {
      log.push(`start ${name}`);
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      await new Promise((resolve) => setTimeout(resolve, stopMs));
      log.push(`stop ${name}`);
    },
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

t.test('no election: everything starts in order and stops in reverse, the leader-only group first', async (t) => {
  const log: string[] = [];
  const leadership: boolean[] = [];
  const manager = createManager({
    runnables: [part('server', log), part('cache', log), part('controller', log, true, 10), part('metrics', log)],
    onLeadershipChange: (leading) => leadership.push(leading),
    logger: quiet,
  });
  const stop = new AbortController();
  const run = manager.run(stop.signal);
  await tick();
  t.strictSame(log, ['start server', 'start cache', 'start metrics', 'start controller']);
  stop.abort('SIGTERM');
  t.strictSame(await run, { failed: false, reason: 'SIGTERM' });
  t.strictSame(log.slice(4), ['stop controller', 'stop metrics', 'stop cache', 'stop server']);
  t.strictSame(leadership, [true, false]);
});

t.test('with an election: leader-only runnables run only inside a term', async (t) => {
  const log: string[] = [];
  let win: (() => void) | undefined;
  const election: LeaderElection = (lead) => ({
    needsLeaderElection: false,
    async start(signal) {
      await new Promise<void>((resolve) => (win = resolve));
      const term = new AbortController();
      signal.addEventListener('abort', () => term.abort(), { once: true });
      await lead(term.signal);
      log.push('released');
    },
  });
  const manager = createManager({
    runnables: [part('server', log), part('controller', log, true)],
    leaderElection: election,
    logger: quiet,
  });
  const stop = new AbortController();
  const run = manager.run(stop.signal);
  await tick();
  t.strictSame(log, ['start server'], 'no term yet: the controller waits');
  win!();
  await tick();
  t.strictSame(log, ['start server', 'start controller']);
  stop.abort();
  await run;
  t.strictSame(log.slice(2), ['stop controller', 'released', 'stop server'], 'the Lease goes before the server');
});

t.test('a start that rejects (a port in use) stops everything else and reports a failure', async (t) => {
  const log: string[] = [];
  const fatal: unknown[] = [];
  const listen: Runnable = {
    needsLeaderElection: false,
    start: async () => {
      throw Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    },
  };
  const manager = createManager({
    runnables: [listen, part('cache', log), part('controller', log, true)],
    logger: { info: () => {}, warn: () => {}, fatal: (fields) => fatal.push(fields) },
  });
  const result = await manager.run(new AbortController().signal);
  t.strictSame(result, { failed: true, reason: 'component failure' });
  t.strictSame(log, ['start cache', 'start controller', 'stop controller', 'stop cache']);
  t.match(fatal, [{ err: { code: 'EADDRINUSE' } }]);
});

t.test('a component that fails later takes the same path; a signal after that changes nothing', async (t) => {
  const log: string[] = [];
  let fail: ((err: Error) => void) | undefined;
  const flaky: Runnable = {
    needsLeaderElection: true,
    start: () => new Promise<void>((_resolve, reject) => (fail = reject)),
  };
  const manager = createManager({ runnables: [part('server', log), flaky], logger: quiet });
  const stop = new AbortController();
  const run = manager.run(stop.signal);
  await tick();
  fail!(new Error('watch failed'));
  await tick();
  stop.abort('SIGTERM');
  t.strictSame(await run, { failed: true, reason: 'component failure' });
  t.strictSame(log, ['start server', 'stop server']);
});

t.test('shutdown delay: the server keeps running while the election stops at once', async (t) => {
  const log: string[] = [];
  const at = new Map<string, number>();
  const timed = (name: string): Runnable => ({
    needsLeaderElection: false,
    async start(signal) {
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      at.set(name, Date.now());
    },
  });
  const election: LeaderElection = (lead) => ({
    needsLeaderElection: false,
    async start(signal) {
      const term = new AbortController();
      signal.addEventListener('abort', () => term.abort(), { once: true });
      await lead(term.signal);
      at.set('released', Date.now());
    },
  });
  const manager = createManager({
    runnables: [timed('server'), part('controller', log, true)],
    leaderElection: election,
    shutdownDelayMs: 300,
    logger: quiet,
  });
  const stop = new AbortController();
  const run = manager.run(stop.signal);
  await tick();
  const signalled = Date.now();
  stop.abort('SIGTERM');
  t.strictSame(await run, { failed: false, reason: 'SIGTERM' });
  t.ok(at.get('released')! - signalled < 100, 'the Lease is released at once');
  t.ok(at.get('server')! - signalled >= 295, `the server stops after the delay (${at.get('server')! - signalled} ms)`);
});

t.test('no delay after a component failure', async (t) => {
  const failing: Runnable = { needsLeaderElection: false, start: async () => Promise.reject(new Error('boom')) };
  const manager = createManager({ runnables: [failing], shutdownDelayMs: 10_000, logger: quiet });
  const started = Date.now();
  t.strictSame(await manager.run(new AbortController().signal), { failed: true, reason: 'component failure' });
  t.ok(Date.now() - started < 1000, 'exits without waiting out the delay');
});

t.test('shutdown timeout: a runnable that never stops is given up on', async (t) => {
  const warnings: object[] = [];
  const stuck: Runnable = { needsLeaderElection: false, start: () => new Promise(() => {}) };
  const log: string[] = [];
  const manager = createManager({
    runnables: [part('server', log), stuck],
    shutdownTimeoutMs: 200,
    logger: { ...quiet, warn: (fields) => warnings.push(fields) },
  });
  const stop = new AbortController();
  const run = manager.run(stop.signal);
  await tick();
  const signalled = Date.now();
  stop.abort('SIGTERM');
  t.strictSame(await run, { failed: false, reason: 'SIGTERM', timedOut: true });
  const took = Date.now() - signalled;
  t.ok(took >= 195 && took < 1000, `run() returns after the timeout (${took} ms)`);
  t.match(warnings, [{ timeoutMs: 200, pending: 2 }], 'and says what is still pending');
  t.strictSame(log, ['start server'], 'the server (stopped after the stuck part) was never reached');
});
