// One supervised child process (etcd, kube-apiserver, a local Shipshape): output to a log
// file, a tail for error messages, a stop that escalates from SIGTERM to SIGKILL, and an end with
// its owner however the owner ends (child-watchdog.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { forgetChild, watchChild } from './child-watchdog.ts';

export type ManagedProcess = {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  readonly exited: Promise<number | string>;
  isRunning(): boolean;
  /** The last `lines` lines of the process's output. */
  tail(lines?: number): Promise<string>;
  /**
   * Sends SIGTERM, then SIGKILL after `graceMs`. Resolves once the process has exited; calling it
   * again, or after the process exited on its own, is harmless.
   */
  stop(graceMs?: number): Promise<void>;
};

export async function startProcess(
  name: string,
  command: string,
  args: string[],
  logPath: string,
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<ManagedProcess> {
  const log = createWriteStream(logPath, { flags: 'a' });
  await once(log, 'open');
  // Own process group: a terminal's Ctrl-C reaches only the owner, which stops the children in
  // order (kube-apiserver before etcd). The watchdog covers an owner that dies first, from here on.
  const child: ChildProcess = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: options.env ?? process.env,
  });
  const pid = child.pid;
  if (pid) {
    watchChild(pid);
    child.once('exit', () => forgetChild(pid));
  }
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  let running = true;
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', (err) => {
      log.write(`\n[harness] failed to start ${command}: ${err.message}\n`);
      running = false;
      resolve('spawn-error');
    });
    child.once('exit', (code, signal) => {
      running = false;
      resolve(code ?? signal ?? 'unknown');
    });
  });
  const closed = exited.then(() => new Promise<void>((resolve) => log.end(resolve)));
  await Promise.race([once(child, 'spawn'), exited]);
  return {
    name,
    pid: pid ?? -1,
    logPath,
    exited,
    isRunning: () => running,
    async tail(lines = 30) {
      const text = await readFile(logPath, 'utf8').catch(() => '');
      return text.trimEnd().split('\n').slice(-lines).join('\n');
    },
    async stop(graceMs = 5000) {
      if (running) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      await closed;
    },
  };
}
