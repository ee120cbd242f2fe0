import t from 'tap';
import { createExponentialRateLimiter } from '../../../src/operator/rate-limiter.ts';
import { createWorkQueue } from '../../../src/operator/work-queue.ts';
import { createFakeClock } from '../../helpers/fake-clock.ts';

/** Lets a promise be inspected without awaiting it. */
function watch<T>(promise: Promise<T>): { settled: boolean; value: T | undefined } {
  const state = { settled: false, value: undefined as T | undefined };
  void promise.then((value) => Object.assign(state, { settled: true, value }));
  return state;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Mulberry32: a tiny seeded PRNG, so a failing interleaving can be replayed. */
function createRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
}

t.test('repeated adds of a key queue it once', async (t) => {
  const queue = createWorkQueue();
  queue.add('a');
  queue.add('a');
  queue.add('b');
  queue.add('a');
  t.equal(queue.len(), 2);
  t.equal(await queue.get(), 'a');
  t.equal(await queue.get(), 'b');
  t.equal(queue.len(), 0);
  t.equal(queue.processingCount(), 2);
});

t.test('keys come out in the order they were first added', async (t) => {
  const queue = createWorkQueue();
  for (const key of ['c', 'a', 'b', 'a', 'c']) queue.add(key);
  t.strictSame([await queue.get(), await queue.get(), await queue.get()], ['c', 'a', 'b']);
});

t.test('a key added while processing is not handed to a second worker, and comes back after done', async (t) => {
  const queue = createWorkQueue();
  queue.add('a');
  t.equal(await queue.get(), 'a');
  queue.add('a');
  queue.add('a');
  t.equal(queue.len(), 0, 'the re-added key is remembered, not queued');
  const second = watch(queue.get());
  await tick();
  t.notOk(second.settled, 'a second worker waits instead of receiving a');
  queue.done('a');
  await tick();
  t.strictSame(second, { settled: true, value: 'a' }, 'done hands the re-added key out again, once');
  queue.done('a');
  t.equal(queue.len(), 0);
  t.equal(queue.processingCount(), 0);
});

t.test('done on a key that was not re-added releases it for good', async (t) => {
  const queue = createWorkQueue();
  queue.add('a');
  await queue.get();
  queue.done('a');
  queue.done('a');
  queue.done('never-handed-out');
  t.equal(queue.len(), 0);
  t.equal(queue.processingCount(), 0);
});

t.test('a parked get() receives the next added key, oldest getter first', async (t) => {
  const queue = createWorkQueue();
  const first = watch(queue.get());
  const second = watch(queue.get());
  queue.add('a');
  await tick();
  t.strictSame(first, { settled: true, value: 'a' });
  t.notOk(second.settled);
  queue.add('b');
  await tick();
  t.strictSame(second, { settled: true, value: 'b' });
});

t.test('addAfter delays the add; several delays for one key keep the earliest', async (t) => {
  const clock = createFakeClock();
  const queue = createWorkQueue({ clock });
  queue.addAfter('a', 100);
  queue.addAfter('a', 10);
  queue.addAfter('b', 10);
  queue.addAfter('b', 100);
  t.equal(clock.pendingTimers(), 2, 'one timer per key');
  clock.advance(9);
  t.equal(queue.len(), 0);
  clock.advance(1);
  t.equal(queue.len(), 2, 'both keys arrive at the earliest time asked for');
  t.strictSame([await queue.get(), await queue.get()], ['a', 'b']);
  queue.done('a');
  queue.done('b');
  clock.advance(1000);
  t.equal(queue.len(), 0, 'the later, superseded times add nothing');
  t.equal(clock.pendingTimers(), 0);
});

t.test('addAfter with a delay of zero or less adds at once', async (t) => {
  const clock = createFakeClock();
  const queue = createWorkQueue({ clock });
  queue.addAfter('a', 0);
  queue.addAfter('b', -5);
  t.equal(queue.len(), 2);
  t.equal(clock.pendingTimers(), 0);
});

t.test('addAfter works on real timers', async (t) => {
  const queue = createWorkQueue();
  const start = performance.now();
  queue.addAfter('a', 5);
  t.equal(await queue.get(), 'a');
  t.ok(performance.now() - start >= 4, 'not before the delay (allowing timer rounding)');
});

t.test('addRateLimited waits 5, 10, 20 ms ... and forget resets the backoff', async (t) => {
  const clock = createFakeClock();
  const queue = createWorkQueue({ clock });
  const arrivals: number[] = [];
  for (let i = 0; i < 4; i++) {
    const start = clock.now();
    queue.addRateLimited('a');
    while (queue.len() === 0) clock.advance(1);
    arrivals.push(clock.now() - start);
    await queue.get();
    queue.done('a');
  }
  t.strictSame(arrivals, [5, 10, 20, 40]);
  t.equal(queue.numRequeues('a'), 4);
  queue.forget('a');
  t.equal(queue.numRequeues('a'), 0);
  queue.addRateLimited('a');
  clock.advance(5);
  t.equal(queue.len(), 1, 'back to the 5 ms base delay');
});

