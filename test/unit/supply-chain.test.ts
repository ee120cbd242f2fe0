// No runtime dependency runs an install script. npm (11) skips the lifecycle scripts of every
// dependency that package.json's allowScripts does not approve, and the Dockerfile installs with
// --ignore-scripts as well; this keeps it so: every package the runtime needs (package-lock.json
// entries without `dev`) either has no preinstall/install/postinstall script and no binding.gyp
// (which npm would build with node-gyp), or is denied by name in allowScripts.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import t from 'tap';

const root = new URL('../../', import.meta.url);
const manifest = JSON.parse(await readFile(new URL('package.json', root), 'utf8'));
const lock = JSON.parse(await readFile(new URL('package-lock.json', root), 'utf8'));
const allowScripts: Record<string, boolean> = manifest.allowScripts ?? {};

type LockEntry = { version?: string; dev?: boolean; hasInstallScript?: boolean; link?: boolean };
const runtime = Object.entries(lock.packages as Record<string, LockEntry>).filter(
  ([path, entry]) => path.startsWith('node_modules/') && !entry.dev && !entry.link,
);
const nameOf = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

t.ok(runtime.length > 50, `package-lock.json lists the runtime packages (${runtime.length})`);

t.test('every runtime dependency of package.json is in the lockfile, not as dev', async (t) => {
  for (const name of Object.keys(manifest.dependencies)) {
    const entry = lock.packages[`node_modules/${name}`] as LockEntry | undefined;
    t.ok(entry && !entry.dev, `${name} is locked as a runtime package`);
  }
});

t.test('no runtime package runs an install script', async (t) => {
  const scripted: string[] = [];
  for (const [path, entry] of runtime) {
    const name = nameOf(path);
    const dir = new URL(`${path}/`, root);
    // What is installed, not only what the lockfile says: a package's scripts as they are on disk.
    const installed = existsSync(new URL('package.json', dir))
      ? JSON.parse(await readFile(new URL('package.json', dir), 'utf8'))
      : undefined;
    const scripts = ['preinstall', 'install', 'postinstall'].filter((s) => installed?.scripts?.[s]);
    const gyp = existsSync(new URL('binding.gyp', dir));
    if (!entry.hasInstallScript && !scripts.length && !gyp) continue;
    scripted.push(name);
    t.equal(
      allowScripts[name],
      false,
      `${name}@${entry.version} has ${[...scripts, ...(gyp ? ['binding.gyp'] : [])].join(', ') || 'an install script'}: allowScripts must deny it`,
    );
  }
  t.comment(`runtime packages with an install script, all denied: ${scripted.join(', ') || 'none'}`);
  for (const [name, allowed] of Object.entries(allowScripts)) {
    if (!allowed) continue;
    const locked = lock.packages[`node_modules/${name}`] as LockEntry | undefined;
    t.ok(locked?.dev, `allowScripts approves ${name}, a dev dependency only`);
  }
});
