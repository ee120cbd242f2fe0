// The controller loop with stub sources, a real work queue on a fake clock (backoff and resync
// delays pass when a test says so) and a reconcile function that records what it was asked to do.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import t from 'tap';
import { type Reconcile, type Source, TerminalError, createController } from '../../../src/operator/controller.ts';
import { type WorkQueue, createWorkQueue } from '../../../src/operator/work-queue.ts';
import { createFakeClock } from '../../helpers/fake-clock.ts';

const silent = pino({ level: 'silent' });

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Lets queued callbacks and promise continuations run: enough for a worker to pick up a key. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await tick();
}

/** Waits, a macrotask at a time, for `condition`; fails after `timeoutMs`. */
async function until(condition: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await tick();
  }
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets a promise be inspected without awaiting it. */
function watch(promise: Promise<unknown>): { settled: boolean } {
  const state = { settled: false };
  void promise.then(() => (state.settled = true));
  return state;
}

/** A watch source: synced when told, started and stopped through its signal. */
function createSource(synced = true) {
  const state = { synced, started: false, stopped: false };
  const source: Source & { state: typeof state } = {
    state,
    hasSynced: () => state.synced,
    start(signal) {
      state.started = true;
      return new Promise<void>((resolve) => {
        const stop = () => {
          state.stopped = true;
          resolve();
        };
        if (signal.aborted) stop();
        else signal.addEventListener('abort', stop, { once: true });
      });
    },
  };
  return source;
}

type Outcome = { key: string; outcome: string; durationMs: number; err?: unknown; requeueAfterMs?: number };

/** A running controller over `reconcile`; `stop()` aborts it and waits for start() to resolve. */
function run(options: {
  reconcile: Reconcile;
  queue?: WorkQueue;
  sources?: Source[];
  workers?: number;
  logger?: typeof silent;
  spread?: (ms: number) => number;
}) {
  const queue = options.queue ?? createWorkQueue();
  const outcomes: Outcome[] = [];
  const controller = createController({
    name: 'test',
    queue,
    sources: options.sources ?? [createSource()],
    reconcile: options.reconcile,
    workers: options.workers ?? 1,
    logger: options.logger ?? silent,
    ...(options.spread && { spread: options.spread }),
    observer: {
      start(key) {
        const started = performance.now();
        return {
          within: (fn) => fn(),
          end: (outcome, { err, requeueAfterMs }) =>
            outcomes.push({ key, outcome, durationMs: performance.now() - started, err, requeueAfterMs }),
        };
      },
    },
  });
  const abort = new AbortController();
  const started = controller.start(abort.signal);
  const stopped = watch(started);
  return {
    controller,
    queue,
    outcomes,
    abort,
    started,
    stopped,
    async stop() {
      abort.abort();
      await started;
    },
  };
}

/** A reconcile that records its keys and answers with `respond(key, attempt)` (attempt from 1). */
function recorder(respond: (key: string, attempt: number) => Promise<{ requeueAfterMs?: number }> | undefined) {
  const calls: string[] = [];
  const reconcile: Reconcile = async (key) => {
    calls.push(key);
    return (await respond(key, calls.filter((k) => k === key).length)) ?? {};
  };
  return { calls, reconcile };
}

t.test('the controller needs the Lease', async (t) => {
  t.equal(
    createController({
      name: 'x',
      queue: createWorkQueue(),
      sources: [],
      reconcile: async () => ({}),
      workers: 1,
      logger: silent,
    }).needsLeaderElection,
    true,
  );
});

t.test('keys added to the queue are reconciled, each once however often it was added', async (t) => {
  const { calls, reconcile } = recorder(() => undefined);
  const queue = createWorkQueue();
  queue.add('team-a/web');
  queue.add('team-b/shop');
  queue.add('team-a/web');
  const c = run({ reconcile, queue, workers: 2 });
  await until(() => calls.length === 2, 'both keys reconciled');
  queue.add('team-c/api');
  await until(() => calls.length === 3, 'a key added later is reconciled too');
  await settle();
  t.strictSame(calls, ['team-a/web', 'team-b/shop', 'team-c/api']);
  t.strictSame(
    c.outcomes.map((o) => `${o.key} ${o.outcome}`),
    ['team-a/web success', 'team-b/shop success', 'team-c/api success'],
  );
  await c.stop();
});

