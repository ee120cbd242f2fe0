// Test helpers around the harness's real node (src/control-plane/real-node.ts): a Pod pinned to it,
// the PID of a container's process, a command run in a Pod's network namespace, and what a node
// left on the host after it was stopped, however it was stopped.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import { readSysctls } from '../../src/control-plane/host-sysctls.ts';
import { mountsUnder } from '../../src/control-plane/mounts.ts';
import { cgroupHierarchies } from '../../src/control-plane/node-cgroups.ts';
import { HOST_DIRS } from '../../src/control-plane/node-teardown.ts';
import { acquireRealNodeLock, defaultLockPath } from '../../src/control-plane/real-node-lock.ts';
import { allProcs } from './process-table.ts';

const execFileAsync = promisify(execFile);

/** A Pod of `image` (already imported) bound to `nodeName` directly: no scheduler runs. */
export function podOn(nodeName: string, name: string, image: string): V1Pod {
  return {
    metadata: { name },
    spec: {
      nodeName,
      containers: [{ name: 'main', image, imagePullPolicy: 'Never' }],
      terminationGracePeriodSeconds: 0,
    },
  };
}

/**
 * A copy of the OCI archive `archive` (one image, as scripts/install-node.sh writes the pause image)
 * under the name `image`, written to `path`: an image the node has never seen, for importImage.
 */
export async function renamedOciArchive(archive: string, image: string, path: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'shipshape-oci-'));
  try {
    await execFileAsync('tar', ['-xf', archive, '-C', work]);
    const index = JSON.parse(await readFile(join(work, 'index.json'), 'utf8')) as {
      manifests: Array<{ annotations?: Record<string, string> }>;
    };
    for (const m of index.manifests) m.annotations = { 'io.containerd.image.name': image };
    await writeFile(join(work, 'index.json'), JSON.stringify(index));
    await execFileAsync('tar', ['-cf', path, '-C', work, 'oci-layout', 'index.json', 'blobs']);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The PID of container `containerId` (a Pod status's `containerd://<id>`) on the host. */
export async function containerPid(node: { ctr: string; containerdSocket: string }, containerId: string) {
  const id = containerId.replace(/^containerd:\/\//, '');
  const { stdout } = await execFileAsync(node.ctr, ['--address', node.containerdSocket, '-n', 'k8s.io', 'tasks', 'ls']);
  const line = stdout.split('\n').find((l) => l.startsWith(`${id} `));
  const pid = Number(line?.trim().split(/\s+/)[1]);
  if (!pid) throw new Error(`no task for container ${id} in:\n${stdout}`);
  return pid;
}

/** `KUBERNETES_SERVICE_HOST` and `_PORT` as the kubelet gave them to process `pid`. */
export function kubernetesServiceEnv(pid: number): { host?: string; port?: string } {
  const env = new Map(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const),
  );
  return { host: env.get('KUBERNETES_SERVICE_HOST'), port: env.get('KUBERNETES_SERVICE_PORT') };
}

/** What a stopped node must not leave: the names it used on the host, and the host's state before. */
export type NodeTrace = {
  dir: string;
  bridge: string;
  chain: string;
  cgroupRoot: string;
  /** The node's binaries: no process may run one. */
  binaries: string[];
  sysctls: Record<string, string>;
  /** readHostEntries() before the node started. */
  hostEntries: string[];
};

/**
 * What the host folders a node writes to whatever its configuration (HOST_DIRS) hold, and the
 * iptables rules and chains of Kubernetes' (KUBE-*) or the harness's (SHIPSHAPE-*), both families.
 */
export async function readHostEntries(): Promise<string[]> {
  const entries: string[] = [];
  for (const dir of Object.values(HOST_DIRS)) {
    try {
      entries.push(dir, ...readdirSync(dir).map((name) => `${dir}/${name}`));
    } catch {}
  }
  for (const command of ['iptables-save', 'ip6tables-save']) {
    const { stdout } = await execFileAsync(command).catch(() => ({ stdout: '' }));
    entries.push(
      ...stdout
        .split('\n')
        .filter((line) => /KUBE-|SHIPSHAPE-/.test(line))
        .map((line) => `${command}: ${line}`),
    );
  }
  return [...new Set(entries)].sort();
}

/** Everything of the node still on the host; empty when nothing is. */
export async function nodeLeftovers(trace: NodeTrace): Promise<string[]> {
  const left: string[] = [];
  for (const p of allProcs())
    if (!p.zombie && (p.cmd.includes(trace.dir) || trace.binaries.some((b) => p.cmd.startsWith(b))))
      left.push(`process ${p.pid} ${p.cmd.slice(0, 120)}`);
  left.push(...mountsUnder(trace.dir).map((m) => `mount ${m}`));
  if (existsSync(trace.dir)) left.push(`folder ${trace.dir}`);
  const { stdout: links } = await execFileAsync('ip', ['-o', 'link', 'show']);
  if (links.includes(`: ${trace.bridge}:`)) left.push(`interface ${trace.bridge}`);
  for (const line of links.split('\n'))
    if (line.includes(`master ${trace.bridge} `)) left.push(`interface ${line.split(':')[1]?.trim()}`);
  const before = new Set(trace.hostEntries);
  left.push(...(await readHostEntries()).filter((entry) => !before.has(entry)));
  for (const hierarchy of cgroupHierarchies())
    if (existsSync(`${hierarchy}/${trace.cgroupRoot}`)) left.push(`cgroup ${hierarchy}/${trace.cgroupRoot}`);
  const now = readSysctls(Object.keys(trace.sysctls));
  for (const [name, value] of Object.entries(trace.sysctls))
    if (now[name] !== value) left.push(`sysctl ${name}=${now[name]} (was ${value})`);
  return left;
}

/** The pid in the machine's real-node lock (real-node-lock.ts); undefined when it is free. */
export async function realNodeLockHolder(): Promise<number | undefined> {
  try {
    return (JSON.parse(readFileSync(await defaultLockPath(), 'utf8')) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

/**
 * Runs `check` holding the machine's real-node lock, waiting while a node runs. nodeLeftovers
 * looks at the whole host (sysctls, iptables, every node binary's processes), which the node of
 * another suite, started as soon as a stopped one released the lock, changes too: under the lock,
 * no node runs, and the host is as the last one left it. Polls often, ahead of suites that wait.
 */
export async function withRealNodeLock<T>(check: () => Promise<T>): Promise<T> {
  const lock = await acquireRealNodeLock({ intervalMs: 20 });
  try {
    return await check();
  } finally {
    await lock.release();
  }
}

/** The host as no node has it (read under the lock): what a stopped node must leave. */
export function hostBefore(): Promise<Pick<NodeTrace, 'sysctls' | 'hostEntries'>> {
  return withRealNodeLock(async () => ({ sysctls: readSysctls(), hostEntries: await readHostEntries() }));
}
