// The ConfigMap `<name>-config` holding the members' my.cnf (issue #36), mounted at
// /etc/mysql/conf.d, which both the upstream image's and Debian's my.cnf include. It is the
// [mysqld] section and spec.settings, sorted by name, one `name = value` per line, and nothing of
// our own: the server's defaults stand unless the spec says otherwise, so the file is what the
// user wrote, in an order that does not depend on how they wrote it. Its configHash goes on the Pod
// template (statefulset.ts), so a change of settings rolls the members. Pure.
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { DefaultedMySQLCluster } from '../api/mysqlcluster.ts';
import { configMapName, mysqlChildMetadata } from './names.ts';

/** The ConfigMap's one key, a file name that conf.d's `!includedir` reads (it must end in .cnf). */
export const MY_CNF_KEY = 'my.cnf';

/** my.cnf: `[mysqld]`, then each setting in name order (code unit order, as the hash sorts). */
export function toMyCnf(settings: Readonly<Record<string, string>>): string {
  const names = Object.keys(settings).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return ['[mysqld]', ...names.map((name) => `${name} = ${settings[name]}`), ''].join('\n');
}

export function toServerConfigMap(cluster: DefaultedMySQLCluster): V1ConfigMap {
  const owner = cluster;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: mysqlChildMetadata(owner, configMapName(owner)),
    data: { [MY_CNF_KEY]: toMyCnf(cluster.spec.settings) },
  };
}
