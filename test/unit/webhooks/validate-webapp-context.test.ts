// The validating webhook on malformed objects, under namespace overrides, and per operation.
import t from 'tap';
import { loadFixture, loadFixtures } from './request.ts';
import { fullWith, validate, violations } from './validation.ts';

t.test('structural errors are reported by path, without limit checks on the same field', async (t) => {
  t.strictSame(violations(validate(loadFixture('structural'))), [
    'spec.image: required',
    'spec.replicas: Invalid input: expected number, received string',
    'spec.replica: unknown field',
  ]);
  const object = fullWith({
    replicas: 2.5,
    env: [{ name: '1X' }, { name: '1X' }],
    resources: { requests: { cpu: true } },
  });
  t.strictSame(violations(validate(object)), [
    'spec.replicas: Invalid input: expected int, received number',
    "spec.env[0].name: must consist of letters, digits, '_', '-' or '.', and must not start with a digit",
    "spec.env[1].name: must consist of letters, digits, '_', '-' or '.', and must not start with a digit",
    'spec.resources.requests.cpu: must be an integer or a quantity such as 500m or 1Gi',
  ]);
  t.strictSame(violations(validate(fullWith({}, { name: 5 }), {}, { name: 'Bad_Name' })), [
    'metadata.name: Invalid input: expected string, received number',
  ]);
  t.strictSame(violations(validate(fullWith({}, { labels: { 'app.kubernetes.io/name': 1 } }))), [
    'metadata.labels[app.kubernetes.io/name]: Invalid input: expected string, received number',
  ]);
});

t.test('odd shapes are denied, not thrown on', async (t) => {
  const messages = loadFixtures('odd-shapes').map((object) => validate(object).status?.message);
  t.strictSame(messages, [
    'WebApp "web" is invalid: spec: Invalid input: expected object, received null',
    'WebApp "web" is invalid: spec.replicas: Invalid input: expected number, received string; spec.service: Invalid input: expected object, received string',
    'WebApp "web" is invalid: metadata.labels: Invalid input: expected record, received array; spec.resources: Invalid input: expected object, received string',
    'WebApp "" is invalid: spec: required',
  ]);
});

t.test('namespace annotations adjust the limits', async (t) => {
  const object = fullWith({ replicas: 15 });
  t.strictSame(violations(validate(object)), ['spec.replicas: 15 exceeds the maximum of 10']);
  t.strictSame(validate(object, { annotations: { 'shipshape.dev/max-replicas': '20' } }), {
    allowed: true,
    warnings: [],
  });

  const malformed = validate(object, { annotations: { 'shipshape.dev/max-replicas': 'abc' } });
  t.strictSame(violations(malformed), ['spec.replicas: 15 exceeds the maximum of 10']);
  t.strictSame(malformed.warnings, [
    'namespace annotation shipshape.dev/max-replicas="abc" is not an integer in [0, 2147483647]; using 10',
  ]);
  const allowedWithWarning = validate(fullWith({ replicas: 5 }), {
    annotations: { 'shipshape.dev/max-replicas': 'abc' },
  });
  t.equal(allowedWithWarning.allowed, true);
  t.equal(allowedWithWarning.warnings.length, 1, 'the ignored annotation is reported on allowed decisions too');
});

t.test('a port admitted only by a namespace override is allowed with a warning', async (t) => {
  const decision = validate(fullWith({ port: 80 }), { annotations: { 'shipshape.dev/min-port': '80' } });
  t.strictSame(decision, {
    allowed: true,
    warnings: [
      'spec.port: 80 is below the cluster minimum of 1024; allowed by namespace annotation shipshape.dev/min-port',
    ],
  });
  t.strictSame(
    validate(fullWith({ port: 1024 }), { annotations: { 'shipshape.dev/min-port': '80' } }).warnings,
    [],
    'no warning for a port the cluster allows anyway',
  );
  const stillDenied = validate(fullWith({ port: 79 }), { annotations: { 'shipshape.dev/min-port': '80' } });
  t.strictSame(violations(stillDenied), ['spec.port: 79 is below the minimum of 80']);
  t.strictSame(stillDenied.warnings, []);
});

t.test('UPDATE judges the new object like CREATE', async (t) => {
  const oldObject = fullWith({ replicas: 3 });
  const raised = fullWith({ replicas: 12 });
  t.strictSame(violations(validate(raised, {}, { operation: 'UPDATE', oldObject })), [
    'spec.replicas: 12 exceeds the maximum of 10',
  ]);
  const annotations = { 'shipshape.dev/max-replicas': '12' };
  t.equal(validate(raised, { annotations }, { operation: 'UPDATE', oldObject }).allowed, true);
  t.equal(
    validate(fullWith({ replicas: 3 }), {}, { operation: 'UPDATE', oldObject: raised }).allowed,
    true,
    'an invalid old object does not matter',
  );
});