t.test('an injected rate limiter is used', async (t) => {
  const clock = createFakeClock();
  const queue = createWorkQueue({ clock, rateLimiter: createExponentialRateLimiter({ baseDelayMs: 50 }) });
  queue.addRateLimited('a');
  clock.advance(49);
  t.equal(queue.len(), 0);
  clock.advance(1);
  t.equal(queue.len(), 1);
});

t.test('shutDown resolves parked getters with undefined and ignores later adds', async (t) => {
  const clock = createFakeClock();
  const queue = createWorkQueue({ clock });
  const parked = [watch(queue.get()), watch(queue.get())];
  queue.addAfter('later', 50);
  queue.shutDown();
  await tick();
  t.strictSame(parked, [
    { settled: true, value: undefined },
    { settled: true, value: undefined },
  ]);
  t.equal(clock.pendingTimers(), 0, 'delayed adds are cancelled');
  t.ok(queue.shuttingDown());
  queue.add('a');
  queue.addAfter('b', 1);
  queue.addRateLimited('c');
  t.equal(queue.len(), 0);
  t.equal(queue.numRequeues('c'), 0, 'no backoff counted for a retry that will not happen');
  t.equal(await queue.get(), undefined);
});

t.test('shutDown hands out nothing more, even keys still queued', async (t) => {
  const queue = createWorkQueue();
  queue.add('a');
  queue.shutDown();
  t.equal(await queue.get(), undefined);
  t.equal(queue.len(), 0);
});

t.test('shutDown clears real timers, so nothing keeps the process alive', async (t) => {
  const timeouts = () => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
  const before = timeouts();
  const queue = createWorkQueue();
  queue.addAfter('a', 60_000);
  queue.addRateLimited('b');
  t.equal(timeouts(), before + 2);
  queue.shutDown();
  t.equal(timeouts(), before);
});

t.test('shutDownWithDrain waits for in-flight keys and hands out nothing new', async (t) => {
  const queue = createWorkQueue();
  queue.add('a');
  queue.add('b');
  queue.add('c');
  t.equal(await queue.get(), 'a');
  t.equal(await queue.get(), 'b');
  queue.add('a'); // re-added while processing: must not come back after done
  const drained = watch(queue.shutDownWithDrain());
  t.equal(await queue.get(), undefined, 'c is not started');
  await tick();
  t.notOk(drained.settled, 'a and b are still processing');
  queue.done('a');
  await tick();
  t.notOk(drained.settled, 'b is still processing');
  t.equal(queue.len(), 0, 'a was not requeued');
  queue.done('b');
  await tick();
  t.ok(drained.settled);
  t.equal(queue.processingCount(), 0);
});

t.test('shutDownWithDrain resolves at once when nothing is processing', async (t) => {
  const queue = createWorkQueue();
  queue.add('a');
  await queue.shutDownWithDrain();
  t.equal(await queue.get(), undefined);
});

t.test('shutDown releases a shutDownWithDrain still waiting, as in client-go', async (t) => {
  const queue = createWorkQueue();
  queue.add('a');
  await queue.get();
  const drained = watch(queue.shutDownWithDrain());
  await tick();
  t.notOk(drained.settled);
  queue.shutDown();
  await tick();
  t.ok(drained.settled);
});

t.test('get(signal) resolves undefined on abort, and the aborted getter takes no key', async (t) => {
  const queue = createWorkQueue();
  const controller = new AbortController();
  const aborted = watch(queue.get(controller.signal));
  const other = watch(queue.get());
  controller.abort();
  await tick();
  t.strictSame(aborted, { settled: true, value: undefined });
  queue.add('a');
  await tick();
  t.strictSame(other, { settled: true, value: 'a' }, 'the key went to the getter still waiting');
});

t.test('get with an already aborted signal takes nothing, even when keys are queued', async (t) => {
  const queue = createWorkQueue();
  queue.add('a');
  t.equal(await queue.get(AbortSignal.abort()), undefined);
  t.equal(queue.len(), 1);
  t.equal(await queue.get(), 'a');
});

t.test('a key handed out before the signal aborts is kept by its getter', async (t) => {
  const queue = createWorkQueue();
  const controller = new AbortController();
  const got = queue.get(controller.signal);
  queue.add('a');
  controller.abort();
  t.equal(await got, 'a');
  t.equal(queue.processingCount(), 1);
});

