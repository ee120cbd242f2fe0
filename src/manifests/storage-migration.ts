// Moving what etcd stores from WebApp v1 to v2 (issue #35's last step), as a cluster admin runs it
// with kubectl (docs/upgrading-to-v2.md): the CRD's storage flipped by a JSON Patch, a
// StorageVersionMigration (storagemigration.k8s.io/v1, GA in Kubernetes 1.37; kube-controller-
// manager's storage-version-migrator-controller, on by default, rewrites every object), then v1
// trimmed from the CRD's status.storedVersions. Shipshape creates none of it, so its RBAC grants
// none of it. The same objects drive test/integration/storage-migration.test.ts.
import { type WebAppVersion, WEBAPP_VERSIONS } from '../api/crd.ts';
import { API_GROUP, WEBAPP_PLURAL } from '../constants.ts';
import type { JsonPatchOperation } from '../json/json-patch.ts';
import { type RenderedFile, toYamlDocuments } from './install.ts';

/** The StorageVersionMigration's name: one per move, since a finished one never runs again. */
export const STORAGE_MIGRATION_NAME = `${WEBAPP_PLURAL}-to-v2`;
/** Relative to the repository root; outside deploy/'s kustomization, so `apply -k deploy/` never creates it. */
export const STORAGE_MIGRATION_FILE = `deploy/storage-migration/${WEBAPP_PLURAL}-to-v2.yaml`;

/**
 * Rewrites every stored WebApp in the CRD's storage version: the controller sends each object an
 * empty server-side apply that carries its uid and resourceVersion (a changed or deleted object is
 * skipped, being rewritten or gone already), so the spec, the generation and the children stay.
 */
export function toStorageVersionMigration(name = STORAGE_MIGRATION_NAME): object {
  return {
    apiVersion: 'storagemigration.k8s.io/v1',
    kind: 'StorageVersionMigration',
    metadata: { name },
    spec: { resource: { group: API_GROUP, resource: WEBAPP_PLURAL } },
  };
}

/**
 * The JSON Patch that makes `version` the CRD's one storage version. Each replace is preceded by a
 * test of that entry's name, so the patch is refused whole (422) by a CRD whose versions are not
 * in WEBAPP_VERSIONS' order, rather than flipping the wrong entry.
 */
export function toStorageVersionPatch(version: WebAppVersion): JsonPatchOperation[] {
  return WEBAPP_VERSIONS.flatMap((name, i): JsonPatchOperation[] => [
    { op: 'test', path: `/spec/versions/${i}/name`, value: name },
    { op: 'replace', path: `/spec/versions/${i}/storage`, value: name === version },
  ]);
}

/**
 * The merge patch of the CRD's status subresource that leaves `versions` in status.storedVersions.
 * The apiserver refuses one that drops the current storage version; it cannot tell whether an
 * object is still stored at a dropped one, which is why the migration must have succeeded first.
 */
export function toStoredVersionsPatch(versions: readonly WebAppVersion[]): object {
  return { status: { storedVersions: [...versions] } };
}

const SOURCE = 'src/manifests/storage-migration.ts';

export const STORAGE_MIGRATION_FILES: RenderedFile[] = [
  { path: STORAGE_MIGRATION_FILE, render: () => toYamlDocuments(SOURCE, [toStorageVersionMigration()]) },
];