t.test('DELETE and CONNECT are allowed; CREATE without an object is an error', async (t) => {
  const object = loadFixture('invalid-many');
  t.strictSame(validate(null, {}, { operation: 'DELETE', oldObject: object }), { allowed: true, warnings: [] });
  t.strictSame(validate(object, {}, { operation: 'CONNECT' }), { allowed: true, warnings: [] });
  t.strictSame(validate(null), {
    allowed: false,
    status: { code: 400, message: 'CREATE request for a WebApp carries no object', reason: 'BadRequest' },
    warnings: [],
  });
});

const RATCHETED =
  '; allowed because the stored object already has this value (an existing WebApp keeps it; a new or larger one is denied)';

t.test('UPDATE ratchets: a violation the stored object has, with the same value, is a warning', async (t) => {
  const lowered = { annotations: { 'shipshape.dev/max-replicas': '2' } };
  const stored = fullWith({ replicas: 3 });
  const update = (object: Record<string, unknown>) =>
    validate(object, lowered, { operation: 'UPDATE', oldObject: stored });

  const labelled = fullWith({ replicas: 3 }, { labels: { team: 'a' } });
  t.strictSame(
    update(labelled),
    {
      allowed: true,
      warnings: [`spec.replicas: 3 exceeds the maximum of 2${RATCHETED}`],
    },
    'a label change is admitted, and the warning names the limit',
  );
  t.equal(update(fullWith({ replicas: 3, image: 'nginx:1.28' })).allowed, true, 'so is an image change');
  t.strictSame(
    violations(update(fullWith({ replicas: 4 }))),
    ['spec.replicas: 4 exceeds the maximum of 2'],
    'worse is denied',
  );
  t.strictSame(
    violations(update(fullWith({ replicas: 3, port: 80 }))),
    ['spec.port: 80 is below the minimum of 1024'],
    'a new violation is denied',
  );
  t.strictSame(
    update(fullWith({ replicas: 3, port: 80 })).warnings,
    [`spec.replicas: 3 exceeds the maximum of 2${RATCHETED}`],
    'the old one still only warns',
  );
  t.strictSame(
    violations(validate(labelled, lowered)),
    ['spec.replicas: 3 exceeds the maximum of 2'],
    'CREATE is not ratcheted',
  );
});

t.test('UPDATE ratchets denied ports and broken specs too, value for value', async (t) => {
  const denied = { limits: { deniedPorts: [9090] } };
  const stored = fullWith({ port: 9090 });
  t.strictSame(
    validate(fullWith({ port: 9090, replicas: 2 }), denied, { operation: 'UPDATE', oldObject: stored }).warnings,
    [`spec.port: 9090 is in the denied list (9090)${RATCHETED}`],
  );
  const broken = fullWith({ image: 'Not A Ref' });
  const relabelled = fullWith({ image: 'Not A Ref' }, { labels: { team: 'a' } });
  t.equal(validate(relabelled, {}, { operation: 'UPDATE', oldObject: broken }).allowed, true, 'an unchanged bad image');
  t.strictSame(violations(validate(fullWith({ image: 'Still Not' }), {}, { operation: 'UPDATE', oldObject: broken })), [
    'spec.image: "Still Not" is not a valid image reference',
  ]);
});

t.test('an object with a deletionTimestamp is never denied', async (t) => {
  const object = loadFixture('invalid-many');
  (object.metadata as Record<string, unknown>).deletionTimestamp = '2025-03-01T10:00:00Z';
  t.strictSame(validate(object, {}, { operation: 'UPDATE', oldObject: object }), { allowed: true, warnings: [] });
});

t.test('warnings on CREATE, and on UPDATE only when their field changed', async (t) => {
  const untagged = loadFixture('untagged');
  delete (untagged.spec as Record<string, unknown>).resources;
  const warnings = validate(untagged).warnings;
  t.equal(warnings.length, 2, 'CREATE: the tag and the requests');
  const relabelled = structuredClone(untagged);
  (relabelled.metadata as Record<string, unknown>).labels = { team: 'a' };
  t.strictSame(
    validate(relabelled, {}, { operation: 'UPDATE', oldObject: untagged }).warnings,
    [],
    'a label change: none',
  );
  const retagged = structuredClone(untagged);
  (retagged.spec as Record<string, unknown>).image = 'nginx:latest';
  t.strictSame(
    validate(retagged, {}, { operation: 'UPDATE', oldObject: untagged }).warnings,
    ['spec.image: "nginx:latest" uses the mutable tag "latest"; pin a version'],
    'an image change: only the image warning',
  );
  const override = { annotations: { 'shipshape.dev/min-port': '80', 'shipshape.dev/max-replicas': 'x' } };
  const port80 = fullWith({ port: 80 });
  t.equal(validate(port80, override).warnings.length, 2);
  t.strictSame(
    validate(fullWith({ port: 80 }, { labels: { a: 'b' } }), override, { operation: 'UPDATE', oldObject: port80 })
      .warnings,
    [],
  );
  t.equal(
    validate(fullWith({ port: 80, replicas: 2 }), override, { operation: 'UPDATE', oldObject: port80 }).warnings.length,
    1,
    'a spec change: the ignored annotation again',
  );
});
