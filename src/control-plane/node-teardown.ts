// What is left of a real node on the host once its processes are told to go, removed: from
// RealNode.stop() after the graceful part, and from the watchdog (node-teardown-process.ts) when
// the process that started the node ended without stopping it. It needs nothing but the plan
// written before the node started, so it works whatever state the node was left in, and it can run
// twice.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, readlinkSync, rmSync, rmdirSync, statSync, chmodSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessRunning } from '../runtime/process-running.ts';
import { sleep } from '../runtime/sleep.ts';
import { restoreSysctls } from './host-sysctls.ts';
import { mountsUnder, unmountUnder } from './mounts.ts';
import { cgroupProcesses, removeCgroupRoot } from './node-cgroups.ts';
import { type PodNetwork, removePodNetwork } from './pod-network.ts';

/**
 * The host folders a node's components write to whatever their configuration says, each created
 * when missing; children before parents.
 */
export const HOST_DIRS = {
  /** containerd-shim-runc-v2's sockets (pkg/shim, SocketAddress): a hash of containerd's address. */
  shimSockets: '/run/containerd/s',
  containerdRun: '/run/containerd',
  /** libcni's cache of results, `<network>-<sandbox>-<interface>`. */
  cniResults: '/var/lib/cni/results',
  cniCache: '/var/lib/cni',
  /** The device plugin manager's kubelet.sock (k8s.io/kubelet's DevicePluginPath, a constant). */
  devicePlugins: '/var/lib/kubelet/device-plugins',
  kubeletDefaultRoot: '/var/lib/kubelet',
  /** The kubelet's links to its Pods' logs (a constant), made mode 0750 at start. */
  containerLogs: '/var/log/containers',
} as const;

export type NodeTeardownPlan = {
  /** The node's folder: everything else it writes. */
  dir: string;
  /** The cgroup parent of its Pods, /<cgroupRoot> in every hierarchy. */
  cgroupRoot: string;
  network: PodNetwork;
  /** The CNI network's name. */
  networkName: string;
  /** The host's values before the node started (host-sysctls.ts). */
  sysctls: Record<string, string>;
  /** Each of HOST_DIRS's paths: its mode before the node started, or null if it did not exist. */
  hostDirs: Record<string, number | null>;
  /** The machine's real-node lock (real-node-lock.ts), released once the teardown is over. */
  lock?: { path: string; pid: number };
};

export function readHostDirs(): Record<string, number | null> {
  return Object.fromEntries(
    Object.values(HOST_DIRS).map((path) => {
      try {
        return [path, statSync(path).mode & 0o7777];
      } catch {
        return [path, null];
      }
    }),
  );
}

/** Processes that name `dir` on their command line (the kubelet, containerd, its shims). */
function processesNaming(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dir)) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

const listDir = (path: string) => {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
};

/**
 * The sockets of the shims in `pids` (`containerd-shim-runc-v2 -namespace NS -id ID -address A`),
 * named as pkg/shim's SocketAddress names them: sha256 of A/NS/ID (and of A/NS/ID/debug). A shim
 * removes them on a clean exit, not when killed.
 */
function shimSockets(pids: number[]): string[] {
  return pids.flatMap((pid) => {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      return [];
    }
    const flag = (name: string) => argv[argv.indexOf(name) + 1];
    if (!argv[0]?.endsWith('containerd-shim-runc-v2') || !flag('-id') || !flag('-address')) return [];
    const path = `${flag('-address')}/${flag('-namespace')}/${flag('-id')}`;
    const hash = (p: string) => createHash('sha256').update(p).digest('hex');
    return [hash(path), hash(`${path}/debug`)].map((name) => join(HOST_DIRS.shimSockets, name));
  });
}

/**
 * Kills whatever of the node still runs (SIGKILL: the graceful stop, if any, is over), unmounts
 * what it mounted, removes its network, cgroups, host entries and folder and puts the sysctls back.
 * Never throws; resolves with what could not be undone, empty when the host is as before.
 */
export async function tearDownNode(plan: NodeTeardownPlan): Promise<string[]> {
  const problems: string[] = [];
  const targets = () => [...processesNaming(plan.dir), ...cgroupProcesses(plan.cgroupRoot)].filter(isProcessRunning);
  const sockets = shimSockets(targets());
  for (const deadline = Date.now() + 10_000; targets().length > 0 && Date.now() < deadline;) {
    for (const pid of targets())
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    await sleep(100);
  }
  for (const pid of targets()) problems.push(`process ${pid} still runs`);

  for (const socket of sockets) rmSync(socket, { force: true });
  const leftMounts = await unmountUnder(plan.dir);
  problems.push(...leftMounts.map((point) => `mount ${point}`));
  problems.push(...(await removePodNetwork(plan.network)));

  for (const entry of listDir(HOST_DIRS.cniResults))
    if (entry.startsWith(`${plan.networkName}-`)) rmSync(join(HOST_DIRS.cniResults, entry), { force: true });
  // Only from a folder the node created: in one that was there before, it may be another kubelet's.
  if (plan.hostDirs[HOST_DIRS.devicePlugins] === null)
    rmSync(join(HOST_DIRS.devicePlugins, 'kubelet.sock'), { force: true });
  for (const entry of listDir(HOST_DIRS.containerLogs)) {
    const link = join(HOST_DIRS.containerLogs, entry);
    try {
      if (readlinkSync(link).startsWith(`${plan.dir}/`)) unlinkSync(link);
    } catch {}
  }
  // Children first: a folder the node created goes (it must be empty by now); one that existed
  // gets its mode back.
  for (const path of Object.values(HOST_DIRS)) {
    const mode = plan.hostDirs[path];
    try {
      if (mode === null || mode === undefined) rmdirSync(path);
      else chmodSync(path, mode);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') problems.push(`${path}: ${code ?? String(err)} (${listDir(path).join(', ')})`);
    }
  }

  problems.push(...removeCgroupRoot(plan.cgroupRoot).map((path) => `cgroup ${path}`));
  problems.push(...restoreSysctls(plan.sysctls).map((failure) => `sysctl ${failure}`));
  // Never through a mount: its contents are not the node's.
  if (mountsUnder(plan.dir).length === 0) rmSync(plan.dir, { recursive: true, force: true });
  else problems.push(`${plan.dir} kept: something is still mounted under it`);
  return problems;
}
