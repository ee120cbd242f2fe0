// The MySQLCluster field reference (the `mysqlcluster-api` generated block, in docs/mysqlcluster.md;
// issue #36): one row per field of the CRD's openAPIV3Schema as src/api/mysqlcluster-crd.ts renders
// it from the zod schema, with its type, the schema's bounds and description (the walk and the
// cells of ./webapp-reference.ts), what the mutating webhook fills in and from which setting, and
// what the validating webhook holds it to. Each setting is named with its default as
// src/config/settings.ts has it, so the table follows the settings; rendering fails when a row
// names a field the schema lacks or a setting settings.ts lacks, or a mysql* setting goes unnamed.
import type { OpenApiSchema } from '../api/crd.ts';
import { toMySQLClusterCrd } from '../api/mysqlcluster-crd.ts';
import { SETTINGS } from '../config/settings.ts';
import { MYSQL_DEFAULT_CLAIM_RETENTION, MYSQL_DEFAULT_REPLICAS } from '../../webhooks/default-mysqlcluster.ts';
import { MYSQLCLUSTER_MAX_NAME_LENGTH } from '../../webhooks/check-mysqlcluster.ts';
import { MYSQL_MAX_REPLICAS_ANNOTATION, MYSQL_MAX_STORAGE_ANNOTATION } from '../../webhooks/mysql-policy-config.ts';
import { code, renderTable } from './markdown-table.ts';
import { fields, schemaBounds, typeOf } from './webapp-reference.ts';

/** `--mysql-max-replicas` (`5`): a setting's flag and its default, or throws naming the key. */
function setting(key: string): string {
  const found = SETTINGS.find((s) => s.key === key);
  if (!found) throw new Error(`src/docs/mysqlcluster-reference.ts names the setting "${key}", which settings.ts lacks`);
  NAMED.add(key);
  return `${code(found.flag)} (${found.default ? code(found.default) : 'none'})`;
}
const NAMED = new Set<string>();

/** `--mysql-storage-class`: a setting's flag alone. */
function flag(key: string): string {
  return setting(key).replace(/ \(.*\)$/, '');
}

const DEFAULTS: Readonly<Record<string, () => string>> = {
  'spec.version': () => setting('mysqlDefaultVersion'),
  'spec.image': () => `${code('<repository>:<spec.version>')}, repository ${setting('mysqlImageRepository')}`,
  'spec.replicas': () => code(String(MYSQL_DEFAULT_REPLICAS)),
  'spec.storage.size': () => setting('mysqlDefaultStorageSize'),
  'spec.storage.storageClassName': () =>
    `${flag('mysqlStorageClass')} when set; none by default (the cluster's default StorageClass)`,
  'spec.storage.claimRetention': () => code(MYSQL_DEFAULT_CLAIM_RETENTION),
  'spec.resources.requests.cpu': () => setting('mysqlDefaultCpuRequest'),
  'spec.resources.requests.memory': () => setting('mysqlDefaultMemoryRequest'),
  'spec.resources.limits.cpu': () => setting('mysqlDefaultCpuLimit'),
  'spec.resources.limits.memory': () => setting('mysqlDefaultMemoryLimit'),
  'spec.settings': () => code('{}'),
};

const RULES: Readonly<Record<string, () => string>> = {
  'spec.version': () => 'never lowered; no long-term series skipped (on update)',
  'spec.replicas': () => `at most ${setting('mysqlMaxReplicas')}; per Namespace ${code(MYSQL_MAX_REPLICAS_ANNOTATION)}`,
  'spec.storage.size': () =>
    `above zero; replicas x size at most ${setting('mysqlMaxStoragePerCluster')}, per Namespace ${code(MYSQL_MAX_STORAGE_ANNOTATION)}; only grows (on update)`,
  'spec.storage.storageClassName': () => 'immutable (on update), unset included',
  'spec.resources.limits.cpu': () => 'not below the request',
  'spec.resources.limits.memory': () => 'not below the request',
};

/**
 * Field, type, default, the schema's bounds, the webhooks' rules and description, for every field
 * of spec and status; then metadata.name's rule, which no schema states.
 */
export function renderMySQLClusterReference(): string {
  NAMED.clear();
  const root = toMySQLClusterCrd().spec.versions[0]!.schema.openAPIV3Schema;
  const properties = root.properties as Record<string, OpenApiSchema>;
  const required = (root.required ?? []) as string[];
  const rows = ['spec', 'status'].flatMap((name) => [...fields(properties[name]!, name, required.includes(name))]);
  const paths = new Set(rows.map((r) => r.path));
  const problems = [...Object.keys(DEFAULTS), ...Object.keys(RULES)]
    .filter((path) => !paths.has(path))
    .map((path) => `${path} is no field of the MySQLCluster schema`);
  const table = renderTable(
    ['Field', 'Type', 'Default', 'Schema bounds', 'Webhook rules', 'Description'],
    [
      [
        code('metadata.name'),
        'string, required',
        '',
        '',
        `a DNS-1035 label of at most ${MYSQLCLUSTER_MAX_NAME_LENGTH} characters`,
        "The StatefulSet's name, and its Pods', claims' and Services' stem",
      ],
      ...rows.map(({ path, node, required }) => [
        code(path),
        `${typeOf(node)}${required ? ', required' : ''}`,
        DEFAULTS[path]?.() ?? '',
        schemaBounds(node).join('; '),
        RULES[path]?.() ?? '',
        typeof node.description === 'string' ? node.description : '',
      ]),
    ],
  );
  for (const s of SETTINGS.filter((s) => s.key.startsWith('mysql') && !NAMED.has(s.key))) {
    problems.push(`the setting ${s.key} is on no field`);
  }
  if (problems.length > 0) throw new Error(`src/docs/mysqlcluster-reference.ts: ${problems.join('; ')}`);
  return table;
}
