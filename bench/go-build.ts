// The benchmarks' Go programs (bench/reference-webhook/, bench/fixed-rate-client/), built with the
// machine's Go into a cache outside the repo, keyed by the program's source and the Go version so
// an edit or a new toolchain rebuilds it. Standard library only: nothing is downloaded.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

function goBinary(): string {
  for (const candidate of [process.env.GO, '/usr/local/go/bin/go', 'go']) {
    if (!candidate) continue;
    try {
      execFileSync(candidate, ['version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // next
    }
  }
  throw new Error('no Go toolchain (set GO, or install Go at /usr/local/go): bench/setup.sh says how');
}

type GoProgram = 'reference-webhook' | 'fixed-rate-client';
const built = new Map<GoProgram, string>();

/**
 * Builds bench/<program>/main.go unless this source was built before; returns the binary's path.
 * Looked up once per process: fixed-rate.ts asks before every measurement.
 */
export function buildGoProgram(program: GoProgram): string {
  const known = built.get(program);
  if (known) return known;
  const go = goBinary();
  const source = join(here, program, 'main.go');
  const version = execFileSync(go, ['version'], { encoding: 'utf8' }).trim();
  const key = createHash('sha256').update(readFileSync(source)).update(version).digest('hex').slice(0, 16);
  const dir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'shipshape', 'bench');
  const binary = join(dir, `${program}-${key}`);
  if (!existsSync(binary)) {
    mkdirSync(dir, { recursive: true });
    execFileSync(go, ['build', '-trimpath', '-o', binary, 'main.go'], {
      cwd: join(here, program),
      stdio: 'inherit',
      env: { ...process.env, CGO_ENABLED: '0' },
    });
  }
  built.set(program, binary);
  return binary;
}
