// The ClusterRole's MySQLCluster rules (issue #36) grant what the reconciler calls and no more:
// test/integration/mysqlcluster-rbac.test.ts shows, on the rendered ServiceAccount, that they suffice.
import t from 'tap';
import { MYSQL_CHILD_RULES, toClusterRole } from '../../../src/manifests/rbac.ts';

const verbsOn = (group: string, resource: string) =>
  [
    ...new Set(
      (toClusterRole().rules ?? [])
        .filter((r) => r.apiGroups?.includes(group) && r.resources?.includes(resource))
        .flatMap((r) => r.verbs),
    ),
  ].sort();

t.test(
  'StatefulSets: the cache lists and watches, apply patches and creates, growth deletes; no get or update',
  async (t) => {
    t.strictSame(verbsOn('apps', 'statefulsets'), ['create', 'delete', 'list', 'patch', 'watch']);
  },
);

t.test('Secrets are created, never read or deleted; claims listed, resized and deleted', async (t) => {
  t.strictSame(verbsOn('', 'secrets'), ['create']);
  t.strictSame(verbsOn('', 'persistentvolumeclaims'), ['delete', 'list', 'patch']);
  t.notOk(
    MYSQL_CHILD_RULES.some((r) => r.resourceNames),
    'none is limited by name',
  );
});
