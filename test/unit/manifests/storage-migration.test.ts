// What a cluster admin runs to move WebApps to v2 storage (src/manifests/storage-migration.ts), and
// the page that tells them (docs/upgrading-to-v2.md): the page's commands carry the code's patches
// byte for byte, the flip is exactly the renderer's other storage version, and its tests refuse a
// CRD whose versions are in another order.
import { readFile } from 'node:fs/promises';
import t from 'tap';
import { parse } from 'yaml';
import { toWebAppCrd } from '../../../src/api/crd.ts';
import { applyJsonPatch } from '../../../src/json/json-patch.ts';
import {
  STORAGE_MIGRATION_FILE,
  STORAGE_MIGRATION_FILES,
  STORAGE_MIGRATION_NAME,
  toStorageVersionMigration,
  toStorageVersionPatch,
  toStoredVersionsPatch,
} from '../../../src/manifests/storage-migration.ts';

const page = await readFile(new URL('../../../docs/upgrading-to-v2.md', import.meta.url), 'utf8');

t.test('the flip turns the rendered CRD into the one rendered with v2 stored, and back', async (t) => {
  t.strictSame(applyJsonPatch(toWebAppCrd(), toStorageVersionPatch('v2')), toWebAppCrd({ storageVersion: 'v2' }));
  t.strictSame(applyJsonPatch(toWebAppCrd({ storageVersion: 'v2' }), toStorageVersionPatch('v1')), toWebAppCrd());
  t.strictSame(
    applyJsonPatch(toWebAppCrd({ storageVersion: 'v2' }), toStorageVersionPatch('v2')),
    toWebAppCrd({ storageVersion: 'v2' }),
    'applied twice: the same',
  );
});

t.test('the flip refuses a CRD whose versions are in another order', async (t) => {
  const crd = toWebAppCrd();
  const reversed = { ...crd, spec: { ...crd.spec, versions: [...crd.spec.versions].reverse() } };
  t.throws(() => applyJsonPatch(reversed, toStorageVersionPatch('v2')), /test failed/);
});

t.test('the StorageVersionMigration names the WebApps group and resource, and is rendered', async (t) => {
  t.strictSame(toStorageVersionMigration(), {
    apiVersion: 'storagemigration.k8s.io/v1',
    kind: 'StorageVersionMigration',
    metadata: { name: 'webapps-to-v2' },
    spec: { resource: { group: 'shipshape.dev', resource: 'webapps' } },
  });
  t.strictSame(
    STORAGE_MIGRATION_FILES.map((f) => f.path),
    [STORAGE_MIGRATION_FILE],
  );
  t.strictSame(parse(STORAGE_MIGRATION_FILES[0]!.render()), toStorageVersionMigration());
  t.match(STORAGE_MIGRATION_FILE, /^deploy\/[^/]+\/[^/]+\.yaml$/, 'in a folder of deploy/, which apply -k never reads');
});

t.test("docs/upgrading-to-v2.md's commands carry the code's patches and names", async (t) => {
  const flip = JSON.stringify(toStorageVersionPatch('v2'));
  t.ok(page.includes(`kubectl patch crd webapps.shipshape.dev --type=json -p '${flip}'`), 'the flip');
  t.ok(page.includes(`patch: '${flip}'`), 'the overlay that keeps the flip');
  const back = JSON.stringify(toStorageVersionPatch('v1'));
  t.ok(page.includes(`kubectl patch crd webapps.shipshape.dev --type=json -p '${back}'`), 'the flip back');
  t.ok(
    page.includes(`sed 's/${STORAGE_MIGRATION_NAME}/webapps-to-v1/' ${STORAGE_MIGRATION_FILE} | kubectl create -f -`),
    'the migration back, renamed from the rendered file',
  );
  t.ok(page.includes('storageversionmigration/webapps-to-v1'), 'its wait');
  t.ok(page.includes(`kubectl apply -f ${STORAGE_MIGRATION_FILE}`), 'the migration');
  t.ok(page.includes(`storageversionmigration/${STORAGE_MIGRATION_NAME}`), 'the wait');
  t.ok(
    page.includes(
      `kubectl patch crd webapps.shipshape.dev --subresource=status --type=merge -p '${JSON.stringify(toStoredVersionsPatch(['v2']))}'`,
    ),
    'the storedVersions patch',
  );
});
