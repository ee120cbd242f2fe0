// The real node's cgroups (cgroupfs; these machines have a cgroup v1 hybrid layout and no
// systemd): one parent of its own, `/<name>` in every hierarchy, given to the kubelet as its
// cgroupRoot, so its kubepods tree and every container's cgroup sit under a name no other node
// or runtime uses, and the whole tree can be emptied and removed.
import { readFileSync, readdirSync, rmdirSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** The mount points of the cgroup (v1) and cgroup2 hierarchies. */
export function cgroupHierarchies(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => / - cgroup2? /.test(line))
    .map((line) => line.split(' ')[4]!);
}

/**
 * Creates `/<name>` in every hierarchy (the kubelet refuses a cgroupRoot missing from one). A new
 * cpuset cgroup has no CPUs and no memory nodes until given its parent's.
 */
export function createCgroupRoot(name: string): void {
  for (const hierarchy of cgroupHierarchies()) {
    const path = join(hierarchy, name);
    mkdirSync(path, { recursive: true });
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if (existsSync(join(hierarchy, file))) writeFileSync(join(path, file), readFileSync(join(hierarchy, file)));
    }
  }
}

/** Every cgroup folder of the tree `/<name>` in every hierarchy, deepest first. */
function cgroupTree(name: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    let entries;
    try {
      entries = readdirSync(path, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) if (entry.isDirectory()) walk(join(path, entry.name));
    found.push(path);
  };
  for (const hierarchy of cgroupHierarchies()) walk(join(hierarchy, name));
  return found;
}

/** The processes in the tree `/<name>`, in any hierarchy. */
export function cgroupProcesses(name: string): number[] {
  const pids = new Set<number>();
  for (const path of cgroupTree(name)) {
    try {
      for (const pid of readFileSync(join(path, 'cgroup.procs'), 'utf8').split('\n')) if (pid) pids.add(Number(pid));
    } catch {}
  }
  return [...pids];
}

/** Removes the tree `/<name>` from every hierarchy; returns what could not be (a cgroup in use). */
export function removeCgroupRoot(name: string): string[] {
  const left: string[] = [];
  for (const path of cgroupTree(name)) {
    try {
      rmdirSync(path);
    } catch {
      left.push(path);
    }
  }
  return left;
}
