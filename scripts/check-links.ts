// `node scripts/check-links.ts` exits 1 listing every relative link of the Markdown pages (README.md,
// docs/, SECURITY.md, BENCHMARKS.md, ...: src/docs/markdown-pages.ts) that leads to no file, folder
// or heading, each as file:line (src/docs/relative-links.ts). `--root DIR` checks another checkout.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { listMarkdownPages } from '../src/docs/markdown-pages.ts';
import { brokenLinks } from '../src/docs/relative-links.ts';

const { values } = parseArgs({
  options: { root: { type: 'string', default: fileURLToPath(new URL('..', import.meta.url)) } },
});
const root = resolve(values.root);
const pages = await listMarkdownPages(root);
const broken = await brokenLinks(root, pages);
if (broken.length > 0) {
  const lines = broken.map((b) => `  ${b.file}:${b.line}: ${b.target}: ${b.reason}`);
  console.error(`broken relative links:\n${lines.join('\n')}`);
  process.exitCode = 1;
} else {
  console.log(`relative links resolve (${pages.length} pages)`);
}
