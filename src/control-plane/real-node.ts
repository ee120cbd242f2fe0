// A real node beside the harness's control plane (control-plane.ts): containerd with our runc and
// the kubelet, on this machine, registered as a Node whose Pods run real containers on a bridge of
// their own; kwok's Nodes only pretend to. For the tests of Shipshape as installed (#33); nothing
// here runs in a cluster. Built by scripts/install-node.sh; facts about these machines it relies
// on: the notes in issue #33.
//
// One real node per machine at a time: the host's sysctls it changes are read before and put back
// after (host-sysctls.ts), which two nodes overlapping in time would get wrong. A machine-wide lock
// (real-node-lock.ts) enforces it: startRealNode waits for it, stop() or the watchdog's teardown
// releases it once the host is as before.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1Node } from '@kubernetes/client-node';
import { findFreePort } from '../net/free-port.ts';
import { type ManagedProcess, startProcess } from '../runtime/child-process.ts';
import { forgetCleanup, watchCleanup, watchdogPid } from '../runtime/child-watchdog.ts';
import { pollUntil } from '../runtime/poll.ts';
import { type ControlPlane, KUBERNETES_SERVICE } from './control-plane.ts';
import { HarnessError } from './harness-error.ts';
import { readSysctls } from './host-sysctls.ts';
import { type NodeAssets, resolveNodeAssets } from './node-assets.ts';
import { createCgroupRoot } from './node-cgroups.ts';
import { acquireRealNodeLock, DEFAULT_LOCK_TIMEOUT_MS, type LockHolder } from './real-node-lock.ts';
import { toKubeletConfiguration } from './node-config.ts';
import { type NodeContainerd, startNodeContainerd } from './node-containerd.ts';
import { grantNodeCredentials, revokeNodeCredentials } from './node-credentials.ts';
import { type NodeTeardownPlan, readHostDirs, tearDownNode } from './node-teardown.ts';
import { choosePodNetwork, createPodNetwork, type PodNetwork } from './pod-network.ts';

/** The Pods' nameserver: nothing answers there (no cluster DNS runs); set so Pods are not warned. */
const CLUSTER_DNS = '10.0.0.10';

export type RealNodeOptions = {
  /** Binaries and pause image; default: resolveNodeAssets(process.env). */
  assets?: NodeAssets;
  /** Parent of the node's folder; default the OS's temporary folder (a disk: the kubelet's nodefs). */
  baseDir?: string;
  /** How long to wait for the Node to turn Ready; default 120 s. */
  readyTimeoutMs?: number;
  /**
   * How long to wait while another real node holds the machine's lock (real-node-lock.ts), then
   * fail with NODE_LOCK_TIMEOUT naming its pid; default 10 minutes, so a second suite waits.
   */
  lockTimeoutMs?: number;
  /** The lock file; default real-node-lock.ts's defaultLockPath() (tests of the lock set their own). */
  lockPath?: string;
  /** Called once when the wait for the lock begins, with its holder (to say why nothing happens). */
  onLockWait?: (holder: LockHolder, path: string) => void;
};

export type RealNode = {
  /** The Node's name, shipshape-node-<id>; its folder, bridge, cgroups and chain carry the id. */
  name: string;
  dir: string;
  /** The bridge, the Pods' /24 and its gateway (the node's address, where the kubelet listens). */
  network: PodNetwork;
  /** containerd's socket, for `ctr --address` (the images and containers are in namespace k8s.io). */
  containerdSocket: string;
  ctr: string;
  kubelet: ManagedProcess;
  containerd: ManagedProcess;
  /**
   * The host's sysctls the kubelet may rewrite, as read under the machine's lock before the node
   * changed anything: what stop() puts back, and what a test checks the host against afterwards
   * (a read before startRealNode could see another node's values while that node still runs).
   */
  hostSysctls: Readonly<Record<string, string>>;
  /** Imports an OCI or docker archive (`podman save`) into the kubelet's image store. */
  importImage(archivePath: string): Promise<void>;
  /**
   * Stops the kubelet, removes every container through containerd, stops containerd, then undoes
   * everything the node changed on the host (node-teardown.ts) and deletes the Node and its
   * ClusterRoleBinding, and releases the machine's real-node lock (even when something is left).
   * Rejects with NODE_TEARDOWN_INCOMPLETE, listing them, when something could
   * not be undone. Safe to call more than once.
   */
  stop(): Promise<void>;
};

// Beside this module: .ts in the sources, .js in a build.
const teardownScript = fileURLToPath(new URL(`./node-teardown-process${extname(import.meta.url)}`, import.meta.url));

/**
 * Waits for the machine's real-node lock (NODE_LOCK_TIMEOUT after `lockTimeoutMs`), then starts a
 * real node against `cp` and resolves once its Node is Ready. Its credentials are a client
 * certificate for system:node:<name> from the harness's CA (node-credentials.ts). Pods reach the
 * apiserver at the `kubernetes` Service (pod-network.ts). If this process ends without stop(), the
 * watchdog runs the same teardown (node-teardown-process.ts). On failure everything is undone and
 * the HarnessError carries the tail of both logs.
 */
