// The repository's build scripts run from the dev loop (scripts/dev.ts), which follow one contract:
// progress on stderr, results as the last lines of stdout (scripts/install-node.sh,
// scripts/build-workload-image.sh).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Runs `bash scripts/<name>` from the repository's root, its stderr passed through so its progress
 * shows, and resolves with the last `count` lines of its stdout; rejects, with that stdout's tail,
 * when it fails.
 */
export function runRepoScript(name: string, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [`scripts/${name}`], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const lines = stdout.trim().split('\n');
      if (code === 0 && lines.length >= count) resolve(lines.slice(-count));
      else reject(new Error(`scripts/${name} failed (${signal ?? code}):\n${lines.slice(-20).join('\n')}`));
    });
  });
}
