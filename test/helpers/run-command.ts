import { type ChildProcess, spawn } from 'node:child_process';

export type CommandResult = { code: number | null; stdout: string; stderr: string; timedOut?: true };

export type RunOptions = {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /**
   * Past this the command gets SIGTERM, then SIGKILL 5 s later, and the result says `timedOut`.
   * Give one below the test file's own timeout: when tap times a file out it ends the test
   * process, and a command still running would be left behind.
   */
  timeoutMs?: number;
};

/** Commands still running; killed if the test process exits before they end (a thrown setup). */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Runs `command` and collects its output; resolves with the exit code (null when a signal ended
 * it) and never rejects on a non-zero exit, only when the command cannot be started.
 */
export function runCommand(command: string, args: string[], options: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      ...(options.cwd && { cwd: options.cwd }),
      ...(options.env && { env: options.env }),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timers: NodeJS.Timeout[] = [];
    if (options.timeoutMs !== undefined) {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          child.kill('SIGTERM');
          timers.push(setTimeout(() => child.kill('SIGKILL'), 5_000));
        }, options.timeoutMs),
      );
    }
    const settle = () => {
      running.delete(child);
      for (const timer of timers) clearTimeout(timer);
    };
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', (err) => {
      settle();
      reject(err);
    });
    child.on('close', (code) => {
      settle();
      resolve({ code, stdout, stderr, ...(timedOut && { timedOut: true as const }) });
    });
    child.stdin?.end(options.input);
  });
}
