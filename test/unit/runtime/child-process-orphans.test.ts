// Whatever a process starts through startProcess (etcd, kube-apiserver, a Shipshape replica, a
// benchmark's server) ends with it, however it ends, within a second: children that ignore SIGTERM
// and their own children included, then the folder it gave the watchdog, then the watchdog.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { isProcessRunning } from '../../../src/runtime/process-running.ts';

const fixture = fileURLToPath(new URL('../../fixtures/start-children.ts', import.meta.url));
const BOUND_MS = 1000;

type Teardown = { teardown(fn: () => unknown): void };
type Started = { owner: number; pids: number[]; dir: string };

/** The processes whose parent is one of `pids`, and theirs, and so on. */
function descendants(pids: number[]): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n)))
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {}
  const found = new Set(pids);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of parents)
      if (!found.has(pid) && found.has(ppid)) {
        found.add(pid);
        grew = true;
      }
  }
  return [...found];
}

async function startFixture(t: Teardown, args: string[]): Promise<Started & { all: number[]; stdin: Writable }> {
  const child = spawn(process.execPath, [fixture, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the fixture exited (${code}) before printing`)));
  });
  const started = { owner: child.pid!, ...(JSON.parse(first) as Omit<Started, 'owner'>) };
  // Its two children, the shell's `sleep` once it runs, and the watchdog: what must end.
  let all: number[] = [];
  for (const deadline = Date.now() + 2000; all.length < 4 && Date.now() < deadline;) {
    all = descendants([started.owner]).filter((pid) => pid !== started.owner);
    await new Promise((r) => setTimeout(r, 20));
  }
  t.teardown(() => {
    for (const pid of [started.owner, ...all])
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    rmSync(started.dir, { recursive: true, force: true });
  });
  return { ...started, all, stdin: child.stdin! };
}

async function allEnded(pids: number[], timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (pids.some(isProcessRunning) && Date.now() - start < timeoutMs) await new Promise((r) => setTimeout(r, 20));
  return pids.some(isProcessRunning) ? -1 : Date.now() - start;
}

for (const [how, args] of [
  ['SIGKILL of the owner', []],
  ['the owner exiting on its own', ['exit']],
] as const)
  t.test(`${how} ends its children and theirs`, async (t) => {
    const { owner, pids, all, dir, stdin } = await startFixture(t, [...args]);
    t.equal(all.length, 4, 'two children, a grandchild and the watchdog run', { all });
    if (how.startsWith('SIGKILL')) process.kill(owner, 'SIGKILL');
    else stdin.write('exit\n');
    const ms = await allEnded([owner, ...all], BOUND_MS);
    t.comment(ms < 0 ? `still running after ${BOUND_MS} ms` : `all ended ${ms} ms after`);
    t.same(
      all.filter(isProcessRunning),
      [],
      `none runs ${BOUND_MS} ms later (children ${pids.join(', ')}, all ${all.join(', ')})`,
    );
    t.notOk(existsSync(dir), 'the folder is removed');
  });
