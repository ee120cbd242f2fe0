// The HTTP edge through app.inject(): well-formed AdmissionReviews for good and bad input alike.
import t from 'tap';
import { MUTATE_PATH, VALIDATE_PATH } from '../../../src/constants.ts';
import { admissionReview, buildTestServer, minimalWebApp } from '../../helpers/server.ts';

type Review = {
  apiVersion: string;
  kind: string;
  response: {
    uid: string;
    allowed: boolean;
    status?: { code: number; message: string };
    patchType?: string;
    patch?: string;
    warnings?: string[];
  };
};

const app = await buildTestServer();
t.teardown(() => app.close());

async function post(path: string, payload: string | Buffer | object, contentType = 'application/json') {
  const res = await app.inject({ method: 'POST', url: path, payload, headers: { 'content-type': contentType } });
  t.equal(res.statusCode, 200, `${path} answers 200 (the apiserver reads failures from the review)`);
  const review = res.json() as Review;
  t.equal(review.apiVersion, 'admission.k8s.io/v1');
  t.equal(review.kind, 'AdmissionReview');
  return review.response;
}

t.test('mutate: a minimal WebApp gets a JSONPatch with the defaults', async (t) => {
  const response = await post(MUTATE_PATH, admissionReview(minimalWebApp()));
  t.equal(response.uid, 'c0ffee00-0000-4000-8000-000000000001', 'echoes the uid');
  t.equal(response.allowed, true);
  t.equal(response.patchType, 'JSONPatch');
  const patch = JSON.parse(Buffer.from(response.patch!, 'base64').toString()) as { op: string; path: string }[];
  t.ok(
    patch.some((op) => op.path === '/spec/replicas'),
    'defaults spec.replicas',
  );
  t.ok(
    patch.some((op) => op.path.startsWith('/metadata/labels')),
    'adds the app.kubernetes.io labels',
  );
});

t.test('validate: the denial lists every violation; dryRun behaves the same', async (t) => {
  const object = { ...minimalWebApp(), spec: { image: 'nginx:1.27', replicas: 50, port: 80 } };
  for (const dryRun of [false, true]) {
    const response = await post(VALIDATE_PATH, admissionReview(object, { dryRun }));
    t.equal(response.allowed, false, `denied (dryRun ${dryRun})`);
    t.equal(response.status?.code, 422);
    t.match(response.status?.message, /spec\.replicas: 50 exceeds the maximum of 10/);
    t.match(response.status?.message, /spec\.port: 80 is below the minimum of 1024/);
    t.notOk(response.patch, 'a validating response carries no patch');
  }
});

t.test('malformed bodies get a denial with a code and a clear message, never an allow', async (t) => {
  const cases: [string, string | Buffer | object, number, RegExp, string][] = [
    ['empty body', '', 400, /ADM_EMPTY_BODY: the request body is empty/, ''],
    ['not JSON', '{"apiVersion": ', 400, /ADM_DECODE: the request body is not JSON/, ''],
    [
      'wrong apiVersion',
      { ...admissionReview(minimalWebApp()), apiVersion: 'admission.k8s.io/v1beta1' },
      400,
      /ADM_INVALID_REVIEW: expected an AdmissionReview admission\.k8s\.io\/v1.*apiVersion/,
      'c0ffee00-0000-4000-8000-000000000001',
    ],
    [
      'wrong kind',
      { ...admissionReview(minimalWebApp()), kind: 'ConfigMap' },
      400,
      /ADM_INVALID_REVIEW: .*kind/,
      'c0ffee00-0000-4000-8000-000000000001',
    ],
    ['missing request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, 400, /request/, ''],
    [
      'a Pod instead of a WebApp',
      admissionReview({}, { kind: { group: '', version: 'v1', kind: 'Pod' } }),
      400,
      /ADM_WRONG_RESOURCE: this webhook admits shipshape\.dev WebApp, not core\/v1 Pod/,
      'c0ffee00-0000-4000-8000-000000000001',
    ],
    ['JSON null', 'null', 400, /ADM_INVALID_REVIEW/, ''],
    ['a text/plain body', 'hello', 400, /ADM_DECODE/, ''],
  ];
  for (const [what, body, code, message, uid] of cases) {
    for (const path of [MUTATE_PATH, VALIDATE_PATH]) {
      const response = await post(path, body, what === 'a text/plain body' ? 'text/plain' : 'application/json');
      t.equal(response.allowed, false, `${what} on ${path}: not allowed`);
      t.equal(response.status?.code, code, `${what}: code ${code}`);
      t.match(response.status?.message, message, `${what}: message`);
      t.equal(response.uid, uid, `${what}: uid echoed when readable`);
    }
  }
});

t.test('a 10 MB body is refused with 413 and the server keeps serving', async (t) => {
  const response = await post(VALIDATE_PATH, Buffer.alloc(10 * 1024 * 1024, 'a'));
  t.equal(response.allowed, false);
  t.equal(response.status?.code, 413);
  t.match(response.status?.message, /ADM_BODY_TOO_LARGE: the request body exceeds 1048576 bytes/);
  const after = await post(VALIDATE_PATH, admissionReview(minimalWebApp()));
  t.equal(after.allowed, true, 'the next request is served');
});

t.test('a policy context that throws becomes a 500 denial', async (t) => {
  const broken = await buildTestServer({
    namespaceAnnotations: () => {
      throw new Error('cache exploded');
    },
  });
  t.teardown(() => broken.close());
  const res = await broken.inject({ method: 'POST', url: VALIDATE_PATH, payload: admissionReview(minimalWebApp()) });
  const review = res.json() as Review;
  t.equal(review.response.allowed, false);
  t.equal(review.response.status?.code, 500);
  t.match(review.response.status?.message, /ADM_POLICY_FAILED: the policy failed: Error: cache exploded/);
});

t.test('health, readiness and security headers', async (t) => {
  let synced = false;
  const server = await buildTestServer({ readiness: [{ name: 'namespace-cache', ready: () => synced }] });
  t.teardown(() => server.close());
  t.equal((await server.inject('/healthz')).statusCode, 200);
  const notReady = await server.inject('/readyz');
  t.equal(notReady.statusCode, 503);
  t.same(notReady.json(), { status: 'not ready', failing: ['namespace-cache'] });
  synced = true;
  const ready = await server.inject('/readyz');
  t.equal(ready.statusCode, 200);
  t.ok(ready.headers['strict-transport-security'], 'helmet sets HSTS');
  t.equal(ready.headers['x-content-type-options'], 'nosniff');
});
