import { access, constants } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { HarnessError } from './harness-error.ts';
import { readVersionsFile } from './versions-file.ts';

/** What scripts/install-control-plane.sh provides, by file name: binaries and kwok's Stages. */
const FILES = {
  etcd: 'etcd',
  kubeApiserver: 'kube-apiserver',
  kubeControllerManager: 'kube-controller-manager',
  kubeScheduler: 'kube-scheduler',
  kubectl: 'kubectl',
  kwok: 'kwok',
  kwokStages: 'kwok-stages.yaml',
} as const;

export type ControlPlaneAssets = Record<keyof typeof FILES, string>;

export type ControlPlaneVersions = { kubernetes: string; etcd: string; kwok: string };

const versionsFile = new URL('../../scripts/control-plane.versions', import.meta.url);

/**
 * The versions the install script builds: scripts/control-plane.versions, with
 * SHIPSHAPE_KUBERNETES_VERSION overriding the Kubernetes release (as in the script).
 */
export function controlPlaneVersions(env: NodeJS.ProcessEnv): ControlPlaneVersions {
  const read = readVersionsFile(versionsFile);
  const kubernetes = (env.SHIPSHAPE_KUBERNETES_VERSION || read('KUBERNETES_VERSION')).replace(/^v/, '');
  return { kubernetes, etcd: read('ETCD_VERSION'), kwok: read('KWOK_VERSION') };
}

/** The cache key of scripts/install-control-plane.sh: it names every version it holds. */
export function assetsKey(versions: ControlPlaneVersions): string {
  return `k8s-${versions.kubernetes}-etcd-${versions.etcd}-kwok-${versions.kwok}`;
}

async function isUsable(path: string): Promise<boolean> {
  return access(path, path.endsWith('.yaml') ? constants.R_OK : constants.X_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Finds the control plane's binaries the way scripts/install-control-plane.sh leaves them:
 * `KUBEBUILDER_ASSETS` first (envtest's convention), then the per-machine cache. Throws
 * CP_ASSETS_MISSING, naming the install script, when neither holds all of them.
 */
export async function resolveAssets(env: NodeJS.ProcessEnv): Promise<ControlPlaneAssets> {
  const cacheRoot = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  const key = assetsKey(controlPlaneVersions(env));
  const candidates = [env.KUBEBUILDER_ASSETS, join(cacheRoot, 'shipshape', 'control-plane', key, 'bin')];
  for (const dir of candidates) {
    if (!dir) continue;
    const assets = Object.fromEntries(
      Object.entries(FILES).map(([name, file]) => [name, join(dir, file)]),
    ) as ControlPlaneAssets;
    const present = await Promise.all(Object.values(assets).map(isUsable));
    if (present.every(Boolean)) return assets;
  }
  throw new HarnessError(
    'CP_ASSETS_MISSING',
    `${Object.values(FILES).join(', ')} not all found in ${candidates.filter(Boolean).join(' or ')}; ` +
      'run `bash scripts/install-control-plane.sh` (or set KUBEBUILDER_ASSETS)',
  );
}
