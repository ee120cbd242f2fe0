// The compiled server as `npm start` and the image run it, built for the benchmarks into
// .shipshape/bench-dist/ (ignored by git) so a benchmark never replaces the dist/ that someone
// else may be running. Node finds node_modules from there by walking up to the checkout.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
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

/**
 * The same for a git revision, checked out into a temporary worktree that shares this checkout's
 * node_modules (as bench/compare.ts does), so that a benchmark measures a commit and not whatever
 * is uncommitted in the tree. `remove()` deletes the worktree and its build (once; again is harmless).
 */
export function buildCompiledRevision(revision: string): { outDir: string; commit: string; remove(): void } {
  const git = (...args: string[]) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim();
  const commit = git('rev-parse', '--short', revision);
  mkdirSync(`${root}.shipshape`, { recursive: true });
  const tree = mkdtempSync(`${root}.shipshape/bench-tree-`);
  git('worktree', 'add', '--detach', tree, commit);
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    git('worktree', 'remove', '--force', tree);
    rmSync(tree, { recursive: true, force: true });
  };
  try {
    symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'));
    const outDir = join(tree, 'dist');
    execFileSync(
      process.execPath,
      [`${root}node_modules/typescript/bin/tsc`, '-p', join(tree, 'tsconfig.build.json'), '--outDir', outDir],
      { stdio: 'inherit' },
    );
    return { outDir, commit, remove };
  } catch (err) {
    remove();
    throw err;
  }
}
