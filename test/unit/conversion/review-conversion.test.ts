// The ConversionReview edge (issue #35), by direct calls: every object converted, in order, with the
// request's uid; a clear Failure for a bad body, a bad review, an unknown version or one bad object,
// never with a partial list; and, over hostile reviews and bytes (fast-check), never a throw.
import fc from 'fast-check';
import t from 'tap';
import { fromV1 } from '../../../src/api/conversion-v1.ts';
import { toV2 } from '../../../src/api/conversion-v2.ts';
import { reviewConversion } from '../../../src/conversion/review-conversion.ts';
import type { JsonObject } from '../../../src/json/json.ts';
import { admittedV1, admittedV2, hostileWebApp, validV1, validV2 } from '../api/webapp-arbitraries.ts';

const UID = '705ab4f5-6393-11e8-b7cc-42010a800002';

function review(request: unknown, envelope: JsonObject = {}): string {
  return JSON.stringify({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', request, ...envelope });
}

function v1(name: string): JsonObject {
  return {
    apiVersion: 'shipshape.dev/v1',
    kind: 'WebApp',
    metadata: { name, namespace: 'team-a', uid: `uid-${name}`, resourceVersion: '7' },
    spec: { image: 'nginx:1.27', replicas: 2, port: 8080, service: { type: 'ClusterIP', port: 80 } },
    status: { phase: 'Running' },
  };
}

t.test('converts every object to the desired version, in order, echoing the uid', async (t) => {
  const objects = [v1('a'), v1('b'), v1('c')];
  const {
    review: answer,
    error,
    request,
  } = reviewConversion(review({ uid: UID, desiredAPIVersion: 'shipshape.dev/v2', objects }));
  t.equal(error, undefined);
  t.strictSame(request, { uid: UID, desiredAPIVersion: 'shipshape.dev/v2', objects: 3 }, 'what was asked');
  t.strictSame(answer, {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'ConversionReview',
    response: { uid: UID, convertedObjects: objects.map((o) => toV2(fromV1(o))), result: { status: 'Success' } },
  });
  const converted = (answer.response as { convertedObjects: JsonObject[] }).convertedObjects;
  t.strictSame(converted[0]!.spec, {
    image: 'nginx:1.27',
    replicas: 2,
    ports: [{ name: 'http', containerPort: 8080, servicePort: 80 }],
    service: { type: 'ClusterIP' },
  });
});

t.test('objects already at the desired version come back as they are; an empty list is a success', async (t) => {
  const v2 = toV2(fromV1(v1('b')));
  const mixed = reviewConversion(review({ uid: UID, desiredAPIVersion: 'shipshape.dev/v2', objects: [v1('a'), v2] }));
  t.strictSame((mixed.review.response as { convertedObjects: unknown[] }).convertedObjects[1], v2);
  const empty = reviewConversion(review({ uid: UID, desiredAPIVersion: 'shipshape.dev/v1', objects: [] }));
  t.strictSame(empty.review.response, { uid: UID, convertedObjects: [], result: { status: 'Success' } });
});

t.test('a bad body or review is a Failure with a clear message and a code', async (t) => {
  const cases: [string, string | Buffer | undefined, string, RegExp, string][] = [
    ['no body', undefined, 'CONV_EMPTY_BODY', /the request body is empty/, ''],
    ['whitespace', ' \n\t', 'CONV_EMPTY_BODY', /empty/, ''],
    ['not JSON', '{"apiVersion":', 'CONV_DECODE', /not JSON/, ''],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'CONV_DECODE', /not JSON/, ''],
    ['null', 'null', 'CONV_INVALID_REVIEW', /expected a ConversionReview apiextensions.k8s.io\/v1/, ''],
    ['an array', '[1,2]', 'CONV_INVALID_REVIEW', /\(root\)/, ''],
    [
      'v1beta1',
      review(
        { uid: UID, desiredAPIVersion: 'shipshape.dev/v2', objects: [] },
        { apiVersion: 'apiextensions.k8s.io/v1beta1' },
      ),
      'CONV_INVALID_REVIEW',
      /apiVersion/,
      UID,
    ],
    [
      'an AdmissionReview',
      review({ uid: UID, desiredAPIVersion: 'shipshape.dev/v2', objects: [] }, { kind: 'AdmissionReview' }),
      'CONV_INVALID_REVIEW',
      /kind/,
      UID,
    ],
    ['no request', review(undefined), 'CONV_INVALID_REVIEW', /request/, ''],
    [
      'no uid',
      review({ desiredAPIVersion: 'shipshape.dev/v2', objects: [] }),
      'CONV_INVALID_REVIEW',
      /request\.uid/,
      '',
    ],
    [
      'a numeric uid',
      review({ uid: 7, desiredAPIVersion: 'shipshape.dev/v2', objects: [] }),
      'CONV_INVALID_REVIEW',
      /request\.uid/,
      '',
    ],
    [
      'objects not a list',
      review({ uid: UID, desiredAPIVersion: 'shipshape.dev/v2', objects: {} }),
      'CONV_INVALID_REVIEW',
      /request\.objects/,
      UID,
    ],
    ['no desired version', review({ uid: UID, objects: [] }), 'CONV_INVALID_REVIEW', /desiredAPIVersion/, UID],
    [
      'an unknown version',
      review({ uid: UID, desiredAPIVersion: 'shipshape.dev/v3', objects: [v1('a')] }),
      'CONV_UNSUPPORTED_VERSION',
      /cannot convert to "shipshape.dev\/v3": the versions are shipshape.dev\/v1, shipshape.dev\/v2/,
      UID,
    ],
    [
      'another group',
      review({ uid: UID, desiredAPIVersion: 'apps/v1', objects: [] }),
      'CONV_UNSUPPORTED_VERSION',
      /apps\/v1/,
      UID,
    ],
  ];
  for (const [name, body, code, message, uid] of cases) {
    const { review: answer, error } = reviewConversion(body);
    t.equal(error?.code, code, `${name}: ${code}`);
    t.strictSame(Object.keys(answer.response), ['uid', 'result'], `${name}: no objects`);
    t.equal(answer.response.uid, uid, `${name}: uid`);
    t.equal(answer.response.result.status, 'Failure', `${name}: Failure`);
    t.match((answer.response.result as { message: string }).message, message, `${name}: message`);
    t.equal((answer.response.result as { code: number }).code, 400, `${name}: result.code 400`);
    t.equal(answer.apiVersion, 'apiextensions.k8s.io/v1');
  }
});

t.test('one object that cannot be converted fails the whole review, naming it', async (t) => {
  const bad: [unknown, RegExp][] = [
    ['a string', /^CONV_INVALID_OBJECT: objects\[1\]: not an object$/],
    [null, /objects\[1\]: not an object/],
    [{ ...v1('pod'), kind: 'Pod' }, /objects\[1\] \(team-a\/pod\): kind "Pod" is not WebApp/],
    [
      { ...v1('old'), apiVersion: 'shipshape.dev/v1alpha1' },
      /objects\[1\] \(team-a\/old\): apiVersion "shipshape.dev\/v1alpha1" is not a shipshape.dev WebApp version/,
    ],
    [{ ...v1('x'), apiVersion: undefined }, /objects\[1\] \(team-a\/x\): apiVersion undefined/],
    [{ ...v1('x'), metadata: { name: 'n'.repeat(100_000) } }, /^.{0,500}$/s],
  ];
  for (const [object, message] of bad) {
    const { review: answer, error } = reviewConversion(
      review({ uid: UID, desiredAPIVersion: 'shipshape.dev/v2', objects: [v1('a'), object, v1('c')] }),
    );
    if (
      object !== null &&
      typeof object === 'object' &&
      'kind' in object &&
      object.kind === 'WebApp' &&
      (object as JsonObject).apiVersion === 'shipshape.dev/v1'
    ) {
      // The long name is a WebApp of a known version: it converts; only its echo is bounded.
      t.equal(answer.response.result.status, 'Success');
      continue;
    }
    t.equal(error?.code, 'CONV_INVALID_OBJECT');
    t.equal((answer.response.result as { code: number }).code, 422, 'result.code 422');
    t.strictSame(Object.keys(answer.response), ['uid', 'result'], 'no partial list');
    t.match((answer.response.result as { message: string }).message, message);
  }
});

t.test('a conversion that throws is a Failure, CONV_FAILED, with no partial list', async (t) => {
  let calls = 0;
  const { review: answer, error } = reviewConversion(
    review({ uid: UID, desiredAPIVersion: 'shipshape.dev/v1', objects: [v1('a'), v1('b')] }),
    (object) => {
      if (++calls === 2) throw new RangeError('Maximum call stack size exceeded');
      return { ok: true, object: object as JsonObject };
    },
  );
  t.equal(error?.code, 'CONV_FAILED');
  t.strictSame(answer.response, {
    uid: UID,
    result: {
      status: 'Failure',
      code: 500,
      message: 'CONV_FAILED: objects[1] (team-a/b): conversion failed: Maximum call stack size exceeded',
    },
  });
  const thrownString = reviewConversion(
    review({ uid: UID, desiredAPIVersion: 'shipshape.dev/v1', objects: [v1('a')] }),
    () => {
      throw 'not an Error';
    },
  );
  t.match(thrownString.review.response.result, { status: 'Failure', message: /a non-Error was thrown/ });
});

t.test('a deeply nested or prototype-named spec never crashes the edge', async (t) => {
  const bodyWith = (resources: string) =>
    review({ uid: UID, desiredAPIVersion: 'shipshape.dev/v2', objects: [{ ...v1('deep'), spec: 'SPEC' }] }).replace(
      '"SPEC"',
      `{"__proto__":{"polluted":1},"image":"a","port":8080,"resources":${resources}}`,
    );
  const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  // Pruning keeps a stored WebApp a few levels deep (no field takes unknown content); 1,000 levels
  // still convert and serialize.
  const { review: deep } = reviewConversion(bodyWith(nested(1_000)));
  t.equal(deep.response.result.status, 'Success');
  t.doesNotThrow(() => JSON.stringify(deep));
  const converted = (deep.response as { convertedObjects: JsonObject[] }).convertedObjects[0]!;
  t.strictSame(Object.keys(converted.spec as JsonObject), ['image', 'ports', 'resources'], '__proto__ pruned');
  t.equal(Object.getPrototypeOf(converted.spec), Object.prototype);
  // Far deeper (a caller that is not the apiserver): a CONV_FAILED once the stack runs out, no throw.
  for (const depth of [5_000, 100_000, 1_000_000]) {
    let outcome: ReturnType<typeof reviewConversion> | undefined;
    t.doesNotThrow(() => (outcome = reviewConversion(bodyWith(nested(depth)))), `depth ${depth}`);
    t.equal(outcome?.review.response.uid, UID);
    t.match(outcome?.review.response.result, {
      status: 'Failure',
      message: /^CONV_FAILED: objects\[0\] \(team-a\/deep\)/,
    });
  }
  t.equal(({} as JsonObject).polluted, undefined, 'no prototype was polluted');
});

const object = fc.oneof(validV1, admittedV1, validV2, admittedV2, hostileWebApp, fc.jsonValue({ maxDepth: 2 }));
const hostileReview = fc.record(
  {
    apiVersion: fc.oneof(fc.constant('apiextensions.k8s.io/v1'), fc.jsonValue({ maxDepth: 1 })),
    kind: fc.oneof(fc.constant('ConversionReview'), fc.jsonValue({ maxDepth: 1 })),
    request: fc.oneof(
      fc.record(
        {
          uid: fc.oneof(fc.uuid(), fc.jsonValue({ maxDepth: 1 })),
          desiredAPIVersion: fc.oneof(
            fc.constantFrom('shipshape.dev/v1', 'shipshape.dev/v2', 'shipshape.dev/v3', ''),
            fc.jsonValue({ maxDepth: 1 }),
          ),
          objects: fc.oneof(
            { arbitrary: fc.array(object, { maxLength: 5 }), weight: 5 },
            fc.jsonValue({ maxDepth: 2 }),
          ),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue({ maxDepth: 2 }),
    ),
  },
  { requiredKeys: [] },
);

t.test('hostile reviews and bytes: never a throw, never a partial answer', async (t) => {
  const bodies = fc.oneof(
    { arbitrary: hostileReview.map((r) => JSON.stringify(r)), weight: 8 },
    { arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), weight: 1 },
    { arbitrary: hostileReview.map((r) => JSON.stringify(r).slice(0, -3)), weight: 1 },
  );
  const result = fc.check(
    fc.property(bodies, (body) => {
      const { review: answer, error } = reviewConversion(body);
      JSON.stringify(answer);
      if (typeof answer.response.uid !== 'string') throw new Error('uid is not a string');
      if (answer.response.result.status === 'Success') {
        if (error) throw new Error('a Success with an error');
        const request = (JSON.parse(body.toString()) as { request: { objects: unknown[] } }).request;
        const converted = (answer.response as { convertedObjects: unknown[] }).convertedObjects;
        if (converted.length !== request.objects.length) throw new Error('a partial list');
      } else if (!error || 'convertedObjects' in answer.response) {
        throw new Error('a Failure without its error, or with objects');
      }
    }),
    { numRuns: 3_000 },
  );
  t.ok(!result.failed, `${result.numRuns} runs`, result.failed ? { report: fc.defaultReportMessage(result) } : {});
});
