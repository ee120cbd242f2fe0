// Generated blocks: the committed pages hold what the renderers render today, whole; a stale or
// hand-edited block of any of them is found (and `npm run render:check` fails on it); markers that
// are missing, repeated, unpaired, malformed or unknown are refused, never guessed around.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { BLOCK_RENDERERS } from '../../../src/docs/block-sources.ts';
import {
  blockContent,
  endMarker,
  findBlocks,
  GeneratedBlockError,
  type Page,
  renderPages,
  startMarker,
  withBlocks,
} from '../../../src/docs/generated-blocks.ts';
import { listMarkdownPages } from '../../../src/docs/markdown-pages.ts';

const ROOT = new URL('../../../', import.meta.url);
const NAMES = Object.keys(BLOCK_RENDERERS);
const block = (name: string, content = '') => `${startMarker(name)}\n${content}\n${endMarker(name)}`;
/** One page holding every block, empty, between prose. */
const emptyPage = (): Page => ({
  path: 'docs/all.md',
  text: `# All\n\nProse.\n\n${NAMES.map((n) => `## ${n}\n\n${block(n)}\n`).join('\n')}\nMore prose.\n`,
});
const problems = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof GeneratedBlockError) return err.message;
    throw err;
  }
  return '';
};

t.test('the six blocks: settings, webapp-api, webapp-api-v2, mysqlcluster-api, metrics and cli-help', async (t) => {
  t.strictSame([...NAMES].sort(), [
    'cli-help',
    'metrics',
    'mysqlcluster-api',
    'settings',
    'webapp-api',
    'webapp-api-v2',
  ]);
});

t.test("the repository's pages hold what the renderers render today, whole (fix: npm run render)", async (t) => {
  const root = new URL('.', ROOT).pathname;
  const pages = await Promise.all(
    (await listMarkdownPages(root)).map(async (path) => ({ path, text: await readFile(join(root, path), 'utf8') })),
  );
  const rendered = renderPages(pages, BLOCK_RENDERERS);
  for (const [i, page] of rendered.entries()) t.equal(page.text, pages[i]!.text, page.path);
  const holders = pages.filter((p) => findBlocks(p.text, p.path).length > 0).map((p) => p.path);
  t.ok(holders.length > 0, `pages with blocks: ${holders.join(', ')}`);
});

t.test('rendering fills each block between its markers, blank lines around, and is stable', async (t) => {
  const [page] = renderPages([emptyPage()], BLOCK_RENDERERS);
  for (const name of NAMES) {
    t.equal(blockContent(page!.text, page!.path, name), BLOCK_RENDERERS[name]!(), name);
    t.ok(page!.text.includes(`${startMarker(name)}\n\n${BLOCK_RENDERERS[name]!()}\n\n${endMarker(name)}\n`));
  }
  t.ok(page!.text.startsWith('# All\n\nProse.\n\n## ') && page!.text.endsWith('\nMore prose.\n'), 'prose kept');
  t.strictSame(renderPages([page!], BLOCK_RENDERERS), [page], 'a rendered page renders to itself');
});

t.test('a hand edit inside any block is undone by rendering, so the check fails on it', async (t) => {
  const [page] = renderPages([emptyPage()], BLOCK_RENDERERS);
  for (const name of NAMES) {
    const { start, end } = findBlocks(page!.text, page!.path).find((b) => b.name === name)!;
    const inside = page!.text.slice(start, end);
    const edited = { ...page!, text: page!.text.slice(0, start) + inside.replace(/\w/, 'Z') + page!.text.slice(end) };
    t.not(edited.text, page!.text);
    t.equal(renderPages([edited], BLOCK_RENDERERS)[0]!.text, page!.text, `${name}: the edit is stale`);
    const appended = { ...page!, text: page!.text.slice(0, end) + 'a line of my own\n' + page!.text.slice(end) };
    t.equal(renderPages([appended], BLOCK_RENDERERS)[0]!.text, page!.text, `${name}: an added line is stale`);
  }
});

t.test('a changed source shows in its block alone', async (t) => {
  const [page] = renderPages([emptyPage()], BLOCK_RENDERERS);
  for (const name of NAMES) {
    const changed = { ...BLOCK_RENDERERS, [name]: () => `${BLOCK_RENDERERS[name]!()}\nchanged` };
    const [again] = renderPages([page!], changed);
    t.not(again!.text, page!.text, `${name}: stale once its source changes`);
    for (const other of NAMES) {
      const expected = other === name ? `${BLOCK_RENDERERS[name]!()}\nchanged` : BLOCK_RENDERERS[other]!();
      t.equal(blockContent(again!.text, page!.path, other), expected);
    }
  }
});

