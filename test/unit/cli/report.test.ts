import { parse } from 'yaml';
import t from 'tap';
import { unifiedDiff } from '../../../src/cli/line-diff.ts';
import { type Entry, formatError, formatReport, toExitCode, toReport } from '../../../src/cli/report.ts';
import { VALIDATING_WEBHOOK_NAME } from '../../../src/constants.ts';

t.test('unifiedDiff: hunks with three lines of context, merged when close, empty when equal', async (t) => {
  const before = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'].join('\n');
  const after = ['a', 'B', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm'].join('\n');
  t.equal(unifiedDiff(before, before, 'x', 'y'), '');
  t.equal(
    unifiedDiff(before, after, 'x', 'y'),
    [
      '--- x',
      '+++ y',
      '@@ -1,5 +1,5 @@',
      ' a',
      '-b',
      '+B',
      ' c',
      ' d',
      ' e',
      '@@ -10,3 +10,4 @@',
      ' j',
      ' k',
      ' l',
      '+m',
      '',
    ].join('\n'),
  );
  const close = unifiedDiff(before, before.replace('b', 'B').replace('h', 'H'), 'x', 'y');
  t.equal(close.match(/^@@/gm)?.length, 1, 'changes six lines apart share a hunk');
  t.match(close, /^@@ -1,11 \+1,11 @@$/m);
  t.equal(unifiedDiff('a\nb\n', 'a\nx\nb\n', 'x', 'y'), '--- x\n+++ y\n@@ -1,2 +1,3 @@\n a\n+x\n b\n');
  t.equal(unifiedDiff('', 'a\n', 'x', 'y'), '--- x\n+++ y\n@@ -0,0 +1 @@\n+a\n', 'an empty side names the line before');
  t.equal(unifiedDiff('a\nb\nc\n', 'a\nc\n', 'x', 'y'), '--- x\n+++ y\n@@ -1,3 +1,2 @@\n a\n-b\n c\n');
});

const object = { apiVersion: 'shipshape.dev/v1', kind: 'WebApp', metadata: { name: 'w' }, spec: { image: 'a:1' } };
const defaulted = { ...object, spec: { image: 'a:1', replicas: 1 } };
const common = { apiVersion: 'shipshape.dev/v1', kind: 'WebApp', namespace: 'ns' };
const entries: Entry[] = [
  {
    ...common,
    name: 'w',
    document: { source: 'a.yaml', line: 2, object },
    target: { object, namespace: 'ns' },
    review: {
      operation: 'CREATE',
      allowed: true,
      reasons: [],
      warnings: ['spec.image: pin it'],
      patch: [{ op: 'add', path: '/spec/replicas', value: 1 }],
      object: defaulted,
    },
  },
  {
    ...common,
    name: 'w',
    document: { source: 'b.yaml', line: 1, object },
    target: { object, namespace: 'ns' },
    review: {
      operation: 'UPDATE',
      allowed: false,
      deniedBy: VALIDATING_WEBHOOK_NAME,
      message: 'WebApp "w" is invalid: x: 1; y: 2',
      reasons: ['x: 1', 'y: 2'],
      warnings: [],
      patch: [],
      object,
    },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    namespace: 'ns',
    name: 'd',
    document: { source: 'b.yaml', line: 9, object: {} },
    skipped: 'not a shipshape.dev/v1 WebApp',
  },
];
const error = { source: 'c.yaml', line: 3, col: 7, message: 'Map keys must be unique', excerpt: 'a: 1\n^' };

t.test('exit codes: 2 on any input error, else 1 on any denial, else 0', async (t) => {
  t.equal(toExitCode([], []), 0);
  t.equal(toExitCode([entries[0]!, entries[2]!], []), 0, 'skipped documents do not fail a review');
  t.equal(toExitCode(entries, []), 1);
  t.equal(toExitCode([entries[0]!], [error]), 2);
});

t.test('errors name the file, line and column, then the excerpt', async (t) => {
  t.equal(formatError(error), 'c.yaml:3:7: Map keys must be unique\n    a: 1\n    ^');
  t.equal(formatError({ source: 'gone.yaml', message: 'no such file or folder' }), 'gone.yaml: no such file or folder');
});

t.test('-o patch: a line per document, its reasons and warnings, the patch, a summary', async (t) => {
  const { stdout, stderr } = formatReport(entries, [error], 'patch');
  t.equal(stderr, `${formatError(error)}\n`);
  t.equal(
    stdout,
    [
      'ALLOWED  WebApp ns/w (a.yaml:2, CREATE)',
      '  warning: spec.image: pin it',
      '  patch:',
      '    {"op":"add","path":"/spec/replicas","value":1}',
      '',
      'DENIED   WebApp ns/w (b.yaml:1, UPDATE)',
      `  denied by admission webhook "${VALIDATING_WEBHOOK_NAME}"`,
      '  reason: x: 1',
      '  reason: y: 2',
      '  patch: none',
      'SKIPPED  apps/v1 Deployment ns/d (b.yaml:9): not a shipshape.dev/v1 WebApp',
      '',
      '2 WebApps reviewed: 1 allowed, 1 denied; 1 document skipped; 1 input error (see above).',
      '',
    ].join('\n'),
  );
});

t.test('-o diff: the YAML before and after defaulting', async (t) => {
  const { stdout } = formatReport([entries[0]!], [], 'diff');
  t.match(stdout, '  --- WebApp ns/w as written\n  +++ WebApp ns/w defaulted\n');
  t.match(stdout, '\n     image: a:1\n  +  replicas: 1\n');
  t.match(formatReport([entries[1]!], [], 'diff').stdout, '  (defaulting changes nothing)');
});

t.test('-o json and -o yaml: the same machine-readable report', async (t) => {
  const report = toReport(entries, [error]);
  t.strictSame(JSON.parse(formatReport(entries, [error], 'json').stdout), report);
  t.strictSame(parse(formatReport(entries, [error], 'yaml').stdout), report);
  t.match(report.results, [
    { file: 'a.yaml', line: 2, name: 'w', result: 'ALLOWED', warnings: ['spec.image: pin it'], object: defaulted },
    { result: 'DENIED', deniedBy: VALIDATING_WEBHOOK_NAME, reasons: ['x: 1', 'y: 2'], operation: 'UPDATE' },
    { kind: 'Deployment', result: 'SKIPPED', reason: 'not a shipshape.dev/v1 WebApp' },
  ]);
  t.strictSame(report.summary, { allowed: 1, denied: 1, skipped: 1, errors: 1 });
});
