// The relative-link check behind `npm run links:check`: on small pages in a scratch folder, each
// broken link is reported with its file, line and why; links that resolve, external links and
// anything inside code are not. The repository's own pages are checked last.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { anchorsOf, slug } from '../../../src/docs/heading-slugs.ts';
import { listMarkdownPages } from '../../../src/docs/markdown-pages.ts';
import { brokenLinks, linksIn } from '../../../src/docs/relative-links.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function scratch(t: { teardown(fn: () => unknown): void }, files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'shipshape-links-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

const PAGES = {
  'README.md': [
    '# Shipshape',
    '',
    'See [installing](docs/install.md), [the API](docs/api.md#spec-fields) and [security](SECURITY.md).',
    'A [missing page](docs/operate.md) and [a folder](deploy/).',
    '![diagram](docs/diagram.svg) and <a href="docs/install.md#upgrade">upgrade</a>.',
    '[external](https://example.com/x.md) and [mail](mailto:a@example.com) and [proto](//example.com/y).',
    '`[in code](docs/nowhere.md)` is text.',
    '',
    '```markdown',
    '[in a code block](docs/nowhere.md)',
    '```',
    '',
    '[ref]: docs/gone.md',
    '[^1]: a footnote, not a link',
  ].join('\n'),
  'SECURITY.md': '# Security\n\nBack to [the top](#security), [nowhere](#insecurity), [root](/README.md#shipshape).\n',
  'docs/install.md': '# Installing\n\n## Upgrade\n\n[Up](../README.md) and [out](../../elsewhere.md).\n',
  'docs/api.md': '# API\n\n## `spec` fields\n\nSee [install](./install.md#upgrading) and [line](install.md#L3).\n',
  'docs/diagram.svg': '<svg/>',
  'deploy/kustomization.yaml': '',
};

t.test('each broken relative link is reported with its file, line and reason', async (t) => {
  const root = await scratch(t, PAGES);
  const broken = await brokenLinks(root, await listMarkdownPages(root));
  t.strictSame(
    broken.map((b) => `${b.file}:${b.line}: ${b.target}: ${b.reason}`),
    [
      'README.md:4: docs/operate.md: no such file or folder docs/operate.md',
      'README.md:13: docs/gone.md: no such file or folder docs/gone.md',
      'SECURITY.md:3: #insecurity: no heading or id "insecurity" in SECURITY.md',
      'docs/api.md:5: ./install.md#upgrading: no heading or id "upgrading" in docs/install.md',
      'docs/install.md:5: ../../elsewhere.md: outside the repository',
    ],
  );
});

t.test('the links of a page: inline, images, HTML, definitions; not code, not footnotes', async (t) => {
  t.strictSame(
    linksIn(PAGES['README.md']).map((l) => `${l.line} ${l.target}`),
    [
      '3 docs/install.md',
      '3 docs/api.md#spec-fields',
      '3 SECURITY.md',
      '4 docs/operate.md',
      '4 deploy/',
      '5 docs/diagram.svg',
      '5 docs/install.md#upgrade',
      '6 https://example.com/x.md',
      '6 mailto:a@example.com',
      '6 //example.com/y',
      '13 docs/gone.md',
    ],
  );
  t.strictSame(
    linksIn('[a](<with space.md>) [b](c.md "title") [d](e_(f).md) [``g`h``](i.md)').map((l) => l.target),
    ['with space.md', 'c.md', 'e_(f).md', 'i.md'],
  );
});

t.test('anchors as GitHub makes them: slugs of headings, repeats numbered, HTML ids', async (t) => {
  t.equal(slug('What it counts: `npm run dev`!'), 'what-it-counts-npm-run-dev');
  t.equal(slug('Ünïcode & spaces -- kept_under'), 'ünïcode--spaces----kept_under');
  const page = [
    '# Shipshape',
    '## The `spec` *fields*',
    '## Links: [the API](api.md)',
    '## FAQ',
    '## FAQ',
    'FAQ',
    '---',
    '',
    'Setext',
    '======',
    '',
    '```',
    '# not a heading',
    '```',
    '- item',
    '---',
    '<a id="custom-anchor"></a> and <span name="other"></span>',
    '### Closed ###',
  ].join('\n');
  t.strictSame(
    [...anchorsOf(page)].sort(),
    [
      'closed',
      'custom-anchor',
      'faq',
      'faq-1',
      'faq-2',
      'links-the-api',
      'other',
      'setext',
      'shipshape',
      'the-spec-fields',
    ].sort(),
  );
});

/** Runs scripts/check-links.ts on `root`. */
function checkLinks(root: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'scripts/check-links.ts'), '--root', root]);
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

t.test('npm run links:check fails on a broken link, naming it, and passes when all resolve', async (t) => {
  const root = await scratch(t, PAGES);
  const failed = await checkLinks(root);
  t.equal(failed.code, 1);
  t.match(failed.output, /broken relative links:\n {2}README\.md:4: docs\/operate\.md: no such file or folder/);
  const fine = await scratch(t, { 'README.md': '# A\n\n[b](docs/b.md#b)\n', 'docs/b.md': '# B\n' });
  t.match(await checkLinks(fine), { code: 0, output: /relative links resolve \(2 pages\)/ });
});

t.test("the repository's own pages have no broken relative link", async (t) => {
  const pages = await listMarkdownPages(ROOT);
  t.ok(pages.includes('README.md') && pages.includes('SECURITY.md'), pages.join(', '));
  t.strictSame(await brokenLinks(ROOT, pages), []);
});
