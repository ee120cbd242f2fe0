// A process that starts a control plane and then dies without stopping it (SIGKILL, as a test
// runner's timeout or a crash would) leaves no etcd or kube-apiserver behind.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const fixture = fileURLToPath(new URL('../fixtures/start-control-plane.ts', import.meta.url));

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
    const child = spawn(process.execPath, [fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! });
    const first = await new Promise<string>((resolve) => lines.once('line', resolve));
    const { pids, dir } = JSON.parse(first) as { pids: number[]; dir: string };
    t.ok(pids.every(isAlive), 'etcd and kube-apiserver are running');
    child.kill(signal);
    t.ok(await waitUntil(() => !pids.some(isAlive), 15_000), 'etcd and kube-apiserver have ended');
    t.ok(await waitUntil(() => !existsSync(dir), 5_000), 'the folder is removed');
  });
}
