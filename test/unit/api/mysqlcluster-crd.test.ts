// The MySQLCluster CRD (issue #36) rendered from its zod schema: one version, stored, no
// conversion, the status subresource and printer columns; and the apiserver's schema checks
// (src/api/schema-validation.ts) agree with the zod schema on the fixtures.
import t from 'tap';
import { toMySQLClusterCrd } from '../../../src/api/mysqlcluster-crd.ts';
import { compiledMySQLClusterSchema, mysqlClusterSchema } from '../../../src/api/mysqlcluster.ts';
import { unknownFields, validateCustomResource } from '../../../src/api/schema-validation.ts';
import { fullMySQL, loadMySQLFixture } from '../webhooks/mysqlcluster-context.ts';

const crd = toMySQLClusterCrd();
const version = crd.spec.versions[0]!;
const schema = version.schema.openAPIV3Schema;

t.test('namespaced, one version served and stored, no conversion, a status subresource', async (t) => {
  t.equal(crd.metadata?.name, 'mysqlclusters.shipshape.dev');
  t.equal(crd.spec.scope, 'Namespaced');
  t.strictSame(crd.spec.names.shortNames, ['mysql']);
  t.equal(crd.spec.versions.length, 1);
  t.match(version, { name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
  t.equal(crd.spec.conversion, undefined);
});

t.test('printer columns: version, replicas, ready, phase, age; wide adds the storage', async (t) => {
  t.strictSame(
    version.additionalPrinterColumns?.map((c) => [c.name, c.jsonPath, c.priority ?? 0]),
    [
      ['Version', '.spec.version', 0],
      ['Replicas', '.spec.replicas', 0],
      ['Ready', '.status.readyReplicas', 0],
      ['Phase', '.status.phase', 0],
      ['Age', '.metadata.creationTimestamp', 0],
      ['Storage', '.spec.storage.size', 1],
      ['Storage Class', '.spec.storage.storageClassName', 1],
    ],
  );
});

t.test("the CRD's schema and the zod schema agree on the fixtures", async (t) => {
  for (const object of [fullMySQL(), loadMySQLFixture('minimal')]) {
    t.strictSame(validateCustomResource(object, schema), []);
    t.equal(mysqlClusterSchema.safeParse(object).success, true);
    t.equal(compiledMySQLClusterSchema.safeParse(object).success, true);
  }
  const bad = fullMySQL({ replicas: 0, storage: { claimRetention: 'Keep' } });
  t.not(validateCustomResource(bad, schema).length, 0, 'the apiserver refuses it');
  t.equal(compiledMySQLClusterSchema.safeParse(bad).success, false, 'and so does zod');
  t.strictSame(unknownFields(fullMySQL({ disk: '1Gi' }), schema), ['spec.disk']);
});

t.test("the CRD's schema refuses a setting value with a line break or a '#', as zod does", async (t) => {
  for (const value of ['x\n[client]\n!include /etc/shadow', 'x\r', '200 # comment']) {
    const object = fullMySQL({ settings: { init_connect: value } });
    t.match(validateCustomResource(object, schema), [/^spec\.settings\.init_connect: /], JSON.stringify(value));
    t.equal(compiledMySQLClusterSchema.safeParse(object).success, false);
  }
  t.strictSame(validateCustomResource(fullMySQL({ settings: { sql_mode: 'ANSI_QUOTES,NO_ZERO_DATE' } }), schema), []);
});
