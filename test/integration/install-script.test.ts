// scripts/install-control-plane.sh once the binaries exist: prints their folder, honours
// KUBEBUILDER_ASSETS, and (the cache being warm after `npm test`'s pretest) returns fast.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { controlPlaneVersions, resolveAssets } from '../../src/control-plane/assets.ts';

const run = promisify(execFile);
const script = new URL('../../scripts/install-control-plane.sh', import.meta.url).pathname;
const lastLine = (s: string) => s.trimEnd().split('\n').at(-1);

t.test('a second run finds the binaries without building', async (t) => {
  const started = Date.now();
  const { stdout } = await run('bash', [script], { env: { ...process.env, KUBEBUILDER_ASSETS: '' } });
  const seconds = (Date.now() - started) / 1000;
  const assets = await resolveAssets({ ...process.env, KUBEBUILDER_ASSETS: '' });
  t.equal(lastLine(stdout), join(assets.etcd, '..'), 'prints the folder holding the binaries');
  t.ok(seconds < 30, `finished in ${seconds.toFixed(2)} s (limit 30 s)`);
});

t.test('KUBEBUILDER_ASSETS is used when it holds every binary', async (t) => {
  const cached = await resolveAssets({ ...process.env, KUBEBUILDER_ASSETS: '' });
  const dir = await mkdtemp(join(tmpdir(), 'shipshape-assets-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const expected: Record<string, string> = {};
  for (const [name, path] of Object.entries(cached)) {
    await symlink(path, join(dir, basename(path)));
    expected[name] = join(dir, basename(path));
  }
  const { stdout } = await run('bash', [script], { env: { ...process.env, KUBEBUILDER_ASSETS: dir } });
  t.equal(lastLine(stdout), dir);
  t.same(await resolveAssets({ ...process.env, KUBEBUILDER_ASSETS: dir }), expected);
});

t.test('the binaries report the release they were built from', async (t) => {
  const assets = await resolveAssets({ ...process.env, KUBEBUILDER_ASSETS: '' });
  const { kubernetes } = controlPlaneVersions(process.env);
  const apiserver = await run(assets.kubeApiserver, ['--version']);
  t.equal(apiserver.stdout.trim(), `Kubernetes v${kubernetes}`);
  const kubectl = await run(assets.kubectl, ['version', '--client', '-o', 'json']);
  t.equal(JSON.parse(kubectl.stdout).clientVersion.gitVersion, `v${kubernetes}`, 'kubectl of the same release');
  const etcd = await run(assets.etcd, ['--version']);
  t.match(etcd.stdout, `etcd Version: ${controlPlaneVersions(process.env).etcd}\n`, 'etcd of the pinned version');
});

t.test('a folder without the binaries is reported with the way to fix it', async (t) => {
  await t.rejects(resolveAssets({ HOME: '/nonexistent', KUBEBUILDER_ASSETS: '/nonexistent/assets' }), {
    code: 'CP_ASSETS_MISSING',
    message: /install-control-plane\.sh/,
  });
});