t.test('metrics hooks report adds, waits, retries and depth', async (t) => {
  const clock = createFakeClock();
  const events: unknown[][] = [];
  const queue = createWorkQueue({
    clock,
    metrics: {
      onAdd: (key) => events.push(['add', key]),
      onGet: (key, waitMs) => events.push(['get', key, waitMs]),
      onRetry: (key) => events.push(['retry', key]),
      onDepth: (depth) => events.push(['depth', depth]),
    },
  });
  queue.add('a');
  queue.add('a');
  clock.advance(7);
  queue.add('b');
  clock.advance(3);
  await queue.get();
  queue.addRateLimited('c');
  clock.advance(5);
  t.strictSame(events, [
    ['add', 'a'],
    ['depth', 1],
    ['add', 'b'],
    ['depth', 2],
    ['depth', 1],
    ['get', 'a', 10],
    ['retry', 'c'],
    ['add', 'c'],
    ['depth', 2],
  ]);
  events.length = 0;
  queue.add('a'); // while processing: pending, not queued
  clock.advance(4);
  queue.done('a');
  clock.advance(1);
  await queue.get();
  await queue.get();
  t.strictSame(events, [
    ['add', 'a'],
    ['depth', 3],
    ['depth', 2],
    ['get', 'b', 13],
    ['depth', 1],
    ['get', 'c', 5],
  ]);
  t.equal(await queue.get(), 'a');
  t.strictSame(events.at(-1), ['get', 'a', 5], 'a waited from its re-add (as client-go measures), not from done');
});

t.test('N workers over M keys with random re-adds never process a key concurrently', async (t) => {
  const workers = 6;
  const keys = Array.from({ length: 10 }, (_, i) => `ns/web-${i}`);
  for (const seed of [1, 2, 3, 42, 20240601]) {
    const random = createRandom(seed);
    const pick = () => keys[Math.floor(random() * keys.length)]!;
    const clock = createFakeClock();
    const queue = createWorkQueue({
      clock,
      rateLimiter: createExponentialRateLimiter({ baseDelayMs: 1, maxDelayMs: 8 }),
    });
    const active = new Set<string>();
    const lastAdd = new Map<string, number>(); // sequence number of the latest add of any kind
    const lastStart = new Map<string, number>(); // sequence number of the latest get of the key
    let sequence = 0;
    let overlaps = 0;
    let reconciles = 0;
    let quiet = false;
    const addSome = (key: string) => {
      lastAdd.set(key, ++sequence);
      const roll = random();
      if (roll < 0.5) queue.add(key);
      else if (roll < 0.8) queue.addAfter(key, Math.floor(random() * 6) - 1);
      else queue.addRateLimited(key);
    };
    const worker = async () => {
      for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
        if (active.has(key)) overlaps++;
        active.add(key);
        lastStart.set(key, ++sequence);
        reconciles++;
        for (let hops = Math.floor(random() * 3); hops > 0; hops--) await tick();
        if (!quiet && random() < 0.3) addSome(random() < 0.5 ? key : pick());
        active.delete(key);
        if (random() < 0.8) queue.forget(key);
        queue.done(key);
      }
    };
    const running = Array.from({ length: workers }, worker);
    for (let step = 0; step < 400; step++) {
      addSome(pick());
      if (random() < 0.3) clock.advance(Math.floor(random() * 4));
      if (random() < 0.5) await tick();
    }
    quiet = true;
    while (queue.len() > 0 || queue.processingCount() > 0 || clock.pendingTimers() > 0) {
      clock.advance(10);
      await tick();
    }
    t.equal(overlaps, 0, `seed ${seed}: no key was processed by two workers at once (${reconciles} reconciles)`);
    const lost = keys.filter((key) => lastAdd.has(key) && !(lastStart.get(key)! > lastAdd.get(key)!));
    t.strictSame(lost, [], `seed ${seed}: every add was followed by a reconcile of its key`);
    await queue.shutDownWithDrain();
    await Promise.all(running);
  }
});

t.test('high keys come out before low ones, each in FIFO order', async (t) => {
  const queue = createWorkQueue();
  queue.add('sweep-1', 'low');
  queue.add('sweep-2', 'low');
  queue.add('change-1');
  queue.add('sweep-3', 'low');
  queue.add('change-2', 'high');
  t.equal(queue.len(), 5);
  t.same([queue.lenAt('high'), queue.lenAt('low')], [2, 3]);
  const order = [];
  for (let i = 0; i < 5; i++) order.push(await queue.get());
  t.strictSame(order, ['change-1', 'change-2', 'sweep-1', 'sweep-2', 'sweep-3']);
});

