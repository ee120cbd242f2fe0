import { spawn } from 'node:child_process';
import { resolveAssets } from '../../src/control-plane/assets.ts';

export type KubectlResult = { code: number; stdout: string; stderr: string };

/**
 * The kubectl of the control plane's own release (the machine's may be outside the supported
 * version skew), as scripts/install-control-plane.sh built it.
 */
export const kubectlPath: Promise<string> = resolveAssets(process.env).then((a) => a.kubectl);

/** Runs that kubectl with `kubeconfig`; never rejects on a non-zero exit. */
export async function kubectl(kubeconfig: string, args: string[], input?: string): Promise<KubectlResult> {
  const command = await kubectlPath;
  return new Promise((resolve, reject) => {
    const child = spawn(command, ['--kubeconfig', kubeconfig, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}
