import { resolveAssets } from '../../src/control-plane/assets.ts';
import { runCommand } from './run-command.ts';

export type KubectlResult = { code: number; stdout: string; stderr: string };

/**
 * The kubectl of the control plane's own release (the machine's may be outside the supported
 * version skew), as scripts/install-control-plane.sh built it.
 */
export const kubectlPath: Promise<string> = resolveAssets(process.env).then((a) => a.kubectl);

/** Runs that kubectl with `kubeconfig`; never rejects on a non-zero exit. */
export async function kubectl(kubeconfig: string, args: string[], input?: string): Promise<KubectlResult> {
  const result = await runCommand(await kubectlPath, ['--kubeconfig', kubeconfig, ...args], { input: input ?? '' });
  return { ...result, code: result.code ?? -1 };
}