t.test('a high add raises a queued low key once; a low add never lowers a high one', async (t) => {
  const queue = createWorkQueue();
  queue.add('a', 'low');
  queue.add('b', 'low');
  queue.add('c');
  queue.add('b');
  queue.add('b');
  queue.add('c', 'low');
  t.same([queue.lenAt('high'), queue.lenAt('low')], [2, 1], 'b moved, queued once');
  t.strictSame([await queue.get(), await queue.get(), await queue.get()], ['c', 'b', 'a']);
});

t.test('a change during the reconcile of a swept key requeues it at high; a sweep add at low', async (t) => {
  const queue = createWorkQueue();
  queue.add('a', 'low');
  t.equal(await queue.get(), 'a');
  queue.add('a', 'low');
  queue.add('x', 'low');
  queue.add('a');
  t.equal(queue.len(), 1, 'only x is queued: a is processing');
  queue.done('a');
  t.same([queue.lenAt('high'), queue.lenAt('low')], [1, 1]);
  t.equal(await queue.get(), 'a', 'a, changed while it was reconciled, before the swept x');
  queue.done('a');
  queue.add('a', 'low');
  t.equal(await queue.get(), 'x');
  queue.done('x');
  t.equal(await queue.get(), 'a');
  t.equal(queue.processingCount(), 1, 'never two of one key at once');
});

t.test('addAfter adds at its priority; a high one raises a waiting low one', async (t) => {
  const clock = createFakeClock();
  const queue = createWorkQueue({ clock });
  queue.addAfter('resync', 10, 'low');
  queue.addAfter('raised', 10, 'low');
  queue.addAfter('raised', 50);
  queue.addAfter('retry', 20);
  clock.advance(20);
  t.same([queue.lenAt('high'), queue.lenAt('low')], [2, 1]);
  t.strictSame([await queue.get(), await queue.get(), await queue.get()], ['raised', 'retry', 'resync']);
  t.equal(clock.pendingTimers(), 0);
});

t.test('addRateLimited keeps its backoff whatever the priorities around it', async (t) => {
  const clock = createFakeClock();
  const queue = createWorkQueue({ clock });
  for (let i = 0; i < 3; i++) queue.add(`sweep-${i}`, 'low');
  queue.addRateLimited('failed');
  queue.addRateLimited('failed');
  t.equal(queue.numRequeues('failed'), 2);
  clock.advance(4);
  t.equal(queue.lenAt('high'), 0, 'not before its 5 ms');
  clock.advance(1);
  t.equal(await queue.get(), 'failed', 'then ahead of the sweep');
});

t.test('N workers with random priorities never process a key concurrently and lose no add', async (t) => {
  const keys = Array.from({ length: 12 }, (_, i) => `ns/web-${i}`);
  for (const seed of [7, 8, 9, 31337]) {
    const random = createRandom(seed);
    const pick = () => keys[Math.floor(random() * keys.length)]!;
    const clock = createFakeClock();
    const queue = createWorkQueue({
      clock,
      rateLimiter: createExponentialRateLimiter({ baseDelayMs: 1, maxDelayMs: 8 }),
    });
    const active = new Set<string>();
    const lastAdd = new Map<string, number>();
    const lastStart = new Map<string, number>();
    let sequence = 0;
    let overlaps = 0;
    let quiet = false;
    const addSome = (key: string) => {
      lastAdd.set(key, ++sequence);
      const priority = random() < 0.5 ? 'high' : 'low';
      const roll = random();
      if (roll < 0.5) queue.add(key, priority);
      else if (roll < 0.8) queue.addAfter(key, Math.floor(random() * 6) - 1, priority);
      else queue.addRateLimited(key);
    };
    const worker = async () => {
      for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
        if (active.has(key)) overlaps++;
        active.add(key);
        lastStart.set(key, ++sequence);
        for (let hops = Math.floor(random() * 3); hops > 0; hops--) await tick();
        if (!quiet && random() < 0.3) addSome(random() < 0.5 ? key : pick());
        active.delete(key);
        if (random() < 0.8) queue.forget(key);
        queue.done(key);
      }
    };
    const running = Array.from({ length: 5 }, worker);
    for (let step = 0; step < 400; step++) {
      addSome(pick());
      if (random() < 0.3) clock.advance(Math.floor(random() * 4));
      if (random() < 0.5) await tick();
    }
    quiet = true;
    while (queue.len() > 0 || queue.processingCount() > 0 || clock.pendingTimers() > 0) {
      clock.advance(10);
      await tick();
    }
    t.equal(overlaps, 0, `seed ${seed}: no key processed by two workers at once`);
    const lost = keys.filter((key) => lastAdd.has(key) && !(lastStart.get(key)! > lastAdd.get(key)!));
    t.strictSame(lost, [], `seed ${seed}: every add was followed by a reconcile of its key`);
    await queue.shutDownWithDrain();
    await Promise.all(running);
  }
});
