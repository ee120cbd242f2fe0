// `node scripts/render-manifests.ts` writes every generated manifest from the code that defines it.
// `--check` writes nothing and exits 1 naming each committed file that differs (for CI). The
// generated blocks of the Markdown pages are scripts/render-docs.ts's.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderCrdYaml } from '../src/api/crd.ts';
import { MYSQLCLUSTER_CRD_NAME } from '../src/api/mysqlcluster.ts';
import { renderMySQLClusterCrdYaml } from '../src/api/mysqlcluster-crd.ts';
import { WEBAPP_CRD_NAME } from '../src/constants.ts';
import { E2E_OVERLAY_FILES } from '../src/manifests/e2e-overlay.ts';
import { INSTALL_FILES } from '../src/manifests/install.ts';
import { LARGE_CLUSTER_FILES } from '../src/manifests/large-cluster.ts';
import { SELF_MANAGED_CERTIFICATES_FILES } from '../src/manifests/self-managed-certificates.ts';
import { STORAGE_MIGRATION_FILES } from '../src/manifests/storage-migration.ts';
import { renderWebhookConfigurationsYaml } from '../src/manifests/webhook-configurations.ts';

type Output = {
  /** Relative to the repository root. */
  path: string;
  /** The file's whole text; `current` is what the file holds now (undefined when it is missing). */
  render(current: string | undefined): string;
};

const outputs: Output[] = [
  { path: `crds/${WEBAPP_CRD_NAME}.yaml`, render: renderCrdYaml },
  { path: `crds/${MYSQLCLUSTER_CRD_NAME}.yaml`, render: renderMySQLClusterCrdYaml },
  { path: 'deploy/webhook-configurations.yaml', render: renderWebhookConfigurationsYaml },
  ...INSTALL_FILES,
  ...SELF_MANAGED_CERTIFICATES_FILES,
  ...LARGE_CLUSTER_FILES,
  ...E2E_OVERLAY_FILES,
  ...STORAGE_MIGRATION_FILES,
];

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const stale: string[] = [];
for (const output of outputs) {
  const file = resolve(root, output.path);
  const current = await readIfExists(file);
  const rendered = output.render(current);
  if (current === rendered) continue;
  stale.push(output.path);
  if (values.check) continue;
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, rendered);
}

if (values.check && stale.length > 0) {
  console.error(
    `out of date (run \`npm run render\` and commit the result):\n${stale.map((p) => `  ${p}`).join('\n')}`,
  );
  process.exitCode = 1;
} else if (!values.check) {
  console.log(stale.length > 0 ? `wrote ${stale.join(', ')}` : 'manifests up to date');
}
