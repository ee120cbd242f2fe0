// `node scripts/render-docs.ts` writes every generated block of the Markdown pages from its source
// (src/docs/block-sources.ts; the markers are described in src/docs/generated-blocks.ts).
// `--check` writes nothing and exits 1 naming each page whose blocks are stale or hand-edited, and
// every marker problem (each as file:line). `--root DIR` works on another checkout's pages.
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BLOCK_RENDERERS } from '../src/docs/block-sources.ts';
import { findBlocks, GeneratedBlockError, type Page, renderPages } from '../src/docs/generated-blocks.ts';
import { listMarkdownPages } from '../src/docs/markdown-pages.ts';

const { values } = parseArgs({
  options: {
    check: { type: 'boolean', default: false },
    root: { type: 'string', default: fileURLToPath(new URL('..', import.meta.url)) },
  },
});
const root = resolve(values.root);

const pages: Page[] = await Promise.all(
  (await listMarkdownPages(root)).map(async (path) => ({ path, text: await readFile(resolve(root, path), 'utf8') })),
);

/** The names of the blocks whose text differs between two versions of a page. */
function changedBlocks(before: Page, after: Page): string[] {
  const content = (page: Page) =>
    new Map(findBlocks(page.text, page.path).map((b) => [b.name, page.text.slice(b.start, b.end)]));
  const old = content(before);
  return [...content(after)].filter(([name, text]) => old.get(name) !== text).map(([name]) => name);
}

let rendered: Page[] = [];
try {
  rendered = renderPages(pages, BLOCK_RENDERERS);
} catch (err) {
  if (!(err instanceof GeneratedBlockError)) throw err;
  console.error(`generated blocks:\n${err.message.replaceAll(/^/gm, '  ')}`);
  process.exitCode = 1;
}

const stale = rendered.filter((page, i) => page.text !== pages[i]!.text);
if (values.check && stale.length > 0) {
  const lines = stale.map(
    (page) =>
      `  ${page.path}: ${changedBlocks(
        pages.find((p) => p.path === page.path)!,
        page,
      ).join(', ')}`,
  );
  console.error(`generated blocks out of date (run \`npm run render\` and commit the result):\n${lines.join('\n')}`);
  process.exitCode = 1;
} else if (!values.check && rendered.length > 0) {
  for (const page of stale) await writeFile(resolve(root, page.path), page.text);
  console.log(stale.length > 0 ? `wrote ${stale.map((p) => p.path).join(', ')}` : 'generated blocks up to date');
}
