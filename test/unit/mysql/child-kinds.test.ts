// MYSQL_CHILD_KINDS: the order the reconciler creates and applies in, each child's name, and that
// each builder's body is the kind and name its entry says.
import t from 'tap';
import { MYSQL_CHILD_KINDS } from '../../../src/mysql/child-kinds.ts';
import { loadDefaulted } from './fixture.ts';

const db = loadDefaulted;

t.test('MYSQL_CHILD_KINDS: order, names and which are built for one member', async (t) => {
  const cluster = db();
  t.strictSame(
    MYSQL_CHILD_KINDS.map((c) => `${c.kind} ${c.name(cluster)}`),
    [
      'Secret db-root-password',
      'ConfigMap db-config',
      'Service db-members',
      'Service db',
      'StatefulSet db',
      'PodDisruptionBudget db',
    ],
  );
  t.strictSame(
    MYSQL_CHILD_KINDS.filter((c) => c.build(cluster) === undefined).map((c) => c.kind),
    ['PodDisruptionBudget'],
    'no budget for one member',
  );
  const three = db();
  three.spec.replicas = 3;
  for (const spec of MYSQL_CHILD_KINDS) {
    const body = spec.build(three)!;
    t.equal(body.kind, spec.kind);
    t.equal(body.apiVersion, spec.apiVersion);
    t.equal(body.metadata?.name, spec.name(cluster), `${spec.kind}: the name the table gives`);
  }
});
