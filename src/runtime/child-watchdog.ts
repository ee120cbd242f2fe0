// The owner's side of watchdog.ts: one detached watchdog process per group of children (a control
// plane, the dev loop's Shipshape replicas), restarted whenever the group grows or a child is
// replaced, so that a SIGKILL of the owner leaves none of them running.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ManagedProcess } from '../runtime/child-process.ts';

const watchdogPath = fileURLToPath(new URL('./watchdog.ts', import.meta.url));

export type ProcessWatchdog = {
  /** Watches exactly `processes` (stopped in reverse order), replacing the previous watchdog. */
  watch(processes: readonly ManagedProcess[]): void;
  /** Ends the watchdog: the owner has stopped the children itself. */
  end(): void;
};

/** `dir`, when given, is removed by the watchdog after the children if the owner died. */
export function createProcessWatchdog(dir?: string): ProcessWatchdog {
  let pid: number | undefined;
  const end = () => {
    if (!pid) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {}
    pid = undefined;
  };
  return {
    watch(processes) {
      end();
      const pids = [...processes].reverse().map((p) => String(p.pid));
      const child = spawn(process.execPath, [watchdogPath, String(process.pid), dir ?? '', ...pids], {
        detached: true,
        stdio: 'ignore',
      });
      child.unref();
      pid = child.pid;
    },
    end,
  };
}