t.test('start() waits for every source to sync before the first reconcile', async (t) => {
  const { calls, reconcile } = recorder(() => undefined);
  const queue = createWorkQueue();
  queue.add('team-a/web');
  const webApps = createSource(true);
  const deployments = createSource(false);
  const c = run({ reconcile, queue, sources: [webApps, deployments] });
  t.ok(webApps.state.started && deployments.state.started, 'the sources are started at once');
  await new Promise((resolve) => setTimeout(resolve, 120)); // more than two polls of hasSynced
  t.strictSame(calls, [], 'no reconcile against a cache that has not synced');
  deployments.state.synced = true;
  await until(() => calls.length === 1, 'reconciled once synced');
  t.strictSame(calls, ['team-a/web']);
  t.notOk(webApps.state.stopped, 'the watches run while the controller runs');
  await c.stop();
  t.ok(webApps.state.stopped && deployments.state.stopped, 'stopping the controller stops its watches');
});

t.test('a thrown error retries the key with per-key backoff; a success forgets the failures', async (t) => {
  const clock = createFakeClock();
  const queue = createWorkQueue({ clock });
  const { calls, reconcile } = recorder(async (key, attempt) => {
    if (key === 'team-a/web' && attempt < 3) throw new Error(`conflict ${attempt}`);
    return {};
  });
  queue.add('team-a/web');
  const c = run({ reconcile, queue });
  await until(() => calls.length === 1, 'first attempt');
  await settle();
  t.equal(queue.numRequeues('team-a/web'), 1, 'one failure counted');
  clock.advance(4);
  await settle();
  t.equal(calls.length, 1, 'not retried before the first backoff (5 ms) has passed');
  clock.advance(1);
  await until(() => calls.length === 2, 'retried after 5 ms');
  await settle();
  clock.advance(9);
  await settle();
  t.equal(calls.length, 2, 'the second backoff is longer (10 ms)');
  queue.add('team-b/shop');
  await until(() => calls.length === 3, 'another key is not held up by the backoff');
  clock.advance(1);
  await until(() => calls.length === 4, 'retried after 10 ms');
  await settle();
  t.strictSame(calls, ['team-a/web', 'team-a/web', 'team-b/shop', 'team-a/web']);
  t.equal(queue.numRequeues('team-a/web'), 0, 'succeeded: the next failure starts from the base delay again');
  t.equal(clock.pendingTimers(), 0, 'nothing more scheduled');
  t.strictSame(
    c.outcomes.map((o) => `${o.key} ${o.outcome}`),
    ['team-a/web error', 'team-a/web error', 'team-b/shop success', 'team-a/web success'],
  );
  t.match(c.outcomes[0]!.err, { message: 'conflict 1' });
  await c.stop();
});

t.test('a TerminalError is not retried; the key waits for the next change', async (t) => {
  const clock = createFakeClock();
  const queue = createWorkQueue({ clock });
  const terminal = new TerminalError('spec.image is not a valid image reference');
  const { calls, reconcile } = recorder(async (_key, attempt) => {
    if (attempt === 1) throw terminal;
    return {};
  });
  queue.add('team-a/web');
  const c = run({ reconcile, queue });
  await until(() => calls.length === 1, 'first attempt');
  await settle();
  t.equal(clock.pendingTimers(), 0, 'no retry scheduled');
  clock.advance(1_000_000);
  await settle();
  t.equal(calls.length, 1, 'not retried, however long we wait');
  t.equal(queue.numRequeues('team-a/web'), 0);
  queue.add('team-a/web');
  await until(() => calls.length === 2, 'the next change reconciles it again');
  t.strictSame(
    c.outcomes.map((o) => o.outcome),
    ['terminal', 'success'],
  );
  t.equal(c.outcomes[0]!.err, terminal);
  t.equal(terminal.code, 'RECONCILE_TERMINAL');
  await c.stop();
});

t.test('{ requeueAfterMs } reconciles the key again after the delay', async (t) => {
  const clock = createFakeClock();
  const queue = createWorkQueue({ clock });
  const { calls, reconcile } = recorder(async () => ({ requeueAfterMs: 30_000 }));
  queue.add('team-a/web');
  const c = run({ reconcile, queue, spread: (ms) => ms });
  await until(() => calls.length === 1, 'first reconcile');
  await settle();
  clock.advance(29_999);
  await settle();
  t.equal(calls.length, 1, 'not before the delay');
  clock.advance(1);
  await until(() => calls.length === 2, 'resynced after 30 s');
  await settle();
  t.equal(clock.pendingTimers(), 1, 'and the next resync is scheduled');
  t.strictSame(calls, ['team-a/web', 'team-a/web']);
  await c.stop();
  t.equal(clock.pendingTimers(), 0, 'stopping cancels the pending resync');
});

