// The real node's containerd (real-node.ts): its config and the CNI network written into the
// node's folder, the process, a ctr client for the kubelet's namespace (k8s.io), and the removal
// of every container before containerd stops, so no shim outlives it.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { type ManagedProcess, startProcess } from '../runtime/child-process.ts';
import { pollUntil } from '../runtime/poll.ts';
import type { NodeAssets } from './node-assets.ts';
import { toBridgeConflist, toContainerdConfig } from './node-config.ts';
import type { PodNetwork } from './pod-network.ts';

const execFileAsync = promisify(execFile);

export type NodeContainerd = {
  process: ManagedProcess;
  socket: string;
  /** Runs `ctr` against this containerd, in namespace k8s.io; rejects on a non-zero exit. */
  ctr(args: string[]): Promise<{ stdout: string }>;
  /** Kills and deletes every task and container; what is already gone is skipped. */
  removeContainers(): Promise<void>;
};

export type NodeContainerdInput = {
  dir: string;
  assets: NodeAssets;
  network: PodNetwork;
  /** The CNI network's name (libcni names its cache entries after it). */
  networkName: string;
};

/**
 * Writes the configs, starts containerd (handing the process to `onStarted` at once, so a caller
 * can stop it whatever fails next), waits until it answers and imports the pause image, which its
 * CRI plugin pins as the sandbox image.
 */
export async function startNodeContainerd(
  { dir, assets, network, networkName }: NodeContainerdInput,
  onStarted: (p: ManagedProcess) => void,
): Promise<NodeContainerd> {
  const socket = join(dir, 'containerd.sock');
  const cniConfDir = join(dir, 'cni', 'net.d');
  await mkdir(cniConfDir, { recursive: true });
  const conflist = toBridgeConflist({
    name: networkName,
    bridge: network.bridge,
    subnet: network.subnet,
    gateway: network.gateway,
    ipamDataDir: join(dir, 'cni', 'ipam'),
  });
  await writeFile(join(cniConfDir, '10-shipshape.conflist'), conflist);
  const config = join(dir, 'containerd.toml');
  await writeFile(
    config,
    toContainerdConfig({
      dir: join(dir, 'containerd'),
      socket,
      runc: assets.runc,
      cniBinDir: assets.cniBinDir,
      cniConfDir,
      pauseImage: assets.pauseImage,
    }),
  );
  const daemon = await startProcess(
    'containerd',
    assets.containerd,
    ['--config', config],
    join(dir, 'containerd.log'),
    {
      // containerd finds its shim on the PATH.
      env: { ...process.env, PATH: `${dirname(assets.containerdShim)}:${process.env.PATH ?? ''}` },
    },
  );
  onStarted(daemon);
  const ctr = (args: string[]) =>
    execFileAsync(assets.ctr, ['--address', socket, '--namespace', 'k8s.io', ...args], { timeout: 60_000 });
  await pollUntil('containerd answering on its socket', async () => Boolean(await ctr(['version'])), {
    timeoutMs: 30_000,
    intervalMs: 100,
    giveUp: async () =>
      daemon.isRunning() ? undefined : new Error(`containerd exited (${await daemon.exited}) before it answered`),
  });
  await ctr(['images', 'import', assets.pauseArchive]);

  return {
    process: daemon,
    socket,
    ctr,
    async removeContainers() {
      const { stdout } = await ctr(['containers', 'ls', '--quiet']).catch(() => ({ stdout: '' }));
      for (const id of stdout.split('\n').filter(Boolean)) {
        await ctr(['tasks', 'delete', '--force', id]).catch(() => {});
        await ctr(['containers', 'delete', id]).catch(() => {});
      }
    },
  };
}
