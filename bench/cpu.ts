// CPU placement and accounting for the benchmarks (Linux): which cores this process may use, pinning
// a process tree's threads to some of them, and a process's CPU time.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { basename } from 'node:path';

/** The CPU ids this process may run on (Cpus_allowed_list), e.g. [2, 3] inside a cpuset. */
export function allowedCpus(): number[] {
  const line = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '';
  return line.split(',').flatMap((part) => {
    const [from, to = from] = part.split('-').map(Number);
    if (from === undefined || to === undefined || !Number.isInteger(from) || !Number.isInteger(to)) return [];
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });
}

export type CpuPlan = { measured: string; rest: string };

/**
 * The last allowed core for the measured processes, the others for everything else; undefined
 * with fewer than two cores, without taskset, or when `enabled` is false.
 */
export function cpuPlan(enabled: boolean): CpuPlan | undefined {
  if (!enabled) return undefined;
  let cpus: number[];
  try {
    cpus = allowedCpus();
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  if (cpus.length < 2) return undefined;
  return { measured: String(cpus.at(-1)), rest: cpus.slice(0, -1).join(',') };
}

/** Binds every thread of `pid`, and the threads it starts later, to `cpus` (a taskset list). */
export function pin(pid: number, cpus: string): void {
  execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', cpus, String(pid)], { stdio: 'ignore' });
}

let ticksPerSecond: number | undefined;

/**
 * A /proc stat file (a process's or a thread's): its command name, and the fields after it (the name
 * is in parentheses and may hold spaces): [0] is the state (field 3), [1] the parent pid, [11] utime
 * and [12] stime.
 */
function statFields(path: string): { name: string; fields: string[] } {
  const stat = readFileSync(path, 'utf8');
  const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  return { name, fields: stat.slice(stat.lastIndexOf(')') + 2).split(' ') };
}

function cpuOf(fields: string[]): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** User + system CPU seconds `pid` has used, all its threads together (/proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  return cpuOf(statFields(`/proc/${pid}/stat`).fields);
}

/** CPU seconds of `pid`'s threads by thread name (MainThread, V8Worker, libuv-worker, ...). */
export function cpuByThread(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const { name, fields } = statFields(`/proc/${pid}/task/${task}/stat`);
    byName.set(name, (byName.get(name) ?? 0) + cpuOf(fields));
  }
  return byName;
}

/**
 * CPU seconds of `root` and every process under it, by program (the command's name; for node,
 * the script it runs), for a benchmark that says which process a phase's CPU went to. Processes
 * that exited are not counted, so take both readings while the processes run.
 */
export function cpuByProgram(root = process.pid): Map<string, number> {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      parentOf.set(pid, Number(statFields(`/proc/${pid}/stat`).fields[1]));
    } catch {}
  }
  const under = (pid: number): boolean => {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parentOf.get(p)) if (p === root) return true;
    return false;
  };
  const byProgram = new Map<string, number>();
  for (const pid of parentOf.keys()) {
    if (!under(pid)) continue;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const command = basename(argv[0] ?? '?');
      const program = pid === root ? 'benchmark' : command === 'node' ? basename(argv[1] ?? 'node') : command;
      byProgram.set(program, (byProgram.get(program) ?? 0) + cpuSeconds(pid));
    } catch {}
  }
  return byProgram;
}
