import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { kubectl } from './kubectl.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * As a user installs them, with kubectl: the rendered CRDs, Namespace and RBAC; resolves once the
 * CRDs are Established. Throws with kubectl's stderr when the apply fails.
 */
export async function applyCrdAndRbac(kubeconfig: string): Promise<void> {
  const files = [
    'crds/webapps.shipshape.dev.yaml',
    'crds/mysqlclusters.shipshape.dev.yaml',
    'deploy/namespace.yaml',
    'deploy/rbac.yaml',
  ];
  const applied = await kubectl(kubeconfig, ['apply', ...files.flatMap((f) => ['-f', join(ROOT, f)])]);
  if (applied.code !== 0) throw new Error(`kubectl apply: ${applied.stderr}`);
  await kubectl(kubeconfig, [
    'wait',
    '--for=condition=Established',
    'crd/webapps.shipshape.dev',
    'crd/mysqlclusters.shipshape.dev',
  ]);
}
