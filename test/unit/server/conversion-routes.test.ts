// The conversion webhook's HTTP edge through app.inject() (issue #35): HTTP 200 with a
// ConversionReview for good and bad input alike, a Failure with a code and no objects for each way
// a request can be wrong, its own body limit above admission's, and hostile requests (fast-check)
// that never get a 5xx or a partial answer.
import fc from 'fast-check';
import Fastify from 'fastify';
import t, { type Test } from 'tap';
import { fromV1 } from '../../../src/api/conversion-v1.ts';
import { toV2 } from '../../../src/api/conversion-v2.ts';
import { CONVERT_PATH, VALIDATE_PATH } from '../../../src/constants.ts';
import type { JsonObject } from '../../../src/json/json.ts';
import { conversionPlugin } from '../../../src/server/conversion-plugin.ts';
import { conversionAnswerProblem, hostileConversionRequest } from '../../helpers/hostile-conversion.ts';
import { admissionReview, buildTestServer, minimalWebApp } from '../../helpers/server.ts';

type Review = {
  apiVersion: string;
  kind: string;
  response: {
    uid: string;
    convertedObjects?: JsonObject[];
    result: { status: string; code?: number; message?: string };
  };
};

const UID = '705ab4f5-6393-11e8-b7cc-42010a800002';
const ADMISSION_LIMIT = 64 * 1024;
const CONVERSION_LIMIT = 1024 * 1024;
const app = await buildTestServer({ bodyLimit: ADMISSION_LIMIT, conversionBodyLimit: CONVERSION_LIMIT });
t.teardown(() => app.close());

const v1 = (name: string): JsonObject => ({
  apiVersion: 'shipshape.dev/v1',
  kind: 'WebApp',
  metadata: { name, namespace: 'team-a', uid: `uid-${name}`, resourceVersion: '7' },
  spec: { image: 'nginx:1.27', replicas: 2, port: 8080, service: { type: 'ClusterIP', port: 80 } },
});
const review = (request: unknown) => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', request });

async function post(t: Test, payload: string | Buffer | object, contentType?: string) {
  const headers = contentType === undefined ? {} : { 'content-type': contentType };
  const res = await app.inject({ method: 'POST', url: CONVERT_PATH, payload, headers });
  t.equal(res.statusCode, 200, 'HTTP 200 (the apiserver reads a failure only from a 200)');
  t.match(res.headers['content-type'], /^application\/json/);
  const answer = res.json() as Review;
  t.equal(answer.apiVersion, 'apiextensions.k8s.io/v1');
  t.equal(answer.kind, 'ConversionReview');
  return answer.response;
}

t.test('v1 objects come back at v2, in order, with the uid', async (t) => {
  const objects = [v1('a'), v1('b'), v1('c')];
  const response = await post(
    t,
    review({ uid: UID, desiredAPIVersion: 'shipshape.dev/v2', objects }),
    'application/json',
  );
  t.strictSame(response, {
    uid: UID,
    convertedObjects: objects.map((o) => toV2(fromV1(o))),
    result: { status: 'Success' },
  });
  t.strictSame(response.convertedObjects![0]!.spec, {
    image: 'nginx:1.27',
    replicas: 2,
    ports: [{ name: 'http', containerPort: 8080, servicePort: 80 }],
    service: { type: 'ClusterIP' },
  });
});

t.test('a review of many objects (a list in one review) above the admission limit converts whole', async (t) => {
  const objects = Array.from({ length: 2_000 }, (_, i) => v1(`app-${i}`));
  const body = JSON.stringify(review({ uid: UID, desiredAPIVersion: 'shipshape.dev/v2', objects }));
  t.ok(body.length > ADMISSION_LIMIT && body.length < CONVERSION_LIMIT, `${body.length} bytes`);
  const response = await post(t, body, 'application/json');
  t.equal(response.result.status, 'Success');
  t.equal(response.convertedObjects?.length, 2_000, 'every object');
  t.equal(
    response.convertedObjects?.[1_999]?.metadata && (response.convertedObjects[1_999].metadata as JsonObject).name,
    'app-1999',
  );
});

