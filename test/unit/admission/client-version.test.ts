// Admission at the client's version (src/admission/client-version.ts): a v1 client's request is
// judged as before, a v1 client's update of an object created at v2 has the v2-only fields of its
// annotation judged at the annotation's path, and a version no policy knows is a 400.
import t from 'tap';
import { ADMISSION_ROUTES } from '../../../src/admission/routes.ts';
import type { JsonObject } from '../../../src/json/json.ts';
import { loadFixture, toContext, toRequest } from '../webhooks/request.ts';
import { at, loadV2Fixture, toClientRequest, validateAt } from '../webhooks/request-v2.ts';
import { violations } from '../webhooks/validation.ts';

const [mutate, validate] = ['mutate', 'validate'].map(
  (webhook) => ADMISSION_ROUTES.find((r) => r.webhook === webhook)!.policy,
) as [(typeof ADMISSION_ROUTES)[number]['policy'], (typeof ADMISSION_ROUTES)[number]['policy']];

/** The v2 fixture with a second port `port`, read at v1: the annotation carries the second port. */
function storedAtV1(port: number): JsonObject {
  const v2 = loadV2Fixture('full');
  (v2.spec as JsonObject).ports = [
    { name: 'http', containerPort: 8080, servicePort: 443 },
    { name: 'admin', containerPort: port },
  ];
  return at(v2, 'shipshape.dev/v1');
}

t.test("a v1 client's request is judged by v1's policies, unconverted", async (t) => {
  const object = loadFixture('full');
  const request = toRequest(object);
  t.strictSame(validate(request, toContext()), { allowed: true, warnings: [] });
  t.equal(mutate(request, toContext()).patch, undefined);
  const port80 = { ...object, spec: { ...(object.spec as JsonObject), port: 80 } };
  t.strictSame(violations(validate(toRequest(port80), toContext())), ['spec.port: 80 is below the minimum of 1024']);
});

t.test("a v1 client's update of an object created at v2 has its annotation's ports judged", async (t) => {
  const limits = { limits: { deniedPorts: [9000] } };
  const denied = validateAt(storedAtV1(9000), limits, { operation: 'UPDATE', oldObject: storedAtV1(9001) });
  t.strictSame(violations(denied), [
    'metadata.annotations[shipshape.dev/v2-fields].spec.ports[1].containerPort: 9000 is in the denied list (9000)',
  ]);
  const kept = validateAt(storedAtV1(9000), limits, { operation: 'UPDATE', oldObject: storedAtV1(9000) });
  t.equal(kept.allowed, true, 'an existing violation in the annotation is ratcheted');
  t.match(kept.warnings, [
    /^metadata\.annotations\[shipshape\.dev\/v2-fields\]\.spec\.ports\[1\]\.containerPort: 9000/,
  ]);
});

t.test("the annotation's autoscaling and env references are judged; v1 fields keep v1 paths", async (t) => {
  const v2 = loadV2Fixture('full');
  const spec = v2.spec as JsonObject;
  spec.autoscaling = { maxReplicas: 20 };
  spec.env = [{ name: 'A', valueFrom: {} }];
  spec.ports = [{ name: 'http', containerPort: 80, servicePort: 443 }];
  const v1 = at(v2, 'shipshape.dev/v1');
  t.strictSame(violations(validateAt(v1)), [
    'spec.port: 80 is below the minimum of 1024',
    'metadata.annotations[shipshape.dev/v2-fields].spec.env[0].valueFrom: must set exactly one of secretKeyRef or configMapKeyRef (neither is set)',
    'metadata.annotations[shipshape.dev/v2-fields].spec.autoscaling.maxReplicas: 20 exceeds the maximum of 10',
  ]);
});

t.test('a client version no policy knows is a 400, never an allow', async (t) => {
  const request = toClientRequest(loadFixture('full'));
  const v3 = { ...request, requestKind: { ...request.kind, version: 'v3' } };
  for (const policy of [mutate, validate]) {
    const decision = policy(v3, toContext());
    t.equal(decision.allowed, false);
    t.equal(decision.status?.code, 400);
    t.equal(decision.errorCode, 'ADM_WRONG_RESOURCE');
    t.match(decision.status?.message, /shipshape\.dev\/v1, shipshape\.dev\/v2, not shipshape\.dev\/v3/);
  }
});

t.test('a DELETE at v2 is allowed without conversion', async (t) => {
  const request = toClientRequest(loadV2Fixture('full'), { operation: 'DELETE' });
  t.strictSame(validate({ ...request, object: null }, toContext()), { allowed: true, warnings: [] });
  t.strictSame(mutate({ ...request, object: null }, toContext()), { allowed: true, warnings: [] });
});
