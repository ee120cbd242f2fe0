// The validating webhook on a v2 client's request (issue #35): received at v1 as the apiserver
// converts it, judged at v2, each violation at the path the client wrote, with v1's limits applied
// to every port and to autoscaling, ratcheting and warn mode as for v1.
import t from 'tap';
import type { JsonObject } from '../../../src/json/json.ts';

import { loadV2Fixture, validateAt } from './request-v2.ts';
import { violations } from './validation.ts';

function v2With(spec: JsonObject, metadata: JsonObject = {}): JsonObject {
  const object = loadV2Fixture('full');
  Object.assign(object.spec as JsonObject, spec);
  Object.assign(object.metadata as JsonObject, metadata);
  return object;
}

const PORTS: [JsonObject, JsonObject] = [
  { name: 'http', containerPort: 8080, servicePort: 443 },
  { name: 'metrics', containerPort: 9090 },
];

t.test('a fully specified v2 WebApp is allowed without warnings', async (t) => {
  t.strictSame(validateAt(loadV2Fixture('full')), { allowed: true, warnings: [] });
});

t.test('the limits apply to every port, at its v2 path', async (t) => {
  const second = (port: JsonObject) => v2With({ ports: [PORTS[0], { name: 'admin', ...port }] });
  t.strictSame(violations(validateAt(second({ containerPort: 80 }))), [
    'spec.ports[1].containerPort: 80 is below the minimum of 1024',
  ]);
  t.strictSame(violations(validateAt(second({ containerPort: 9000 }), { limits: { deniedPorts: [9000] } })), [
    'spec.ports[1].containerPort: 9000 is in the denied list (9000)',
  ]);
  t.strictSame(
    violations(validateAt(second({ containerPort: 9000, servicePort: 30 }), { limits: { minServicePort: 80 } })),
    ['spec.ports[1].servicePort: 30 is below the minimum of 80'],
  );
  t.strictSame(
    violations(validateAt(second({ containerPort: 9090 }), { annotations: { 'shipshape.dev/max-port': '9000' } })),
    ['spec.ports[1].containerPort: 9090 exceeds the maximum of 9000'],
  );
  t.strictSame(violations(validateAt(v2With({ ports: [{ name: 'http', containerPort: 80 }] }))), [
    'spec.ports[0].containerPort: 80 is below the minimum of 1024',
  ]);
});

t.test('a defaulted port that breaks a limit says it was the default', async (t) => {
  const object = v2With({ ports: [{ name: 'http', containerPort: 8080, servicePort: 80 }] });
  t.strictSame(violations(validateAt(object, { limits: { maxPort: 8000 } })), [
    'spec.ports[0].containerPort: 8080 exceeds the maximum of 8000 (the default for an omitted spec.ports: set one the limits allow)',
  ]);
});

t.test('a port a namespace min-port admits below the cluster minimum is a warning', async (t) => {
  const object = v2With({ ports: [PORTS[0], { name: 'admin', containerPort: 900 }] });
  const decision = validateAt(object, { annotations: { 'shipshape.dev/min-port': '800' } });
  t.equal(decision.allowed, true);
  t.strictSame(decision.warnings, [
    'spec.ports[1].containerPort: 900 is below the cluster minimum of 1024; allowed by namespace annotation shipshape.dev/min-port',
  ]);
});

t.test('port names are valid IANA service names and unique; container and Service ports unique', async (t) => {
  const ports = (...list: JsonObject[]) => v2With({ ports: list });
  t.strictSame(violations(validateAt(ports(PORTS[0], { name: '8081', containerPort: 8081 }))), [
    'spec.ports[1].name: "8081" must contain at least one letter',
  ]);
  t.strictSame(violations(validateAt(ports(PORTS[0], { name: 'a--b', containerPort: 8081 }))), [
    `spec.ports[1].name: "a--b" must not contain '--'`,
  ]);
  t.strictSame(violations(validateAt(ports(PORTS[0], { name: 'http', containerPort: 8081 }))), [
    'spec.ports[1].name: duplicate name "http" (also at spec.ports[0])',
  ]);
  t.strictSame(violations(validateAt(ports(PORTS[0], { name: 'admin', containerPort: 8080, servicePort: 443 }))), [
    'spec.ports[1].containerPort: duplicate containerPort 8080 (also at spec.ports[0])',
    'spec.ports[1].servicePort: duplicate servicePort 443 (also at spec.ports[0])',
  ]);
});

