// The validating webhook's checks of a WebApp's fields, each with the exact message kubectl prints.
import t from 'tap';
import { loadFixture } from './request.ts';
import { fullWith, NO_REQUESTS, validate, violations } from './validation.ts';
import type { JsonObject } from '../../../src/json/json.ts';

const DNS_1035 =
  "must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter, ending with a letter or digit, at most 63 characters)";

t.test('a fully specified WebApp is allowed without warnings', async (t) => {
  t.strictSame(validate(loadFixture('full')), { allowed: true, warnings: [] });
});

t.test('every violation is listed in one 422 denial', async (t) => {
  const decision = validate(loadFixture('invalid-many'));
  t.equal(decision.allowed, false);
  t.strictSame(decision.status, {
    code: 422,
    reason: 'Invalid',
    message:
      `WebApp "My_App" is invalid: metadata.name: "My_App" ${DNS_1035}; ` +
      'spec.replicas: 50 exceeds the maximum of 10; ' +
      'spec.port: 80 is below the minimum of 1024; ' +
      'spec.env[2].name: duplicate name "FOO" (also at spec.env[0]); ' +
      'spec.resources.limits.cpu: 100m is below the request of 200m',
  });
  t.strictSame(decision.warnings, []);
});

t.test('replicas outside the limits', async (t) => {
  t.strictSame(violations(validate(fullWith({ replicas: 0 }))), ['spec.replicas: 0 is below the minimum of 1']);
  t.strictSame(violations(validate(fullWith({ replicas: 11 }))), ['spec.replicas: 11 exceeds the maximum of 10']);
  t.strictSame(validate(fullWith({ replicas: 10 })).allowed, true, 'the maximum itself is allowed');
  t.strictSame(violations(validate(fullWith({ replicas: 4 }), { limits: { maxReplicas: 3 } })), [
    'spec.replicas: 4 exceeds the maximum of 3',
  ]);
});

t.test('container ports outside the limits or denied', async (t) => {
  t.strictSame(violations(validate(fullWith({ port: 80 }))), ['spec.port: 80 is below the minimum of 1024']);
  t.strictSame(
    violations(validate(fullWith({ port: 70000 }))),
    ['spec.port: 70000 exceeds the maximum of 65535'],
    'reported once, by the limit, not also by the schema',
  );
  t.strictSame(violations(validate(fullWith({ port: 9000 }), { limits: { deniedPorts: [9000, 9090] } })), [
    'spec.port: 9000 is in the denied list (9000, 9090)',
  ]);
  t.strictSame(
    violations(validate(fullWith({ port: 9090 }), { annotations: { 'shipshape.dev/denied-ports': '9000, 9090' } })),
    ['spec.port: 9090 is in the denied list (9000, 9090)'],
  );
  t.equal(validate(fullWith({ port: 9091 }), { limits: { deniedPorts: [9000, 9090] } }).allowed, true);
});

t.test('service ports outside the limits', async (t) => {
  const limits = { minServicePort: 80, maxServicePort: 8080 };
  t.strictSame(violations(validate(fullWith({ service: { port: 30 } }), { limits })), [
    'spec.service.port: 30 is below the minimum of 80',
  ]);
  t.strictSame(violations(validate(fullWith({ service: { port: 9000 } }), { limits })), [
    'spec.service.port: 9000 exceeds the maximum of 8080',
  ]);
  t.strictSame(violations(validate(fullWith({ service: { port: 0 } }))), [
    'spec.service.port: 0 is below the minimum of 1',
  ]);
});

t.test('names must be DNS-1035 labels', async (t) => {
  for (const name of ['My_App', '1app', 'app-', 'a'.repeat(64)]) {
    t.strictSame(violations(validate(fullWith({}, { name }))), [`metadata.name: ${JSON.stringify(name)} ${DNS_1035}`]);
  }
  t.equal(validate(fullWith({}, { name: 'a'.repeat(63) })).allowed, true);
  const unnamed = loadFixture('full');
  delete (unnamed.metadata as JsonObject).name;
  t.match(validate(unnamed, {}, { name: 'Bad.Name' }).status?.message, `metadata.name: "Bad.Name" ${DNS_1035}`);
});

