// `shipshape` as a user runs it: a child process on the fixture files, judged by what it prints
// and by its exit code (0 allowed, 1 denied, 2 bad input or usage). No apiserver needed.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import t from 'tap';
import { findFreePort } from '../../src/net/free-port.ts';
import { type CommandResult as Run, runCommand } from '../helpers/run-command.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = 'src/cli/main.ts';
const F = 'test/fixtures/cli';

/** Runs the CLI from the repository root, as `npx shipshape` does. */
function shipshape(args: string[], input = ''): Promise<Run> {
  return runCommand(process.execPath, [MAIN, ...args], { cwd: ROOT, input });
}

type Result = {
  file: string;
  line: number;
  name: string;
  namespace: string;
  operation?: string;
  result: string;
  reasons?: string[];
  warnings?: string[];
  patch?: unknown[];
  object?: { spec: Record<string, unknown>; metadata: Record<string, unknown> };
};
type Report = { results: Result[]; errors: unknown[]; summary: Record<string, number> };

async function report(args: string[], input?: string): Promise<Run & { report: Report }> {
  const run = await shipshape(['review', '-o', 'json', ...args], input);
  return { ...run, report: JSON.parse(run.stdout) as Report };
}

t.test('allowed: exit 0, ALLOWED, the diff of what defaulting adds, no warning', async (t) => {
  const run = await shipshape(['review', '-f', `${F}/allowed.yaml`]);
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stderr, '');
  t.match(run.stdout, /^ALLOWED {2}WebApp default\/shop \(test\/fixtures\/cli\/allowed\.yaml:2, CREATE\)\n/);
  t.match(run.stdout, '  --- WebApp default/shop as written\n  +++ WebApp default/shop defaulted\n');
  t.match(run.stdout, /^ {2}\+ {2}replicas: 1$/m);
  t.match(run.stdout, /^ {2}\+ {4}app\.kubernetes\.io\/managed-by: shipshape$/m);
  t.notMatch(run.stdout, /warning:/);
  t.match(run.stdout, /\n1 WebApp reviewed: 1 allowed, 0 denied\.\n$/);
});

t.test('denied: exit 1, DENIED with every reason', async (t) => {
  const run = await shipshape(['review', '-f', `${F}/denied.yaml`]);
  t.equal(run.code, 1, run.stderr);
  t.match(run.stdout, /^DENIED {3}WebApp team-a\/my\.app /);
  t.match(run.stdout, '  denied by admission webhook "validate.webapps.shipshape.dev"\n');
  const reasons = [...run.stdout.matchAll(/^ {2}reason: (.*)$/gm)].map((m) => m[1]);
  t.strictSame(reasons, [
    `metadata.name: "my.app" must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter, ending with a letter or digit, at most 63 characters)`,
    'spec.image: "Registry/Nginx:1.27" is not a valid image reference',
    'spec.replicas: 50 exceeds the maximum of 10',
    'spec.port: 80 is below the minimum of 1024',
    'spec.env[1].name: duplicate name "FOO" (also at spec.env[0])',
    'spec.resources.limits.cpu: 100m is below the request of 200m',
  ]);
});

t.test('warnings: printed, and the WebApp still allowed', async (t) => {
  const run = await shipshape(['review', '-f', `${F}/warnings.yaml`]);
  t.equal(run.code, 0);
  t.strictSame(
    [...run.stdout.matchAll(/^ {2}warning: (.*)$/gm)].map((m) => m[1]),
    [
      'spec.image: "nginx:latest" uses the mutable tag "latest"; pin a version',
      'spec.resources.requests: none set; the scheduler cannot place pods well',
    ],
  );
});

t.test('a multi-document file: each WebApp judged, the Deployment skipped, the List item reviewed', async (t) => {
  const run = await report(['-f', `${F}/multi.yaml`]);
  t.equal(run.code, 1, 'one denial fails the run');
  t.match(run.report.results, [
    { name: 'front', namespace: 'team-a', line: 3, result: 'ALLOWED' },
    {
      name: 'back',
      namespace: 'default',
      line: 14,
      result: 'DENIED',
      reasons: ['spec.replicas: 11 exceeds the maximum of 10'],
    },
    { name: 'legacy', line: 22, result: 'SKIPPED', reason: 'not a shipshape.dev/v1 or shipshape.dev/v2 WebApp' },
    { name: 'listed', line: 33, result: 'ALLOWED', object: { spec: { replicas: 2, port: 8080 } } },
  ]);
  t.equal(run.report.results.length, 4, 'the empty document is no result');
  t.strictSame(run.report.summary, { allowed: 2, denied: 1, skipped: 1, errors: 0 });
  const text = await shipshape(['review', '-f', `${F}/multi.yaml`, '-o', 'patch']);
  t.match(
    text.stdout,
    /^SKIPPED {2}apps\/v1 Deployment default\/legacy \(.*multi\.yaml:22\): not a shipshape\.dev\/v1 or shipshape\.dev\/v2 WebApp$/m,
  );
});

