// The watchdog process of child-watchdog.ts: one per owning process (a test file, `npm run dev`, a
// benchmark), in a session of its own, so that a signal to the owner's process group spares it.
// Once the owner is gone, however it went (SIGKILL included), it kills every child it was told of
// with its process group, removes the folders it was given, and exits.
//
// The owner holds the only write end of this process's stdin, so the owner's death is an EOF here
// at once. A change of parent is checked each second too (the dead owner's children go to init or
// a subreaper), in case another process ever held that end open.
//
// SIGKILL, not SIGTERM first: with the owner gone nobody reads the children's output (their logs
// go through it) or waits on a graceful stop, and their folder goes next. A grace period per child
// made the time a hard-killed dev loop took to leave nothing that of its slowest children (#30).
//
// argv: <ownerPid>. stdin, one line per change: `watch <pid>`, `forget <pid>` (a child started, a
// child exited), `watch-dir <path>`, `forget-dir <path>`, `watch-cleanup <JSON argv>`,
// `forget-cleanup <JSON argv>` (commands run once the children are gone, before the folders go).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessRunning } from './process-running.ts';

const owner = Number(process.argv[2]);
const children = new Set<number>();
const dirs = new Set<string>();
const cleanups = new Set<string>();

await new Promise<void>((ownerGone) => {
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const at = line.indexOf(' ');
    const [verb, arg] = [line.slice(0, at), line.slice(at + 1)];
    if (verb === 'watch') children.add(Number(arg));
    else if (verb === 'forget') children.delete(Number(arg));
    else if (verb === 'watch-dir') dirs.add(arg);
    else if (verb === 'forget-dir') dirs.delete(arg);
    else if (verb === 'watch-cleanup') cleanups.add(arg);
    else if (verb === 'forget-cleanup') cleanups.delete(arg);
  });
  lines.once('close', ownerGone);
  setInterval(() => process.ppid !== owner && ownerGone(), 1000).unref();
});

const pids = [...children];
for (const pid of pids)
  // The group too: startProcess makes each child lead one, which its own children join.
  for (const target of [-pid, pid])
    try {
      process.kill(target, 'SIGKILL');
    } catch {}
// The cleanups and the folders once nothing writes to them any more; a zombie counts as ended
// (process-running.ts).
for (const deadline = Date.now() + 5000; pids.some(isProcessRunning) && Date.now() < deadline;) await sleep(20);
for (const cleanup of cleanups) {
  const [command, ...args] = JSON.parse(cleanup) as string[];
  spawnSync(command!, args, { stdio: 'ignore', timeout: 60_000 });
}
for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
process.exit(0);