t.test('marker problems are refused with the file and line', async (t) => {
  const page = (text: string) => () => findBlocks(text, 'docs/x.md');
  t.match(problems(page(`a\n${startMarker('settings')}\nb`)), /^docs\/x\.md:2: block "settings" has no end marker/);
  t.match(problems(page(`a\n\n${endMarker('settings')}`)), /^docs\/x\.md:3: end of block "settings" without its start/);
  t.match(
    problems(page(`${block('settings')}\n\n${block('settings')}`)),
    /^docs\/x\.md:5: block "settings" again \(first at line 1\)/,
  );
  t.match(
    problems(page(`${startMarker('metrics')}\n${block('settings')}\n${endMarker('metrics')}`)),
    /docs\/x\.md:2: block "settings" starts inside block "metrics" \(line 1\)/,
  );
  t.match(problems(page(`x\n<!-- generated: settings -->\n`)), /^docs\/x\.md:2: malformed marker/);
  t.match(problems(page(`<!-- end generated settings -->`)), /^docs\/x\.md:1: malformed marker/);
  t.match(problems(page(`${startMarker('Settings')}\n${endMarker('Settings')}`)), /malformed marker/);
  t.match(
    problems(page(`${startMarker('settings')}\n${endMarker('metrics')}`)),
    /docs\/x\.md:2: end of block "metrics" inside block "settings"/,
  );
  const many = problems(page(`${endMarker('a')}\n<!-- generated: b -->\n${startMarker('c')}`)).split('\n');
  t.equal(many.length, 3, 'every problem, not the first alone');
});

t.test('a marker inside a fenced code block is text, not a marker', async (t) => {
  const text = `# How\n\n\`\`\`markdown\n${block('settings')}\n<!-- generated: broken\n\`\`\`\n\n${block('metrics')}\n`;
  t.strictSame(
    findBlocks(text, 'x.md').map((b) => b.name),
    ['metrics'],
  );
  t.equal(
    withBlocks(text, 'x.md', () => 'M'),
    text.replace(block('metrics'), block('metrics', '\nM\n')),
  );
});

t.test('across pages: every block in exactly one page, and no block without a renderer', async (t) => {
  const renderers = { one: () => '1', two: () => '2' };
  const a = { path: 'a.md', text: block('one') };
  const b = { path: 'b.md', text: block('two') };
  t.strictSame(
    renderPages([a, b], renderers).map((p) => p.text),
    [block('one', '\n1\n'), block('two', '\n2\n')],
  );
  t.match(
    problems(() => renderPages([a], renderers)),
    /block "two" is in no page/,
  );
  t.match(
    problems(() => renderPages([a, b, { path: 'c.md', text: block('two') }], renderers)),
    /block "two" is in b\.md and c\.md: keep it in one page/,
  );
  t.match(
    problems(() => renderPages([a, b, { path: 'c.md', text: block('three') }], renderers)),
    /c\.md: block "three" has no renderer \(known: one, two\)/,
  );
  const broken = problems(() => renderPages([a, { path: 'b.md', text: `x\n${startMarker('two')}` }], renderers));
  t.match(broken, /b\.md:2: block "two" has no end marker/);
  t.notMatch(broken, /in no page/, 'a page that could not be read is not called empty');
});

/** Runs scripts/render-docs.ts on `root`; its exit code and what it printed. */
function renderDocs(root: string, ...args: string[]): Promise<{ code: number | null; output: string }> {
  const script = new URL('scripts/render-docs.ts', ROOT).pathname;
  const child = spawn(process.execPath, [script, '--root', root, ...args]);
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

t.test('npm run render writes the blocks; render:check fails on a stale, hand-edited or unpaired one', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'shipshape-docs-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, 'docs'));
  const file = join(root, 'docs', 'all.md');
  await writeFile(file, emptyPage().text);
  await writeFile(join(root, 'README.md'), '# Readme\n');

  const stale = await renderDocs(root, '--check');
  t.equal(stale.code, 1, 'empty blocks are stale');
  t.match(
    stale.output,
    /out of date[^]*docs\/all\.md: settings, webapp-api, webapp-api-v2, mysqlcluster-api, metrics, cli-help/,
  );
  t.equal(await readFile(file, 'utf8'), emptyPage().text, '--check writes nothing');

  t.match(await renderDocs(root), { code: 0, output: /wrote docs\/all\.md/ });
  const rendered = await readFile(file, 'utf8');
  t.equal(rendered, renderPages([emptyPage()], BLOCK_RENDERERS)[0]!.text);
  t.match(await renderDocs(root, '--check'), { code: 0, output: '' });

  await writeFile(file, rendered.replace('`shipshape_leader`', '`shipshape_leading`'));
  t.match(await renderDocs(root, '--check'), { code: 1, output: /docs\/all\.md: metrics\n/ }, 'a hand edit');

  await writeFile(file, rendered.replace(endMarker('cli-help'), ''));
  const unpaired = await renderDocs(root, '--check');
  t.equal(unpaired.code, 1);
  t.match(unpaired.output, /docs\/all\.md:\d+: block "cli-help" has no end marker/);

  await writeFile(file, rendered.replace(`${startMarker('settings')}`, ''));
  t.match(await renderDocs(root), { code: 1, output: /end of block "settings" without its start/ }, 'render too');
});
