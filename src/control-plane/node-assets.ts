// Where scripts/install-node.sh leaves the real node's binaries and pause image, found from the same
// versions files and cache key.
import { access, constants, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { controlPlaneVersions } from './assets.ts';
import { HarnessError } from './harness-error.ts';
import { readVersionsFile } from './versions-file.ts';

export type NodeAssets = {
  kubelet: string;
  containerd: string;
  /** containerd finds it on its PATH, so its folder goes first there. */
  containerdShim: string;
  ctr: string;
  runc: string;
  /** Holds the CNI plugins bridge, host-local, loopback and portmap. */
  cniBinDir: string;
  /** An OCI archive for `ctr images import`. */
  pauseArchive: string;
  /** The name the archive carries, e.g. localhost/shipshape/pause:3.10.2. */
  pauseImage: string;
};

export type NodeVersions = { kubernetes: string; containerd: string; runc: string; cniPlugins: string };

const versionsFile = new URL('../../scripts/node.versions', import.meta.url);

/** scripts/node.versions, with the kubelet at the control plane's Kubernetes release. */
export function nodeVersions(env: NodeJS.ProcessEnv): NodeVersions {
  const read = readVersionsFile(versionsFile);
  return {
    kubernetes: controlPlaneVersions(env).kubernetes,
    containerd: read('CONTAINERD_VERSION'),
    runc: read('RUNC_VERSION'),
    cniPlugins: read('CNI_PLUGINS_VERSION'),
  };
}

/** The cache key of scripts/install-node.sh: it names every version it holds. */
export function nodeAssetsKey(v: NodeVersions): string {
  return `k8s-${v.kubernetes}-containerd-${v.containerd}-runc-${v.runc}-cni-${v.cniPlugins}`;
}

/**
 * The node's files in the per-machine cache. Throws CP_ASSETS_MISSING, naming the install script,
 * when one is missing.
 */
export async function resolveNodeAssets(env: NodeJS.ProcessEnv): Promise<NodeAssets> {
  const cacheRoot = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  const dir = join(cacheRoot, 'shipshape', 'node', nodeAssetsKey(nodeVersions(env)));
  const bin = (name: string) => join(dir, 'bin', name);
  const cniBinDir = join(dir, 'cni');
  const executables = [
    ...['kubelet', 'containerd', 'containerd-shim-runc-v2', 'ctr', 'runc'].map(bin),
    ...['bridge', 'host-local', 'loopback', 'portmap'].map((name) => join(cniBinDir, name)),
  ];
  const pauseArchive = join(dir, 'pause.tar');
  const usable = await Promise.all([
    ...executables.map((path) =>
      access(path, constants.X_OK).then(
        () => true,
        () => false,
      ),
    ),
    access(pauseArchive, constants.R_OK).then(
      () => true,
      () => false,
    ),
  ]);
  const pauseImage = await readFile(join(dir, 'pause.ref'), 'utf8').then(
    (s) => s.trim(),
    () => '',
  );
  if (!usable.every(Boolean) || !pauseImage) {
    throw new HarnessError(
      'CP_ASSETS_MISSING',
      `the real node's binaries or pause image are not all in ${dir}; run \`bash scripts/install-node.sh\``,
    );
  }
  return {
    kubelet: bin('kubelet'),
    containerd: bin('containerd'),
    containerdShim: bin('containerd-shim-runc-v2'),
    ctr: bin('ctr'),
    runc: bin('runc'),
    cniBinDir,
    pauseArchive,
    pauseImage,
  };
}
