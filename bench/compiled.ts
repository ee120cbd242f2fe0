// The compiled server as `npm start` and the image run it, built for the benchmarks into
// .shipshape/bench-dist/ (ignored by git) so a benchmark never replaces the dist/ that someone
// else may be running. Node finds node_modules from there by walking up to the checkout.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Compiles src/ and webhooks/ with tsconfig.build.json; returns the output folder. */
export function buildCompiled(): string {
  const outDir = `${root}.shipshape/bench-dist`;
  execFileSync(
    process.execPath,
    [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`, '--outDir', outDir],
    {
      stdio: 'inherit',
    },
  );
  return outDir;
}
