// The machine's processes as /proc shows them (Linux only), for the tests that start `npm run dev`
// as a user would and must find everything it started, however it was started: by descent, by
// working folder or by the control plane's folder on a command line.
import { readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { basename } from 'node:path';

/** The control plane's folder (etcd's data, the apiserver's certificates) on a command line. */
export const CP_DIR = /\/\S*?shipshape-cp-[^/\s]+/g;

export type Proc = { pid: number; ppid: number; start: string; zombie: boolean; cwd: string; cmd: string };
/** A process, once it may have exited: pid and start time, as a pid can be reused. */
export type Identity = { pid: number; start: string; cmd: string };

export function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "<pid> (<comm>) <state> <ppid> ...", field 22 the start time; comm may hold ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    let cwd = '';
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {}
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    return { pid, ppid: Number(fields[1]), start: fields[19]!, zombie: fields[0] === 'Z', cwd, cmd };
  } catch {
    return undefined;
  }
}

export function allProcs(): Proc[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => readProc(Number(name)) ?? []);
}

export const isRunning = (p: Identity) => {
  const now = readProc(p.pid);
  return now !== undefined && now.start === p.start && !now.zombie;
};

/**
 * What a run started and still runs: the descendants of `root`, and whatever runs in `dir` (the
 * dev loop's working folder, which every process it starts inherits, detached or not) or names
 * one of `dirs` (the control plane's folder) on its command line.
 */
export function runProcesses(root: number | undefined, dir: string, dirs: Set<string>): Proc[] {
  const procs = allProcs().filter((p) => !p.zombie && p.pid !== process.pid);
  const found = new Set<Proc>();
  const tree = new Set(root ? [root] : []);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs)
      if (!tree.has(p.pid) && tree.has(p.ppid)) {
        tree.add(p.pid);
        grew = true;
      }
  }
  for (const p of procs) {
    const inDir = dir !== '' && (p.cwd === dir || p.cwd.startsWith(`${dir}/`));
    if (tree.has(p.pid) || inDir || [...dirs].some((d) => p.cmd.includes(d))) found.add(p);
  }
  return [...found];
}

/** Adds the control plane folders that `procs` name on their command lines to `dirs`. */
export function addControlPlaneDirs(procs: Identity[], dirs: Set<string>): void {
  for (const p of procs) for (const m of p.cmd.matchAll(CP_DIR)) dirs.add(m[0]);
}

/** etcd, kube-apiserver, ..., npm, sh, dev.ts, a replica's main.ts or a watchdog's script. */
export const label = (p: Identity) => {
  const [command = '', ...args] = p.cmd.split(' ');
  const script = /^node$|\/node$/.test(command) ? args.findLast((a) => /\.[jt]s$/.test(a)) : undefined;
  return basename(script ?? command);
};

export const describe = (ps: Identity[]) => ps.map((p) => `${p.pid} ${p.cmd.slice(0, 100)}`).join('\n');

/**
 * A teardown's last resort: SIGKILL to whatever of a run still runs (`seen` and what
 * runProcesses finds) and to each one's process group (the dev loop's children lead groups of
 * their own), then removes `dir` and the control plane's folders. Never throws.
 */
export function endRun(run: { root: number | undefined; dir: string; dirs: Set<string>; seen?: Identity[] }): void {
  const left = [...(run.seen ?? []), ...runProcesses(run.root, run.dir, run.dirs)].filter(isRunning);
  addControlPlaneDirs(left, run.dirs);
  for (const pid of [run.root, ...left.map((p) => p.pid)])
    for (const target of pid ? [-pid, pid] : [])
      try {
        process.kill(target, 'SIGKILL');
      } catch {}
  for (const dir of [run.dir, ...run.dirs]) rmSync(dir, { recursive: true, force: true });
}