t.test('each kind of failure: a code, a clear message, no objects, the uid when readable', async (t) => {
  const deep = (depth: number) =>
    JSON.stringify(
      review({ uid: UID, desiredAPIVersion: 'shipshape.dev/v2', objects: [{ ...v1('deep'), spec: 'SPEC' }] }),
    ).replace('"SPEC"', `{"image":"a","resources":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`);
  const cases: [string, string | Buffer | object, string | undefined, number, RegExp, string][] = [
    ['an empty body', '', 'application/json', 400, /^CONV_EMPTY_BODY: the request body is empty$/, ''],
    ['no body and no content type', '', undefined, 400, /^CONV_EMPTY_BODY/, ''],
    ['not JSON', '{"apiVersion": ', 'application/json', 400, /^CONV_DECODE: the request body is not JSON$/, ''],
    ['JSON null', 'null', 'application/json', 400, /^CONV_INVALID_REVIEW: expected a ConversionReview/, ''],
    [
      'an AdmissionReview',
      admissionReview(minimalWebApp()),
      'application/json',
      400,
      /^CONV_INVALID_REVIEW: .*kind/,
      'c0ffee00-0000-4000-8000-000000000001',
    ],
    [
      'an unknown version',
      review({ uid: UID, desiredAPIVersion: 'shipshape.dev/v3', objects: [v1('a')] }),
      'application/json',
      400,
      /^CONV_UNSUPPORTED_VERSION: cannot convert to "shipshape.dev\/v3"/,
      UID,
    ],
    [
      'a Pod among WebApps',
      review({ uid: UID, desiredAPIVersion: 'shipshape.dev/v2', objects: [v1('a'), { ...v1('p'), kind: 'Pod' }] }),
      'application/json',
      422,
      /^CONV_INVALID_OBJECT: objects\[1\] \(team-a\/p\): kind "Pod" is not WebApp$/,
      UID,
    ],
    ['nesting that runs the stack out', deep(100_000), 'application/json', 500, /^CONV_FAILED: objects\[0\]/, UID],
    [
      'a Content-Type header that does not parse',
      review({ uid: UID, desiredAPIVersion: 'shipshape.dev/v2', objects: [] }),
      ';;;',
      415,
      /^CONV_DECODE: /,
      '',
    ],
  ];
  for (const [what, body, type, code, message, uid] of cases) {
    const response = await post(t, body, type);
    t.strictSame(Object.keys(response), ['uid', 'result'], `${what}: no objects`);
    t.equal(response.result.status, 'Failure', `${what}: Failure`);
    t.equal(response.result.code, code, `${what}: code ${code}`);
    t.match(response.result.message, message, `${what}: message`);
    t.equal(response.uid, uid, `${what}: uid`);
  }
});

t.test('any other content type is read as JSON, as the apiserver may label it', async (t) => {
  const body = JSON.stringify(review({ uid: UID, desiredAPIVersion: 'shipshape.dev/v1', objects: [v1('a')] }));
  for (const type of [undefined, 'text/plain', 'application/json; charset=utf-8', 'application/yaml']) {
    const response = await post(t, body, type);
    t.equal(response.result.status, 'Success', `${type ?? 'no content type'}: converted`);
  }
});

t.test('a body over the conversion limit: 413 Failure, and the server goes on', async (t) => {
  const response = await post(t, Buffer.alloc(CONVERSION_LIMIT + 1, 'a'), 'application/json');
  t.strictSame(response, {
    uid: '',
    result: {
      status: 'Failure',
      code: 413,
      message: `CONV_BODY_TOO_LARGE: the request body exceeds ${CONVERSION_LIMIT} bytes`,
    },
  });
  const after = await post(
    t,
    review({ uid: UID, desiredAPIVersion: 'shipshape.dev/v2', objects: [v1('a')] }),
    'application/json',
  );
  t.equal(after.result.status, 'Success');
  const admission = await app.inject({
    method: 'POST',
    url: VALIDATE_PATH,
    payload: Buffer.alloc(ADMISSION_LIMIT + 1, 'a'),
  });
  t.equal(admission.json().response.status.code, 413, 'admission keeps its own, lower limit');
});

t.test('converted objects that cannot be serialized: a CONV_FAILED Failure, never half a review', async (t) => {
  const bare = Fastify();
  t.teardown(() => bare.close());
  let calls = 0;
  await bare.register(conversionPlugin, {
    bodyLimit: CONVERSION_LIMIT,
    // The second object converts to something JSON.stringify refuses.
    convert: (object) => ({ ok: true, object: ++calls === 2 ? { big: 1n } : (object as JsonObject) }),
  });
  const payload = review({ uid: UID, desiredAPIVersion: 'shipshape.dev/v1', objects: [v1('a'), v1('b')] });
  const res = await bare.inject({ method: 'POST', url: CONVERT_PATH, payload });
  t.equal(res.statusCode, 200);
  t.strictSame(res.json().response, {
    uid: UID,
    result: {
      status: 'Failure',
      code: 500,
      message: 'CONV_FAILED: the converted objects could not be serialized',
    },
  });
});

t.test('other methods are not the route: a 4xx from Fastify', async (t) => {
  for (const method of ['GET', 'PUT'] as const) {
    const res = await app.inject({ method, url: CONVERT_PATH });
    t.equal(res.statusCode, 404, method);
  }
});

t.test('hostile requests: HTTP 200 on the route, a 4xx elsewhere, never a partial answer', async (t) => {
  const tally = new Map<string, number>();
  const result = await fc.check(
    fc.asyncProperty(hostileConversionRequest, async (req) => {
      const headers = req.contentType === undefined ? {} : { 'content-type': req.contentType };
      const res = await app.inject({ method: req.method as 'POST', url: req.path, payload: req.body, headers });
      const problem = conversionAnswerProblem(req, res.statusCode, res.body, CONVERSION_LIMIT, (k) =>
        tally.set(k, (tally.get(k) ?? 0) + 1),
      );
      if (problem)
        throw new Error(
          `${problem}\n  ${req.method} ${req.path} ${req.mutations.join(', ')}\n  got ${res.body.slice(0, 300)}`,
        );
    }),
    { numRuns: Number(process.env.SHIPSHAPE_FUZZ_RUNS ?? 500), endOnFailure: true, includeErrorInReport: true },
  );
  t.comment(`answers ${JSON.stringify(Object.fromEntries([...tally].sort()))}`);
  t.ok(!result.failed, `${result.numRuns} runs`, result.failed ? { report: fc.defaultReportMessage(result) } : {});
  t.ok((tally.get('Success') ?? 0) > result.numRuns / 10, 'a good share converted (the corpus reaches the converter)');
});