t.test('the replica limits apply to autoscaling.maxReplicas; minReplicas is at most it', async (t) => {
  t.strictSame(violations(validateAt(v2With({ autoscaling: { minReplicas: 2, maxReplicas: 11 } }))), [
    'spec.autoscaling.maxReplicas: 11 exceeds the maximum of 10',
  ]);
  t.strictSame(violations(validateAt(v2With({ autoscaling: { maxReplicas: 4 } }), { limits: { maxReplicas: 3 } })), [
    'spec.autoscaling.maxReplicas: 4 exceeds the maximum of 3',
  ]);
  t.strictSame(violations(validateAt(v2With({ autoscaling: { minReplicas: 5, maxReplicas: 4 } }))), [
    'spec.autoscaling.minReplicas: 5 exceeds maxReplicas (4)',
  ]);
});

t.test('an env entry has a value or a valueFrom naming one key; names are unique', async (t) => {
  const ref = { name: 'shop-db', key: 'password' };
  const env = (entry: JsonObject) =>
    v2With({
      env: [
        { name: 'A', value: 'x' },
        { name: 'B', ...entry },
      ],
    });
  t.strictSame(violations(validateAt(env({ value: 'y', valueFrom: { secretKeyRef: ref } }))), [
    'spec.env[1].valueFrom: must not be set with value',
  ]);
  t.strictSame(violations(validateAt(env({ valueFrom: { secretKeyRef: ref, configMapKeyRef: ref } }))), [
    'spec.env[1].valueFrom: must set exactly one of secretKeyRef or configMapKeyRef (both are set)',
  ]);
  t.strictSame(violations(validateAt(env({ valueFrom: {} }))), [
    'spec.env[1].valueFrom: must set exactly one of secretKeyRef or configMapKeyRef (neither is set)',
  ]);
  const duplicate = v2With({
    env: [
      { name: 'A', value: 'x' },
      { name: 'A', valueFrom: { configMapKeyRef: ref } },
    ],
  });
  t.strictSame(violations(validateAt(duplicate)), ['spec.env[1].name: duplicate name "A" (also at spec.env[0])']);
});

t.test("v1's fields keep v1's messages at the paths both versions share", async (t) => {
  t.strictSame(violations(validateAt(v2With({ replicas: 11, image: 'Bad Image' }, { name: 'My_App' }))), [
    `metadata.name: "My_App" must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter, ending with a letter or digit, at most 63 characters)`,
    'spec.image: "Bad Image" is not a valid image reference',
    'spec.replicas: 11 exceeds the maximum of 10',
  ]);
  const decision = validateAt(v2With({ image: 'shop' }));
  t.strictSame(decision.warnings, ['spec.image: "shop" has no tag; pin a version (":latest" is implied)']);
});

t.test('an UPDATE keeps an existing violation of a v2 field with a warning (ratcheting)', async (t) => {
  const stored = v2With({ ports: [PORTS[0], { name: 'admin', containerPort: 9000 }] });
  const limits = { limits: { deniedPorts: [9000] } };
  const kept = validateAt(v2With({ replicas: 4, ports: (stored.spec as JsonObject).ports }), limits, {
    operation: 'UPDATE',
    oldObject: stored,
  });
  t.equal(kept.allowed, true);
  t.strictSame(kept.warnings, [
    'spec.ports[1].containerPort: 9000 is in the denied list (9000); allowed because the stored object already has this value (an existing WebApp keeps it; a new or larger one is denied)',
  ]);
  const larger = v2With({ autoscaling: { maxReplicas: 12 } });
  const before = v2With({ autoscaling: { maxReplicas: 11 } });
  t.strictSame(violations(validateAt(larger, {}, { operation: 'UPDATE', oldObject: before })), [
    'spec.autoscaling.maxReplicas: 12 exceeds the maximum of 10',
  ]);
  t.equal(validateAt(before, {}, { operation: 'UPDATE', oldObject: before }).allowed, true);
});

t.test('warn mode admits a v2 limit violation and reports it as would-deny', async (t) => {
  const object = v2With({ autoscaling: { maxReplicas: 11 } });
  const decision = validateAt(object, { annotations: { 'shipshape.dev/enforcement': 'warn' } });
  t.equal(decision.allowed, true);
  t.strictSame(decision.wouldDeny, [
    { setting: 'max-replicas', reason: 'spec.autoscaling.maxReplicas: 11 exceeds the maximum of 10' },
  ]);
});

t.test('a v2 field of the wrong shape is reported by the v2 schema, at v2 paths', async (t) => {
  const object = v2With({ ports: [{ name: 'HTTP', containerPort: 8080 }] });
  t.strictSame(violations(validateAt(object)), [
    "spec.ports[0].name: must be at most 15 lowercase letters, digits and '-'",
  ]);
});
