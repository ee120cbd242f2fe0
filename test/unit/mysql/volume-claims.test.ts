// compareClaimTemplates: what a StatefulSet's immutable volume claim templates allow.
import t from 'tap';
import type { DefaultedMySQLCluster } from '../../../src/api/mysqlcluster.ts';
import { toDataClaimTemplate } from '../../../src/mysql/statefulset.ts';
import { compareClaimTemplates } from '../../../src/mysql/volume-claims.ts';
import { loadDefaulted } from './fixture.ts';

const template = (edit: (storage: DefaultedMySQLCluster['spec']['storage']) => void = () => {}) => {
  const cluster = loadDefaulted();
  edit(cluster.spec.storage);
  return toDataClaimTemplate(cluster);
};

t.test('the same templates, spelled as the apiserver stores quantities: no change', async (t) => {
  t.strictSame(compareClaimTemplates([template()], [template()]), { kind: 'none' });
  const stored = template((s) => (s.size = '1024Mi'));
  t.strictSame(compareClaimTemplates([stored], [template()]), { kind: 'none' }, '1024Mi is 1Gi');
});

t.test('only the storage grown: grown, from and to as written', async (t) => {
  t.strictSame(compareClaimTemplates([template()], [template((s) => (s.size = '2Gi'))]), {
    kind: 'grown',
    from: '1Gi',
    to: '2Gi',
  });
});

t.test('anything else is immutable, naming the field', async (t) => {
  const cases: Array<[string, ReturnType<typeof template>[] | undefined, string]> = [
    ['shrunk', [template((s) => (s.size = '512Mi'))], 'spec.storage.size'],
    ['class changed', [template((s) => (s.storageClassName = 'fast'))], 'spec.storage.storageClassName'],
    ['class removed', [template((s) => delete s.storageClassName)], 'spec.storage.storageClassName'],
    ['none at all', undefined, 'spec.volumeClaimTemplates'],
  ];
  for (const [name, desired, field] of cases) {
    const change = compareClaimTemplates([template()], desired ?? []);
    t.match(change, { kind: 'immutable', field }, name);
  }
  const relabelled = template();
  relabelled.metadata!.labels = { other: 'x' };
  t.match(compareClaimTemplates([template()], [relabelled]), {
    kind: 'immutable',
    field: 'spec.volumeClaimTemplates[0].metadata.labels',
  });
  const grownAndReclassed = template((s) => {
    s.size = '5Gi';
    s.storageClassName = 'fast';
  });
  t.match(
    compareClaimTemplates([template()], [grownAndReclassed]),
    { kind: 'immutable', field: 'spec.storage.storageClassName' },
    'grown with another change: nothing is resized',
  );
  t.strictSame(compareClaimTemplates([template()], [template((s) => (s.size = '512Mi'))]), {
    kind: 'immutable',
    field: 'spec.storage.size',
    message:
      'spec.storage.size cannot change from "1Gi" to "512Mi": storage may only grow; the StatefulSet is left as it is',
  });
});
