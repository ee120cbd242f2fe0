// The owner's side of child-watchdog-process.ts. Whatever this process starts through startProcess
// (etcd, kube-apiserver, the cluster's controllers, Shipshape replicas, a benchmark's servers) is
// killed when this process ends, however it ends: a SIGKILL of it or of its process group, a crash,
// a test runner's timeout, a plain exit that forgot a child. Linux offers prctl(PR_SET_PDEATHSIG)
// for that, Node does not; so one watchdog process, started with the first child, learns of the
// owner's death from the EOF of a pipe only the owner writes to (libuv opens its pipes
// close-on-exec, so no child inherits that end). Told of each child as it starts, it covers the
// start-up of each one too.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

// Beside this module: .ts in the sources, .js in a build.
const script = fileURLToPath(new URL(`./child-watchdog-process${extname(import.meta.url)}`, import.meta.url));
let watchdog: ChildProcess | undefined;

function started(): ChildProcess {
  if (!watchdog) {
    watchdog = spawn(process.execPath, [script, String(process.pid)], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    // Neither the watchdog nor its pipe keeps this process alive.
    watchdog.unref();
    (watchdog.stdin as Socket).unref();
    // A watchdog that died hears nothing more; the children then outlive a killed owner.
    watchdog.stdin!.on('error', () => {});
  }
  return watchdog;
}

function tell(line: string): void {
  started().stdin!.write(`${line}\n`);
}

/**
 * The watchdog's pid, starting it if need be: it outlives this process by as long as its cleanups
 * take (src/control-plane/real-node-lock.ts holds a lock for that long).
 */
export function watchdogPid(): number {
  return started().pid!;
}

/** The child `pid` (and the process group it leads) is killed when this process ends. */
export function watchChild(pid: number): void {
  tell(`watch ${pid}`);
}

/** Call once the child has exited: its pid may be reused. */
export function forgetChild(pid: number): void {
  tell(`forget ${pid}`);
}

/** `dir` is removed when this process ends, after the children have been killed. */
export function watchDir(dir: string): void {
  tell(`watch-dir ${dir}`);
}

/** Call once `dir` is removed, or must stay after all. */
export function forgetDir(dir: string): void {
  tell(`forget-dir ${dir}`);
}

/**
 * `command` (argv, the first element the executable) runs when this process ends, after the
 * children have been killed and before the folders are removed, for what killing a process does not
 * undo: mounts, network interfaces, cgroups, host settings (src/control-plane/real-node.ts). It
 * runs detached from any terminal, with no input, and is given 60 s.
 */
export function watchCleanup(command: string[]): void {
  tell(`watch-cleanup ${JSON.stringify(command)}`);
}

/** Call once the cleanup `command` has run, or is no longer needed. */
export function forgetCleanup(command: string[]): void {
  tell(`forget-cleanup ${JSON.stringify(command)}`);
}
