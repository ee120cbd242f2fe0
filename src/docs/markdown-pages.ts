// The project's Markdown pages: every *.md file under the repository root, outside what git
// ignores wholesale (node_modules, dist, ...) and hidden folders. Generated blocks are looked for,
// and relative links checked, in these.
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Folders never searched: dependencies, build output, tool state, test fixtures. */
const SKIPPED = new Set(['node_modules', 'dist', 'coverage', 'fixtures', 'fixture']);

/** Paths relative to `root`, with `/`, sorted. */
export async function listMarkdownPages(root: string): Promise<string[]> {
  const pages: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || SKIPPED.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && entry.name.endsWith('.md')) pages.push(relative(root, path).replaceAll('\\', '/'));
    }
  }
  await walk(root);
  return pages.sort();
}