t.test('a folder: its .yaml, .yml and .json files; -R adds sub-folders', async (t) => {
  const flat = await report(['-f', `${F}/dir`]);
  t.equal(flat.code, 0, flat.stderr);
  t.strictSame(
    flat.report.results.map((r) => [r.file, r.result]),
    [
      [`${F}/dir/a.yaml`, 'ALLOWED'],
      [`${F}/dir/b.json`, 'ALLOWED'],
    ],
  );
  const deep = await report(['-f', `${F}/dir`, '-R']);
  t.equal(deep.code, 1);
  t.match(deep.report.results[2], { file: `${F}/dir/nested/c.yml`, result: 'DENIED' });
});

t.test('stdin: -f - reads the manifests piped in', async (t) => {
  const input = await readFile(`${ROOT}${F}/denied.yaml`, 'utf8');
  const run = await report(['-f', '-'], input);
  t.equal(run.code, 1);
  t.match(run.report.results, [{ file: 'stdin', line: 4, name: 'my.app', result: 'DENIED' }]);
  const allowed = await shipshape(['review', '-f', '-'], await readFile(`${ROOT}${F}/allowed.yaml`, 'utf8'));
  t.equal(allowed.code, 0);
  t.match(allowed.stdout, '(stdin:2, CREATE)');
});

t.test('broken YAML: exit 2, file, line and column on stderr; the good document still reviewed', async (t) => {
  const run = await shipshape(['review', '-f', `${F}/broken-yaml.txt`, '-o', 'patch']);
  t.equal(run.code, 2);
  t.match(run.stderr, /^test\/fixtures\/cli\/broken-yaml\.txt:18:3: Flow sequence in block collection must be/);
  t.match(run.stderr, /\n {4} {2}port: 8080\n {4} {2}\^/);
  t.match(run.stdout, /^ALLOWED {2}WebApp default\/fine /);
  t.match(run.stdout, '1 input error (see above)');
});

t.test('other bad input exits 2: a missing file, a document that is not an object, a bad config', async (t) => {
  const missing = await shipshape(['review', '-f', `${F}/nope.yaml`]);
  t.equal(missing.code, 2);
  t.match(missing.stderr, 'test/fixtures/cli/nope.yaml: no such file or folder');
  const scalar = await shipshape(['review', '-f', '-'], 'just: a\n---\n- list\n');
  t.equal(scalar.code, 2);
  t.match(scalar.stderr, 'stdin:3:1: expected a Kubernetes object (a mapping with apiVersion and kind), got a list');
  t.match(scalar.stdout, /^SKIPPED/, 'the mapping without a kind is skipped');
  const empty = await shipshape(['review', '-f', '-'], '# nothing here\n---\n');
  t.equal(empty.code, 2, 'no objects at all is a mistake upstream, as in kubectl');
  t.match(empty.stderr, /^stdin: no objects to review\n/);
  const config = await shipshape(['review', '-f', `${F}/allowed.yaml`, '--config', `${F}/bad-config.yaml`]);
  t.equal(config.code, 2);
  t.match(
    config.stderr,
    /^shipshape: test\/fixtures\/cli\/bad-config\.yaml: invalid configuration:\n {2}SHIPSHAPE_MAX_REPLICAS/,
  );
  t.equal(config.stdout, '');
  const noConfig = await shipshape(['review', '-f', `${F}/allowed.yaml`, '--config', `${F}/none.yaml`]);
  t.equal(noConfig.code, 2);
  t.match(noConfig.stderr, /--config test\/fixtures\/cli\/none\.yaml: ENOENT/);
});

t.test('usage errors exit 2 with a pointer to --help', async (t) => {
  for (const args of [[], ['deploy'], ['review'], ['review', '-f', 'x', '-o', 'table'], ['review', '--nope']]) {
    const run = await shipshape(args);
    t.equal(run.code, 2, args.join(' '));
    t.match(run.stderr, /^shipshape: .*\nRun "shipshape( review)? --help" for usage and examples\.\n$/s);
    t.equal(run.stdout, '');
  }
});

t.test('--help on every command prints usage with examples and exits 0', async (t) => {
  for (const args of [['--help'], ['review', '--help'], ['crd', '--help'], ['manifests', '-h'], ['help', 'review']]) {
    const run = await shipshape(args);
    t.equal(run.code, 0, args.join(' '));
    t.match(run.stdout, /^Usage: shipshape/);
    t.match(run.stdout, /\nExamples:\n/);
  }
});

