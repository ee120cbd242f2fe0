import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadManifests, parseManifests } from '../../../src/cli/load-manifests.ts';

const FIXTURES = new URL('../../fixtures/cli/', import.meta.url).pathname;
const noStdin = () => Promise.reject(new Error('stdin must not be read'));

t.test('every document of a multi-document file, with its line; empty documents dropped', async (t) => {
  const text = '# a comment\napiVersion: v1\nkind: A\n---\n---\n# only a comment\n---\napiVersion: v1\nkind: B\n';
  const { documents, errors } = parseManifests(text, 'k8s/app.yaml');
  t.strictSame(errors, []);
  t.strictSame(
    documents.map((d) => [d.source, d.line, d.object.kind]),
    [
      ['k8s/app.yaml', 2, 'A'],
      ['k8s/app.yaml', 8, 'B'],
    ],
  );
});

t.test('JSON is read as the YAML it is', async (t) => {
  const { documents, errors } = parseManifests('{\n  "apiVersion": "v1",\n  "kind": "A"\n}\n', 'a.json');
  t.strictSame(errors, []);
  t.strictSame(documents, [{ source: 'a.json', line: 1, object: { apiVersion: 'v1', kind: 'A' } }]);
});

t.test('a List is expanded into its items, each with its own line', async (t) => {
  const text = 'apiVersion: v1\nkind: List\nitems:\n  - kind: A\n  - kind: B\n    apiVersion: v1\n';
  const { documents } = parseManifests(text, 'list.yaml');
  t.strictSame(
    documents.map((d) => [d.line, d.object.kind]),
    [
      [4, 'A'],
      [5, 'B'],
    ],
  );
});

t.test('bad YAML: the file, line and column, the message and the excerpt; other documents still read', async (t) => {
  const text = 'kind: A\n---\nkind: B\nkind: C\n';
  const { documents, errors } = parseManifests(text, 'dup.yaml');
  t.strictSame(
    documents.map((d) => d.object.kind),
    ['A'],
  );
  t.equal(errors.length, 1);
  t.match(errors[0], { source: 'dup.yaml', line: 4, col: 1, message: 'Map keys must be unique' });
  t.match(errors[0]!.excerpt, /kind: C\n\^/);
});

t.test('the broken fixture points at the line where the unclosed sequence ends', async (t) => {
  const { readFile } = await import('node:fs/promises');
  const { documents, errors } = parseManifests(await readFile(`${FIXTURES}broken-yaml.txt`, 'utf8'), 'broken.yaml');
  t.equal(documents.length, 1, 'the first document is read');
  t.match(errors, [{ source: 'broken.yaml', line: 18, col: 3, message: /Flow sequence .* must .* end with a \]/ }]);
});

t.test('a document that is not a mapping is an error, not a silent skip', async (t) => {
  const { documents, errors } = parseManifests('- a\n- b\n---\njust text\n', 'odd.yaml');
  t.strictSame(documents, []);
  t.match(errors, [
    { line: 1, col: 1, message: /expected a Kubernetes object .*, got a list/ },
    { line: 4, col: 1, message: /got a string/ },
  ]);
});

t.test('folders give their manifests in name order; -R descends; other files are not read', async (t) => {
  const flat = await loadManifests([`${FIXTURES}dir`], { recursive: false, readStdin: noStdin });
  t.strictSame(flat.errors, []);
  t.strictSame(
    flat.documents.map((d) => [d.source.slice(FIXTURES.length), d.object.metadata]),
    [
      ['dir/a.yaml', { name: 'a' }],
      ['dir/b.json', { name: 'b' }],
    ],
  );
  const deep = await loadManifests([`${FIXTURES}dir`], { recursive: true, readStdin: noStdin });
  t.strictSame(
    deep.documents.map((d) => d.source.slice(FIXTURES.length)),
    ['dir/a.yaml', 'dir/b.json', 'dir/nested/c.yml'],
  );
});

t.test('stdin is read once, for -, and named "stdin"', async (t) => {
  let reads = 0;
  const readStdin = async () => {
    reads++;
    return 'kind: A\n';
  };
  const { documents } = await loadManifests(['-', `${FIXTURES}allowed.yaml`], { recursive: false, readStdin });
  t.equal(reads, 1);
  t.strictSame(
    documents.map((d) => d.source),
    ['stdin', `${FIXTURES}allowed.yaml`],
  );
});

t.test('a missing path and a folder without manifests are errors', async (t) => {
  const empty = await mkdtemp(join(tmpdir(), 'shipshape-cli-'));
  await mkdir(join(empty, 'sub'));
  await writeFile(join(empty, 'README.md'), '# not a manifest\n');
  const { documents, errors } = await loadManifests(['missing.yaml', empty], { recursive: false, readStdin: noStdin });
  t.strictSame(documents, []);
  t.strictSame(errors, [
    { source: 'missing.yaml', message: 'no such file or folder' },
    { source: empty, message: 'no .yaml, .yml or .json files in this folder' },
  ]);
});

t.test('a folder whose manifests are all in sub-folders hints at -R', async (t) => {
  const top = await mkdtemp(join(tmpdir(), 'shipshape-cli-'));
  await mkdir(join(top, 'apps'));
  await writeFile(join(top, 'apps', 'web.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n');
  const flat = await loadManifests([top], { recursive: false, readStdin: noStdin });
  t.strictSame(flat.errors, [
    {
      source: top,
      message: 'no .yaml, .yml or .json files in this folder; its sub-folders have some: add -R to include them',
    },
  ]);
  const deep = await loadManifests([top], { recursive: true, readStdin: noStdin });
  t.strictSame(deep.errors, []);
  t.equal(deep.documents.length, 1);
});
