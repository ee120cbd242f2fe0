// A process that starts a control plane (or the whole dev loop) and then dies without stopping it
// (SIGKILL, as a test runner's timeout or a crash would) leaves no process behind: no etcd,
// kube-apiserver, controller, kwok or Shipshape replica.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import t from 'tap';

type Teardown = { teardown(fn: () => unknown): void };

const fixture = fileURLToPath(new URL('../fixtures/start-control-plane.ts', import.meta.url));
let owner: number | undefined;

type Started = { pids: number[]; replicas: number[]; dir: string };

/** Runs the fixture as the owning process and reads what it started. */
async function startFixture(t: Teardown, args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [fixture, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  owner = child.pid;
  t.teardown(() => child.kill('SIGKILL'));
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the fixture exited (${code}) before starting everything`)));
  });
  return JSON.parse(first) as Started;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

for (const signal of ['SIGKILL', 'SIGINT'] as const) {
  t.test(`${signal} of the owning process`, async (t) => {
    const { pids, dir } = await startFixture(t, []);
    t.equal(pids.length, 5, 'etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok');
    t.ok(pids.every(isAlive), 'they are running');
    process.kill(owner!, signal);
    t.ok(await waitUntil(() => !pids.some(isAlive), 15_000), 'all of them have ended');
    t.ok(await waitUntil(() => !existsSync(dir), 5_000), 'the folder is removed');
  });
}

t.test('SIGKILL of the dev loop ends its Shipshape replicas too', async (t) => {
  const { pids, replicas } = await startFixture(t, ['dev']);
  t.equal(replicas.length, 1, 'one replica');
  t.ok([...pids, ...replicas].every(isAlive), 'the control plane and the replica are running');
  process.kill(owner!, 'SIGKILL');
  t.ok(await waitUntil(() => !replicas.some(isAlive), 15_000), 'the replica has ended');
  t.ok(await waitUntil(() => !pids.some(isAlive), 15_000), 'and so has the control plane');
});