t.test('--config: the server settings, by variable or flag name, or as a ConfigMap', async (t) => {
  for (const config of ['config.yaml', 'configmap-config.yaml']) {
    const run = await report(['-f', `${F}/denied.yaml`, '-f', `${F}/warnings.yaml`, '--config', `${F}/${config}`]);
    t.equal(run.code, 1);
    t.match(run.report.results[0]!.reasons, [
      'metadata.name: "my.app" must',
      'spec.image: "Registry/Nginx:1.27" is not a valid image reference',
      'spec.replicas: 50 exceeds the maximum of 20',
    ]);
    t.match(run.report.results[1], {
      result: 'DENIED',
      reasons: ['spec.port: 8080 is in the denied list (8080, 9090)'],
      warnings: ['spec.image: "nginx:latest" uses the mutable tag "latest"; pin a version'],
      object: { spec: { resources: { requests: { cpu: '100m' } } } },
    });
  }
});

t.test('--namespace-annotations adjust the limits; a bad one is a warning, as on the server', async (t) => {
  const input = 'apiVersion: shipshape.dev/v1\nkind: WebApp\nmetadata: {name: w}\nspec: {image: "a:1", replicas: 15}\n';
  t.equal((await shipshape(['review', '-f', '-'], input)).code, 1);
  const raised = await report(['-f', '-', '--namespace-annotations', 'max-replicas=20,min-port=80'], input);
  t.equal(raised.code, 0);
  const bad = await report(['-f', '-', '--namespace-annotations', 'shipshape.dev/max-replicas=lots'], input);
  t.equal(bad.code, 1);
  t.match(bad.report.results[0]!.warnings, [
    /namespace annotation shipshape\.dev\/max-replicas="lots" is not an integer/,
  ]);
});

t.test('--old makes the matching WebApp an UPDATE; the others stay CREATEs', async (t) => {
  const run = await report(['-f', `${F}/update/changed.yaml`, '--old', `${F}/update/stored.yaml`, '-n', 'team-a']);
  t.equal(run.code, 0, run.stderr);
  t.match(run.report.results, [
    { name: 'grow', operation: 'UPDATE', result: 'ALLOWED' },
    { name: 'fresh', operation: 'CREATE', result: 'ALLOWED' },
  ]);
});

t.test('-o yaml is the -o json report; -o patch prints each operation', async (t) => {
  const json = await report(['-f', `${F}/allowed.yaml`]);
  const yaml = await shipshape(['review', '-f', `${F}/allowed.yaml`, '-o', 'yaml']);
  t.equal(yaml.code, 0);
  t.strictSame(parse(yaml.stdout), json.report);
  t.match(json.report.results[0]!.patch, [{ op: 'add', path: '/metadata/labels' }]);
  const patch = await shipshape(['review', '-f', `${F}/allowed.yaml`, '-o', 'patch']);
  t.match(
    patch.stdout,
    '\n  patch:\n    {"op":"add","path":"/metadata/labels","value":{"app.kubernetes.io/name":"shop"',
  );
  t.match(patch.stdout, '\n    {"op":"add","path":"/spec/replicas","value":1}\n');
});

t.test('--server that cannot be reached: exit 2, with the reason', async (t) => {
  const port = await findFreePort();
  const run = await shipshape(['review', '-f', `${F}/allowed.yaml`, '--server', `https://127.0.0.1:${port}`]);
  t.equal(run.code, 2);
  t.match(run.stderr, `shipshape: cannot POST to https://127.0.0.1:${port}/mutate-webapps: connect ECONNREFUSED`);
});

t.test('crd and manifests print the committed rendered manifests', async (t) => {
  const crd = await shipshape(['crd']);
  t.equal(crd.code, 0);
  t.equal(crd.stdout, await readFile(`${ROOT}crds/webapps.shipshape.dev.yaml`, 'utf8'));
  const manifests = await shipshape(['manifests']);
  t.equal(manifests.code, 0);
  t.equal(manifests.stdout, await readFile(`${ROOT}deploy/webhook-configurations.yaml`, 'utf8'));
});

t.test('crd --kind mysqlcluster prints its CRD; --kind all both, as one stream', async (t) => {
  const [webApps, mysqlClusters] = await Promise.all(
    ['webapps', 'mysqlclusters'].map((plural) => readFile(`${ROOT}crds/${plural}.shipshape.dev.yaml`, 'utf8')),
  );
  const mysql = await shipshape(['crd', '--kind', 'mysqlcluster']);
  t.equal(mysql.code, 0);
  t.equal(mysql.stdout, mysqlClusters);
  const all = await shipshape(['crd', '--kind', 'all']);
  t.equal(all.code, 0);
  t.equal(all.stdout, `${webApps}---\n${mysqlClusters}`);
  t.strictSame(
    all.stdout.split(/^---$/m).map((doc) => (parse(doc) as { metadata: { name: string } }).metadata.name),
    ['webapps.shipshape.dev', 'mysqlclusters.shipshape.dev'],
  );
  const bad = await shipshape(['crd', '--kind', 'mysql']);
  t.equal(bad.code, 2);
  t.equal(bad.stdout, '');
});
