import { mkdtempSync, readdirSync, realpathSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A checkout of this repository for a test that runs `npm run dev` as a user would: a new
 * temporary folder (its real path) of links to everything but the dev loop's own state, so its
 * .shipshape/dev and certs/dev are not a developer's running dev loop's. Remove it when done.
 *
 * Anything that writes through a link writes into this repository. One thing replaces a link
 * instead: the first `npx shipshape` in a folder installs that folder into npm's npx cache and runs
 * its `prepare` script, `npm run build`, whose `rm -rf dist` removes the `dist` link; tsc then
 * writes a `dist` of the checkout's own (and fails, leaving none, when the sources do not compile).
 */
export function linkCheckout(prefix: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  for (const entry of readdirSync(REPO))
    if (!['.git', '.shipshape', '.tap', 'certs'].includes(entry)) symlinkSync(join(REPO, entry), join(dir, entry));
  return dir;
}
