import { spawn } from 'node:child_process';

export type CommandResult = { code: number | null; stdout: string; stderr: string };

export type RunOptions = { cwd?: string; env?: NodeJS.ProcessEnv; input?: string };

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
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin?.end(options.input);
  });
}