t.test('by default a resync is spread within ±10% of requeueAfterMs, and the span says when', async (t) => {
  const clock = createFakeClock();
  const queue = createWorkQueue({ clock });
  const { calls, reconcile } = recorder(async () => ({ requeueAfterMs: 30_000 }));
  queue.add('team-a/web');
  const c = run({ reconcile, queue });
  await until(() => calls.length === 1, 'first reconcile');
  await settle();
  const delay = c.outcomes[0]!.requeueAfterMs!;
  t.ok(delay >= 27_000 && delay <= 33_000, `${delay} ms, within [27,000, 33,000]`);
  clock.advance(delay - 1);
  await settle();
  t.equal(calls.length, 1, 'not before its delay');
  clock.advance(1);
  await until(() => calls.length === 2, 'resynced at its delay');
  await c.stop();
});

t.test('a resync goes behind a change: the requeue is at low priority', async (t) => {
  const clock = createFakeClock();
  const queue = createWorkQueue({ clock });
  const gate = deferred();
  const { calls, reconcile } = recorder(async (key) => {
    if (key === 'busy/one') await gate.promise;
    return { requeueAfterMs: 1_000 };
  });
  queue.add('swept/a');
  queue.add('swept/b');
  const c = run({ reconcile, queue, workers: 1, spread: (ms) => ms });
  await until(() => calls.length === 2, 'both reconciled once');
  await settle();
  queue.add('busy/one');
  await until(() => calls.length === 3, 'the worker is busy');
  clock.advance(1_000);
  t.same([queue.lenAt('high'), queue.lenAt('low')], [0, 2], 'both resyncs queued at low');
  queue.add('changed/x');
  gate.resolve();
  await until(() => calls.length === 6, 'everything reconciled');
  t.strictSame(calls.slice(3), ['changed/x', 'swept/a', 'swept/b'], 'the change first, then the resyncs');
  await c.stop();
});

t.test('never two concurrent reconciles of one key, and no add is lost', async (t) => {
  const keys = ['team-a/web', 'team-a/api', 'team-b/shop'];
  const active = new Map<string, number>();
  let running = 0;
  let maxPerKey = 0;
  let maxOverall = 0;
  let seq = 0;
  const lastAdd = new Map<string, number>();
  const lastStart = new Map<string, number>();
  const reconcile: Reconcile = async (key) => {
    lastStart.set(key, ++seq);
    active.set(key, (active.get(key) ?? 0) + 1);
    running++;
    maxPerKey = Math.max(maxPerKey, active.get(key)!);
    maxOverall = Math.max(maxOverall, running);
    for (let i = 0; i < 3; i++) await tick();
    active.set(key, active.get(key)! - 1);
    running--;
    return {};
  };
  const queue = createWorkQueue();
  const c = run({ reconcile, queue, workers: 4 });
  for (let i = 0; i < 60; i++) {
    const key = keys[i % keys.length]!;
    lastAdd.set(key, ++seq);
    queue.add(key);
    if (i % 2) await tick();
  }
  await until(() => queue.len() === 0 && queue.processingCount() === 0, 'the queue drained');
  t.equal(maxPerKey, 1, 'one reconcile per key at a time');
  t.ok(maxOverall > 1, `different keys do run in parallel (${maxOverall} at once)`);
  for (const key of keys) {
    t.ok(lastStart.get(key)! > lastAdd.get(key)!, `${key}: reconciled after its last add`);
  }
  await c.stop();
});

t.test('on abort, the reconcile in flight finishes before start() resolves; no new key starts', async (t) => {
  const clock = createFakeClock();
  const queue = createWorkQueue({ clock });
  const release = deferred();
  let finished = false;
  const { calls, reconcile } = recorder(async (key) => {
    if (key !== 'team-a/web') return {};
    await release.promise;
    finished = true;
    return { requeueAfterMs: 30_000 };
  });
  queue.add('team-a/web');
  queue.add('team-b/shop');
  const c = run({ reconcile, queue });
  await until(() => calls.length === 1, 'the first key in flight');
  c.abort.abort();
  await settle();
  t.notOk(c.stopped.settled, 'start() waits for the reconcile in flight');
  release.resolve();
  await c.started;
  t.ok(finished, 'the reconcile in flight ran to its end');
  t.strictSame(calls, ['team-a/web'], 'the queued key did not start');
  t.strictSame(
    c.outcomes.map((o) => `${o.key} ${o.outcome}`),
    ['team-a/web success'],
  );
  t.equal(clock.pendingTimers(), 0, 'no resync scheduled after abort');
  queue.add('team-c/api');
  await settle();
  t.strictSame(calls, ['team-a/web'], 'nothing runs after start() resolved');
});

t.test('a reconcile that fails after abort is not retried', async (t) => {
  const clock = createFakeClock();
  const queue = createWorkQueue({ clock });
  const release = deferred();
  const { calls, reconcile } = recorder(async () => {
    await release.promise;
    throw new Error('lost the connection');
  });
  queue.add('team-a/web');
  const c = run({ reconcile, queue });
  await until(() => calls.length === 1, 'in flight');
  c.abort.abort();
  release.resolve();
  await c.started;
  t.strictSame(
    c.outcomes.map((o) => o.outcome),
    ['error'],
  );
  t.equal(clock.pendingTimers(), 0, 'no backoff timer left behind');
});

