// The MySQLCluster field reference (docs/mysqlcluster.md's generated block) says what the mutating
// webhook does: each default it shows is the value defaulting an empty spec stores.
import t from 'tap';
import { renderMySQLClusterReference } from '../../../src/docs/mysqlcluster-reference.ts';
import type { JsonObject } from '../../../src/json/json.ts';
import { defaultMySQLCluster } from '../../../webhooks/default-mysqlcluster.ts';
import { loadMySQLFixture, mysqlContext } from '../webhooks/mysqlcluster-context.ts';

const table = renderMySQLClusterReference();
const rowOf = (path: string) => table.split('\n').find((line) => line.startsWith(`| \`${path}\``)) ?? '';

t.test('every default shown is the one an empty spec gets', async (t) => {
  const spec = defaultMySQLCluster(loadMySQLFixture('minimal'), mysqlContext()).spec as JsonObject;
  const storage = spec.storage as JsonObject;
  const resources = spec.resources as { requests: JsonObject; limits: JsonObject };
  const shown: [string, unknown][] = [
    ['spec.version', spec.version],
    ['spec.replicas', spec.replicas],
    ['spec.storage.size', storage.size],
    ['spec.storage.claimRetention', storage.claimRetention],
    ['spec.resources.requests.cpu', resources.requests.cpu],
    ['spec.resources.requests.memory', resources.requests.memory],
    ['spec.resources.limits.memory', resources.limits.memory],
  ];
  for (const [path, value] of shown) t.match(rowOf(path), `\`${String(value)}\``, path);
  t.match(rowOf('spec.image'), '`mysql`', 'the repository');
  t.equal(spec.image, 'mysql:8.4');
  t.equal(storage.storageClassName, undefined);
  t.match(rowOf('spec.storage.storageClassName'), "none by default (the cluster's default StorageClass)");
});

t.test('the limits name their settings and annotations', async (t) => {
  t.match(
    rowOf('spec.replicas'),
    'at most `--mysql-max-replicas` (`5`); per Namespace `shipshape.dev/mysql-max-replicas`',
  );
  t.match(rowOf('spec.storage.size'), '`--mysql-max-storage-per-cluster` (`500Gi`)');
  t.match(rowOf('metadata.name'), 'at most 52 characters');
});
