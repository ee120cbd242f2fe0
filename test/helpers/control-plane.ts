// Test helpers around the real control plane: one per test file, a fresh namespace per test.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import {
  type ControlPlane,
  type ControlPlaneOptions,
  startControlPlane,
} from '../../src/control-plane/control-plane.ts';

type Teardown = { teardown(fn: () => unknown): void };

/**
 * Starts a control plane that is stopped when the test (or file) `t` ends; with the controllers
 * and fake Nodes unless `options` says `nodes: 0`.
 */
export async function useControlPlane(
  t: Teardown,
  options: ControlPlaneOptions = {},
): Promise<{ cp: ControlPlane; kc: KubeConfig }> {
  const cp = await startControlPlane(options);
  t.teardown(() => cp.stop());
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  return { cp, kc };
}

/** Creates a uniquely named namespace that is deleted when `t` ends. */
export async function useNamespace(t: Teardown, kc: KubeConfig, prefix = 'test'): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await core.createNamespace({ body: { metadata: { name } } });
  t.teardown(() => core.deleteNamespace({ name }).catch(() => {}));
  return name;
}
