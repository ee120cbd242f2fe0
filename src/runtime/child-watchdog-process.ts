// Runs as its own detached process beside a group of children (a control plane, the dev loop's
// Shipshape replicas; started by process-watchdog.ts). If the process that started them dies
// without stopping them (SIGKILL, a crash, a test runner's timeout), this ends the children it
// was given, in order, and removes the working folder. Exits once they are all gone.
//
// argv: <parentPid> <workDir or ""> <pid>... (pids in stop order: kube-apiserver before etcd,
// because with etcd gone the apiserver can ignore SIGTERM for a long time).
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessRunning as alive } from '../runtime/process-running.ts';

const [parentArg, workDir, ...pidArgs] = process.argv.slice(2);
const parentPid = Number(parentArg);
const pids = pidArgs.map(Number);

async function end(pid: number): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 30 && alive(pid); i++) await sleep(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

while (alive(parentPid) && pids.some(alive)) await sleep(500);
for (const pid of pids) await end(pid).catch(() => {});
if (workDir && !alive(parentPid)) rmSync(workDir, { recursive: true, force: true });
