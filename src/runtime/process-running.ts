// Whether a process, not necessarily our child, still runs. kill(pid, 0) alone answers yes for a
// zombie too: a process that has exited and waits to be reaped, by its parent or, once orphaned,
// by init. An init that reaps orphans only now and then (as on the VMs this is developed on) made
// a watchdog that waited for each child it ended in turn take seconds per process (commit 198acd4
// has the figures). A zombie holds no memory, ports or files, so it counts as ended.
import { existsSync, readFileSync } from 'node:fs';

export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // Gone since kill() on Linux; without /proc (not Linux) kill()'s answer stands.
    return !existsSync('/proc/self/stat');
  }
  // "<pid> (<comm>) <state> ...": the command name may itself hold ')'.
  return stat[stat.lastIndexOf(')') + 2] !== 'Z';
}