export async function startRealNode(cp: ControlPlane, options: RealNodeOptions = {}): Promise<RealNode> {
  const assets = options.assets ?? (await resolveNodeAssets(process.env));
  const id = randomBytes(4).toString('hex');
  const name = `shipshape-node-${id}`;
  const dir = join(options.baseDir ?? tmpdir(), name);
  // Before the host is read: its sysctls are another node's while one runs.
  const lock = await acquireRealNodeLock({
    path: options.lockPath,
    timeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    watchdogPid: watchdogPid(),
    onWait: options.onLockWait,
  });
  const network = choosePodNetwork(id);
  // Written before anything changes on the host: the teardown needs nothing else.
  const plan: NodeTeardownPlan = {
    dir,
    cgroupRoot: name,
    network,
    networkName: name,
    sysctls: readSysctls(),
    hostDirs: readHostDirs(),
    lock: { path: lock.path, pid: lock.pid },
  };
  const planPath = join(dir, 'teardown-plan.json');
  const cleanup = [process.execPath, teardownScript, planPath];
  try {
    await mkdir(dir, { mode: 0o700 });
    await writeFile(planPath, JSON.stringify(plan));
  } catch (err) {
    await lock.release();
    throw err;
  }
  watchCleanup(cleanup);

  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const started: ManagedProcess[] = [];
  let containerd: NodeContainerd | undefined;
  let kubelet: ManagedProcess | undefined;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // A process that fails to stop does not keep the host changed or the lock held: the
      // teardown below is the watchdog's, made for whatever is left running; its error comes after.
      let stopFailure: unknown;
      try {
        await kubelet?.stop(5000);
        if (containerd?.process.isRunning()) await containerd.removeContainers();
        for (const p of [...started].reverse()) await p.stop(5000);
      } catch (err) {
        stopFailure = err;
      }
      const problems = await tearDownNode(plan);
      forgetCleanup(cleanup);
      // Whatever is left: holding the lock would not undo it, and would stop every later node.
      await lock.release();
      await core.deleteNode({ name }).catch(() => {});
      await revokeNodeCredentials(rbac, name);
      if (stopFailure !== undefined) throw stopFailure;
      if (problems.length > 0) {
        throw new HarnessError('NODE_TEARDOWN_INCOMPLETE', `left on the host: ${problems.join('; ')}`);
      }
    })());

  try {
    await createPodNetwork(network, {
      serviceIp: KUBERNETES_SERVICE.ip,
      servicePort: KUBERNETES_SERVICE.port,
      apiserverPort: Number(new URL(cp.server).port),
    });
    createCgroupRoot(plan.cgroupRoot);
    containerd = await startNodeContainerd({ dir, assets, network, networkName: name }, (p) => started.push(p));

    const kubeconfig = await grantNodeCredentials(cp, rbac, name);
    const clientCaFile = join(dir, 'ca.crt');
    await writeFile(clientCaFile, cp.caPem);
    const kubeletConfig = join(dir, 'kubelet.yaml');
    await writeFile(
      kubeletConfig,
      toKubeletConfiguration({
        dir,
        containerdSocket: containerd.socket,
        address: network.gateway,
        port: await findFreePort(),
        healthzPort: await findFreePort(),
        clientCaFile,
        cgroupRoot: `/${plan.cgroupRoot}`,
        clusterDns: CLUSTER_DNS,
      }),
    );
    kubelet = await startProcess(
      'kubelet',
      assets.kubelet,
      [
        `--config=${kubeletConfig}`,
        `--kubeconfig=${kubeconfig}`,
        `--hostname-override=${name}`,
        `--node-ip=${network.gateway}`,
        `--root-dir=${join(dir, 'kubelet')}`,
        `--cert-dir=${join(dir, 'kubelet-pki')}`,
      ],
      join(dir, 'kubelet.log'),
    );
    started.push(kubelet);
    await pollUntil(`Node ${name} Ready`, async () => isReady(await core.readNode({ name })), {
      timeoutMs: options.readyTimeoutMs ?? 120_000,
      intervalMs: 250,
      giveUp: async () => {
        const exited = started.find((p) => !p.isRunning());
        return exited
          ? new Error(`${exited.name} exited (${await exited.exited}) before the Node was Ready`)
          : undefined;
      },
    });
  } catch (err) {
    const tails = await Promise.all(started.map(async (p) => `--- ${p.name} (${p.logPath}) ---\n${await p.tail()}`));
    await stop().catch((stopErr: unknown) => tails.push(String(stopErr)));
    const message = err instanceof Error ? err.message : String(err);
    throw new HarnessError('NODE_START_FAILED', `${message}\n${tails.join('\n')}`, { cause: err });
  }

  const { socket, ctr, process: containerdProcess } = containerd;
  return {
    name,
    dir,
    network,
    containerdSocket: socket,
    ctr: assets.ctr,
    kubelet,
    containerd: containerdProcess,
    hostSysctls: { ...plan.sysctls },
    importImage: async (archivePath) => {
      await ctr(['images', 'import', archivePath]);
    },
    stop,
  };
}

function isReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}
