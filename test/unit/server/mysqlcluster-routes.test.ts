// The MySQLCluster routes (issue #36) through app.inject(): defaults as a JSON Patch, denials with
// the fields named, and clear refusals of a review for another kind or version, on the same
// server as WebApp's routes.
import t from 'tap';
import { MUTATE_PATH, MYSQL_MUTATE_PATH, MYSQL_VALIDATE_PATH } from '../../../src/constants.ts';
import { applyJsonPatch, type JsonPatchOperation } from '../../../src/json/json-patch.ts';
import { DEFAULT_LIMITS } from '../../../webhooks/limits.ts';
import { DEFAULT_MYSQL_POLICY_CONFIG } from '../../../webhooks/mysql-policy-config.ts';
import { admissionReview, buildTestServer, minimalWebApp } from '../../helpers/server.ts';

type Response = {
  uid: string;
  allowed: boolean;
  status?: { code: number; message: string };
  patch?: string;
  warnings?: string[];
};

const app = await buildTestServer({
  policyConfig: { limits: DEFAULT_LIMITS, mysql: { ...DEFAULT_MYSQL_POLICY_CONFIG, storageClassName: 'fast' } },
  namespaceAnnotations: (ns) => (ns === 'roomy' ? { 'shipshape.dev/mysql-max-replicas': '9' } : undefined),
});
t.teardown(() => app.close());

const MYSQL_KIND = { group: 'shipshape.dev', version: 'v1alpha1', kind: 'MySQLCluster' };
const MYSQL_RESOURCE = { group: 'shipshape.dev', version: 'v1alpha1', resource: 'mysqlclusters' };
const cluster = (spec: Record<string, unknown> = {}) => ({
  apiVersion: 'shipshape.dev/v1alpha1',
  kind: 'MySQLCluster',
  metadata: { name: 'orders', namespace: 'team-a' },
  spec,
});
const mysqlReview = (object: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  admissionReview(object, { kind: MYSQL_KIND, resource: MYSQL_RESOURCE, ...extra });

async function post(path: string, payload: object): Promise<Response> {
  const res = await app.inject({ method: 'POST', url: path, payload });
  t.equal(res.statusCode, 200);
  return (res.json() as { response: Response }).response;
}

t.test('mutate: an empty spec is patched with every default, the configured class included', async (t) => {
  const response = await post(MYSQL_MUTATE_PATH, mysqlReview(cluster()));
  t.equal(response.allowed, true);
  const patch = JSON.parse(Buffer.from(response.patch!, 'base64').toString()) as JsonPatchOperation[];
  const patched = applyJsonPatch(cluster(), patch) as { spec: Record<string, unknown> };
  t.strictSame(patched.spec, {
    version: '8.4',
    image: 'mysql:8.4',
    replicas: 1,
    storage: { size: '10Gi', storageClassName: 'fast', claimRetention: 'Retain' },
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } },
    settings: {},
  });
});

t.test('validate: a denial names the kind, the fields and the rules; the namespace can raise a limit', async (t) => {
  const spec = { version: '8.4', image: 'mysql:8.4', replicas: 7, storage: { size: '10Gi' } };
  const denied = await post(MYSQL_VALIDATE_PATH, mysqlReview(cluster(spec)));
  t.equal(denied.allowed, false);
  t.strictSame(denied.status, {
    code: 422,
    reason: 'Invalid',
    message: 'MySQLCluster "orders" is invalid: spec.replicas: 7 exceeds the maximum of 5',
  });
  const roomy = await post(MYSQL_VALIDATE_PATH, mysqlReview(cluster(spec), { namespace: 'roomy' }));
  t.equal(roomy.allowed, true);
});

t.test('validate: an UPDATE that shrinks storage is denied with the stored and requested sizes', async (t) => {
  const old = cluster({ version: '8.4', image: 'mysql:8.4', storage: { size: '20Gi' } });
  const now = cluster({ version: '8.4', image: 'mysql:8.4', storage: { size: '10Gi' } });
  const response = await post(MYSQL_VALIDATE_PATH, mysqlReview(now, { operation: 'UPDATE', oldObject: old }));
  t.equal(
    response.status?.message,
    'MySQLCluster "orders" is invalid: spec.storage.size: may only grow (stored 20Gi, requested 10Gi)',
  );
});

t.test('a review for another kind is refused on either route, with the uid echoed', async (t) => {
  const webApp = await post(MYSQL_VALIDATE_PATH, admissionReview(minimalWebApp()));
  t.equal(webApp.uid, 'c0ffee00-0000-4000-8000-000000000001');
  t.equal(webApp.allowed, false);
  t.strictSame(webApp.status, {
    code: 400,
    reason: 'BadRequest',
    message: 'ADM_WRONG_RESOURCE: this webhook admits shipshape.dev MySQLCluster, not shipshape.dev/v1 WebApp',
  });
  const mysql = await post(MUTATE_PATH, mysqlReview(cluster()));
  t.equal(
    mysql.status?.message,
    'ADM_WRONG_RESOURCE: this webhook admits shipshape.dev WebApp, not shipshape.dev/v1alpha1 MySQLCluster',
  );
});

t.test('a review at a version the policies were not written for is refused', async (t) => {
  const v1 = { ...MYSQL_KIND, version: 'v1' };
  const response = await post(MYSQL_MUTATE_PATH, mysqlReview(cluster(), { kind: v1, requestKind: v1 }));
  t.equal(response.allowed, false);
  t.equal(
    response.status?.message,
    'ADM_WRONG_RESOURCE: this webhook admits MySQLCluster shipshape.dev/v1alpha1, not shipshape.dev/v1',
  );
});