t.test('abort while the sources sync: nothing is reconciled', async (t) => {
  const { calls, reconcile } = recorder(() => undefined);
  const queue = createWorkQueue();
  queue.add('team-a/web');
  const never = createSource(false);
  const c = run({ reconcile, queue, sources: [never] });
  await new Promise((resolve) => setTimeout(resolve, 10));
  await c.stop();
  t.ok(never.state.stopped, 'the watch is stopped');
  t.strictSame(calls, [], 'no reconcile against an unsynced cache, and none without the Lease');
});

t.test('a controller started with an aborted signal reconciles nothing', async (t) => {
  const { calls, reconcile } = recorder(() => undefined);
  const queue = createWorkQueue();
  queue.add('team-a/web');
  const controller = createController({ name: 'x', queue, sources: [], reconcile, workers: 1, logger: silent });
  await controller.start(AbortSignal.abort());
  t.strictSame(calls, [], 'the Lease was lost before start');
});

t.test('a key handed to an idle worker in the same tick as the abort does not start', async (t) => {
  const { calls, reconcile } = recorder(() => undefined);
  const queue = createWorkQueue();
  const c = run({ reconcile, queue });
  await settle(); // synced, the worker waits in get()
  queue.add('team-a/web');
  c.abort.abort();
  await c.started;
  t.strictSame(calls, [], 'no reconcile starts after abort');
});

t.test('the observer sees each reconcile with its key, outcome, duration and error', async (t) => {
  const boom = new Error('boom');
  const terminal = new TerminalError('bad spec');
  const reconcile: Reconcile = async (key) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (key === 'b') throw boom;
    if (key === 'c') throw terminal;
    return {};
  };
  const clock = createFakeClock(); // holds the retry of b back
  const queue = createWorkQueue({ clock });
  for (const key of ['a', 'b', 'c']) queue.add(key);
  const c = run({ reconcile, queue });
  await until(() => c.outcomes.length === 3, 'three outcomes');
  t.strictSame(
    c.outcomes.map(({ key, outcome, err }) => ({ key, outcome, err })),
    [
      { key: 'a', outcome: 'success', err: undefined },
      { key: 'b', outcome: 'error', err: boom },
      { key: 'c', outcome: 'terminal', err: terminal },
    ],
  );
  for (const o of c.outcomes) t.ok(o.durationMs >= 4 && o.durationMs < 1_000, `${o.key}: ${o.durationMs} ms`);
  await c.stop();
});

t.test('a failed reconcile is logged with its key, retry count and error', async (t) => {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      callback();
    },
  });
  const clock = createFakeClock();
  const queue = createWorkQueue({ clock });
  const reconcile: Reconcile = async (key) => {
    if (key === 'a') throw new Error('connect ECONNREFUSED');
    throw new TerminalError('bad spec');
  };
  queue.add('a');
  queue.add('b');
  const c = run({ reconcile, queue, logger: pino({ level: 'warn' }, stream) });
  await until(() => c.outcomes.length === 2, 'both failed');
  await c.stop();
  await until(() => lines.length === 2, 'both logged');
  t.match(lines, [
    { msg: 'reconcile failed', key: 'a', retries: 1, terminal: false, err: { message: 'connect ECONNREFUSED' } },
    {
      msg: 'reconcile failed',
      key: 'b',
      retries: 0,
      terminal: true,
      err: { type: 'TerminalError', message: 'bad spec' },
    },
  ]);
});

t.test('a sweep of reconciles that make no request lets the event loop turn between them', async (t) => {
  // Sockets are read, timers fire and admission requests are answered only between turns of the
  // event loop; reconciles that resolve at once must not keep it in one turn for a whole sweep.
  const queue = createWorkQueue();
  for (let i = 0; i < 2_000; i++) queue.add(`ns/web-${i}`, 'low');
  let reconciled = 0;
  const reconcile: Reconcile = async () => {
    reconciled++;
    return {};
  };
  const stop = new AbortController();
  const controller = createController({
    name: 'sweep',
    queue,
    sources: [createSource()],
    reconcile,
    workers: 4,
    logger: silent,
  });
  const running = controller.start(stop.signal);
  // A macrotask queued now, as a socket's data would be: it runs after a handful of reconciles.
  const seenAt = await new Promise<number>((resolve) => setTimeout(() => resolve(reconciled), 0));
  t.ok(seenAt < 2_000, `a timer ran after ${seenAt} of 2,000 reconciles, not after the sweep`);
  await until(() => reconciled === 2_000, 'the whole sweep');
  stop.abort();
  await running;
});