t.test('generateName-only objects skip the name check', async (t) => {
  const decision = validate(loadFixture('generate-name'));
  t.strictSame(decision, { allowed: true, warnings: [NO_REQUESTS] });
  const invalid = validate({ ...loadFixture('generate-name'), spec: { image: 'nginx:1.27', replicas: 99 } });
  t.equal(invalid.status?.message, 'WebApp "web-" is invalid: spec.replicas: 99 exceeds the maximum of 10');
});

t.test('images must be references, and should be pinned', async (t) => {
  t.strictSame(violations(validate(fullWith({ image: 'Not A Ref' }))), [
    'spec.image: "Not A Ref" is not a valid image reference',
  ]);
  t.strictSame(validate(loadFixture('untagged')), {
    allowed: true,
    warnings: ['spec.image: "nginx" has no tag; pin a version (":latest" is implied)'],
  });
  t.strictSame(validate(loadFixture('latest')), {
    allowed: true,
    warnings: ['spec.image: "nginx:latest" uses the mutable tag "latest"; pin a version'],
  });
  const digest = `sha256:${'ab'.repeat(32)}`;
  t.strictSame(validate(fullWith({ image: `nginx:latest@${digest}` })).warnings, [], 'a digest pins the image');
  t.strictSame(validate(fullWith({ image: `nginx@${digest}` })).warnings, []);
});

t.test('warnings are returned on denials too', async (t) => {
  const object = loadFixture('latest');
  (object.spec as JsonObject).replicas = 50;
  delete (object.spec as JsonObject).resources;
  const decision = validate(object);
  t.equal(decision.allowed, false);
  t.strictSame(decision.warnings, [
    'spec.image: "nginx:latest" uses the mutable tag "latest"; pin a version',
    NO_REQUESTS,
  ]);
});

t.test('duplicate environment variable names', async (t) => {
  const env = [{ name: 'FOO' }, { name: 'FOO', value: 'x' }, { name: 'BAR' }, { name: 'BAR' }, { name: 'FOO' }];
  t.strictSame(violations(validate(fullWith({ env }))), [
    'spec.env[1].name: duplicate name "FOO" (also at spec.env[0])',
    'spec.env[3].name: duplicate name "BAR" (also at spec.env[2])',
    'spec.env[4].name: duplicate name "FOO" (also at spec.env[0])',
  ]);
});

t.test('limits below requests, across suffixes', async (t) => {
  const resources = { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '999m', memory: '512Mi' } };
  t.strictSame(violations(validate(fullWith({ resources }))), [
    'spec.resources.limits.cpu: 999m is below the request of 1',
    'spec.resources.limits.memory: 512Mi is below the request of 1Gi',
  ]);
  const equal = { requests: { cpu: '1', memory: '1024Mi' }, limits: { cpu: '1000m', memory: '1Gi' } };
  t.equal(validate(fullWith({ resources: equal })).allowed, true);
  t.equal(validate(fullWith({ resources: { limits: { cpu: '1m' } } })).allowed, true, 'a limit alone is fine');
  t.strictSame(violations(validate(fullWith({ resources: { requests: { cpu: '1e1.5' } } }))), [
    'spec.resources.requests.cpu: "1e1.5" is not a Kubernetes quantity',
  ]);
});

t.test('a WebApp without requests is allowed with a warning', async (t) => {
  t.strictSame(validate(fullWith({ resources: { limits: { cpu: '1' } } })).warnings, [NO_REQUESTS]);
  t.strictSame(validate(fullWith({ resources: { requests: {} } })).warnings, [NO_REQUESTS]);
  t.strictSame(validate(fullWith({ resources: { requests: { memory: '1Gi' } } })).warnings, []);
});

t.test('a limit broken by a default value says that it is the default', async (t) => {
  t.strictSame(violations(validate(fullWith({ port: 8080 }), { limits: { deniedPorts: [8080] } })), [
    'spec.port: 8080 is in the denied list (8080) (the default for an omitted spec.port: set one the limits allow)',
  ]);
  t.strictSame(violations(validate(fullWith({ service: { port: 80 } }), { limits: { minServicePort: 443 } })), [
    'spec.service.port: 80 is below the minimum of 443 (the default for an omitted spec.service.port: set one the limits allow)',
  ]);
  t.strictSame(
    violations(validate(fullWith({ port: 8081 }), { limits: { deniedPorts: [8081] } })),
    ['spec.port: 8081 is in the denied list (8081)'],
    'not for another value',
  );
});
