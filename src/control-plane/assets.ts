import { access, constants } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { HarnessError } from './harness-error.ts';

/** Must match KEY in scripts/install-control-plane.sh. */
export const ASSETS_KEY = 'k8s-1.20.2-etcd-3.4';

export type ControlPlaneAssets = { etcd: string; kubeApiserver: string };

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Finds etcd and kube-apiserver the way scripts/install-control-plane.sh leaves them:
 * `KUBEBUILDER_ASSETS` first (envtest's convention), then the per-machine cache.
 * Throws CP_ASSETS_MISSING, naming the install script, when neither holds both.
 */
export async function resolveAssets(env: NodeJS.ProcessEnv): Promise<ControlPlaneAssets> {
  const cacheRoot = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  const candidates = [env.KUBEBUILDER_ASSETS, join(cacheRoot, 'shipshape', 'control-plane', ASSETS_KEY, 'bin')];
  for (const dir of candidates) {
    if (!dir) continue;
    const assets = { etcd: join(dir, 'etcd'), kubeApiserver: join(dir, 'kube-apiserver') };
    if ((await isExecutable(assets.etcd)) && (await isExecutable(assets.kubeApiserver))) return assets;
  }
  throw new HarnessError(
    'CP_ASSETS_MISSING',
    `etcd and kube-apiserver not found in ${candidates.filter(Boolean).join(' or ')}; ` +
      'run `bash scripts/install-control-plane.sh` (or set KUBEBUILDER_ASSETS)',
  );
}
