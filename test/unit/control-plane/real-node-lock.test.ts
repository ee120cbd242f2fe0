// The machine's real-node lock (src/control-plane/real-node-lock.ts) between real processes, on a
// lock file of the test's own: one holder at a time among racing processes, a wait that ends when
// the holder releases, a timeout naming the holder's pid, a stale lock (holder and watchdog gone)
// taken over, a dead holder's lock kept while its watchdog runs, and a release that leaves another
// process's lock alone.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { HarnessError } from '../../../src/control-plane/harness-error.ts';
import { acquireRealNodeLock, releaseRealNodeLock } from '../../../src/control-plane/real-node-lock.ts';

const fixture = fileURLToPath(new URL('../../fixtures/hold-real-node-lock.ts', import.meta.url));

function useLockPath(t: Test): { path: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'shipshape-lock-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return { path: join(dir, 'real-node.lock'), log: join(dir, 'log') };
}

/** Starts a process that takes the lock; resolves once it holds it. */
async function holder(t: Test, args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fixture, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill('SIGKILL'));
  await once(createInterface({ input: child.stdout! }), 'line');
  return child;
}

/** A pid that no process has any more. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await once(child, 'exit');
  return child.pid!;
}

const holderIn = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as { pid: number; watchdogPid?: number };

t.test('processes racing for the lock hold it one at a time, each in turn', async (t) => {
  const { path, log } = useLockPath(t);
  writeFileSync(log, '');
  const racers = Array.from({ length: 4 }, () =>
    spawn(process.execPath, [fixture, path, log, '150'], { stdio: ['ignore', 'ignore', 'inherit'] }),
  );
  for (const racer of racers) t.teardown(() => racer.kill('SIGKILL'));
  const codes = await Promise.all(racers.map(async (r) => (await once(r, 'exit'))[0] as number));
  t.strictSame(codes, [0, 0, 0, 0], 'every racer got the lock and released it');
  const events = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
    .map(([verb, pid, at]) => ({ verb, pid: Number(pid), at: Number(at) }))
    .sort((a, b) => a.at - b.at);
  t.equal(events.length, 8, 'four enter and four leave');
  for (let i = 0; i < events.length; i += 2) {
    t.equal(events[i]!.verb, 'enter');
    t.match(events[i + 1], { verb: 'leave', pid: events[i]!.pid }, `holder ${i / 2 + 1} leaves before anyone enters`);
  }
  t.notOk(existsSync(path), 'the lock file is gone once the last one released it');
});

t.test('a second taker waits while the holder runs, then fails naming its pid', async (t) => {
  const { path, log } = useLockPath(t);
  const held = await holder(t, [path, log]);
  t.equal(holderIn(path).pid, held.pid, 'the file holds the holder pid');
  const waits: number[] = [];
  const started = Date.now();
  const error = await acquireRealNodeLock({
    path,
    timeoutMs: 600,
    intervalMs: 50,
    onWait: (h) => waits.push(h.pid),
  }).catch((err: unknown) => err);
  t.ok(Date.now() - started >= 600, 'it waited the whole timeout');
  t.type(error, HarnessError);
  t.equal((error as HarnessError).code, 'NODE_LOCK_TIMEOUT');
  t.match((error as Error).message, `pid ${held.pid} has held ${path}`, 'the message names the holder pid');
  t.strictSame(waits, [held.pid], 'onWait is told once, with the holder');
  t.equal(holderIn(path).pid, held.pid, 'the holder keeps the lock');
});

t.test('the wait ends when the holder releases, or dies without releasing', async (t) => {
  const { path, log } = useLockPath(t);
  writeFileSync(log, '');
  const releasing = await holder(t, [path, log, '300']);
  const lock = await acquireRealNodeLock({ path, timeoutMs: 10_000, intervalMs: 20 });
  t.ok(readFileSync(log, 'utf8').includes(`leave ${releasing.pid}`), 'taken only after the holder left');
  t.equal(holderIn(path).pid, process.pid, 'now this process holds it');
  await lock.release();
  t.notOk(existsSync(path), 'released');

  const killed = await holder(t, [path, log]);
  setTimeout(() => killed.kill('SIGKILL'), 300);
  const taken = await acquireRealNodeLock({ path, timeoutMs: 10_000, intervalMs: 20 });
  t.equal(holderIn(path).pid, process.pid, "a killed holder's lock is taken over");
  await taken.release();
});

t.test('a stale lock (no process, no watchdog) is taken over at once; a corrupt one too', async (t) => {
  const { path } = useLockPath(t);
  writeFileSync(path, JSON.stringify({ pid: await deadPid(), watchdogPid: await deadPid(), since: 'then' }));
  const lock = await acquireRealNodeLock({ path, timeoutMs: 0 });
  t.equal(holderIn(path).pid, process.pid);
  await lock.release();
  writeFileSync(path, 'half a wri');
  const again = await acquireRealNodeLock({ path, timeoutMs: 0 });
  t.equal(holderIn(path).pid, process.pid);
  await again.release();
});

t.test("a dead holder's lock stays held while its watchdog runs (it is tearing the node down)", async (t) => {
  const { path, log } = useLockPath(t);
  const watchdog = spawn('sleep', ['30']);
  t.teardown(() => watchdog.kill('SIGKILL'));
  const held = await holder(t, [path, log, 'forever', String(watchdog.pid)]);
  held.kill('SIGKILL');
  await once(held, 'exit');
  const error = await acquireRealNodeLock({ path, timeoutMs: 300, intervalMs: 50 }).catch((err: unknown) => err);
  t.equal((error as HarnessError).code, 'NODE_LOCK_TIMEOUT', 'still held');
  t.match((error as Error).message, `pid ${held.pid} (watchdog ${watchdog.pid})`);
  watchdog.kill('SIGKILL');
  await once(watchdog, 'exit');
  const lock = await acquireRealNodeLock({ path, timeoutMs: 5000, intervalMs: 20 });
  t.equal(holderIn(path).pid, process.pid, 'taken once the watchdog is gone too');
  await lock.release();
});

t.test("release leaves another process's lock alone and is safe twice", async (t) => {
  const { path, log } = useLockPath(t);
  const held = await holder(t, [path, log]);
  t.equal(await releaseRealNodeLock(path, process.pid), false, 'not ours: kept');
  t.equal(holderIn(path).pid, held.pid);
  t.equal(await releaseRealNodeLock(path, held.pid!), true, "the watchdog's teardown releases the holder's lock");
  t.notOk(existsSync(path));
  const lock = await acquireRealNodeLock({ path, timeoutMs: 0 });
  await lock.release();
  await lock.release();
  t.notOk(existsSync(path));
});
