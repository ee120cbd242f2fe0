// One bash process that runs commands one after another, as a user types them into one terminal:
// what a command exports or assigns is there for the next. Each command's exit status and output
// (stdout and stderr interleaved, as a terminal shows them) come back separately.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';

export type SessionResult = {
  /** The command's exit status; null when it did not finish (timed out, or the shell ended). */
  status: number | null;
  output: string;
  ms: number;
  timedOut?: true;
};

export type BashSession = {
  /**
   * Runs `command` (one or more lines of bash) in the session with stdin from /dev/null. Past
   * `timeoutMs` the session's process group gets SIGKILL (the session is over) and the result says
   * `timedOut`. One command at a time.
   */
  run(command: string, timeoutMs: number): Promise<SessionResult>;
  /** Ends the shell (`exit`), then SIGKILL to its process group after `graceMs`. Never rejects. */
  close(graceMs?: number): Promise<void>;
  readonly pid: number;
};

/** Starts `bash --noprofile --norc` in a process group of its own, in `cwd` with exactly `env`. */
export function startBashSession(cwd: string, env: NodeJS.ProcessEnv): BashSession {
  const shell: ChildProcess = spawn('bash', ['--noprofile', '--norc'], {
    cwd,
    env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const killGroup = () => {
    try {
      process.kill(-shell.pid!, 'SIGKILL');
    } catch {}
  };
  // A test process that ends first (a thrown setup, tap's timeout) takes the session with it.
  process.once('exit', killGroup);
  // The marker line after each command, with its status; a new one per session, so no output
  // can forge it.
  const mark = `__session_${randomUUID()}__`;
  const marked = new RegExp(`\\n${mark} (\\d+)\\n`);
  let buffer = '';
  /** The command running: called on output, and with `ended` when the shell is gone. */
  let current: ((ended?: true) => void) | undefined;
  let ended = false;
  const exited = new Promise<void>((resolve) =>
    shell.once('close', () => {
      ended = true;
      current?.(true);
      resolve();
    }),
  );
  const take = (chunk: Buffer) => {
    buffer += chunk.toString();
    current?.();
  };
  shell.stdout!.on('data', take);
  shell.stderr!.on('data', take);
  shell.stdin!.on('error', () => {}); // a write after the shell ended: run() reports it ended
  shell.stdin!.write('exec 2>&1\n');

  return {
    pid: shell.pid!,
    run(command, timeoutMs) {
      const started = Date.now();
      return new Promise((resolve) => {
        const finish = (result: Omit<SessionResult, 'ms'>) => {
          clearTimeout(timer);
          current = undefined;
          resolve({ ...result, ms: Date.now() - started });
        };
        const timer = setTimeout(() => {
          killGroup();
          finish({ status: null, output: buffer, timedOut: true });
        }, timeoutMs);
        current = (gone) => {
          const found = marked.exec(buffer);
          if (found) {
            const output = buffer.slice(0, found.index);
            buffer = buffer.slice(found.index + found[0].length);
            finish({ status: Number(found[1]), output });
          } else if (gone) finish({ status: null, output: buffer });
        };
        if (ended) return current(true);
        // A group, not a subshell: assignments and exports stay. The newline before the marker
        // ends an output that has none of its own.
        shell.stdin!.write(`{\n${command}\n} </dev/null\nprintf '\\n%s %s\\n' ${mark} "$?"\n`);
      });
    },
    async close(graceMs = 5_000) {
      if (!ended) shell.stdin!.end('exit\n');
      const timer = setTimeout(killGroup, graceMs);
      await exited;
      clearTimeout(timer);
      killGroup(); // what a command left running in the background
      process.removeListener('exit', killGroup);
    },
  };
}
