// The MySQLCluster validating policy, called directly (and once through the admission adapter for
// the message kubectl prints): every rule and its message, ratcheting, warn enforcement.
import t from 'tap';
import { withValidator } from '../../../src/admission/policy-adapters.ts';
import { validateMySQLCluster } from '../../../webhooks/validate-mysqlcluster.ts';
import { formatViolation } from '../../../webhooks/check-webapp.ts';
import { applyEnforcement, enforcementOf } from '../../../webhooks/enforcement.ts';
import type { JsonObject } from '../../../src/json/json.ts';
import { fullMySQL, mysqlContext, type MySQLContextOptions } from './mysqlcluster-context.ts';
import { toRequest } from './request.ts';

function check(object: JsonObject, options: MySQLContextOptions = {}, old?: JsonObject) {
  const { violations, warnings } = validateMySQLCluster(object, old, mysqlContext(options));
  return { violations: violations.map(formatViolation), warnings };
}
const violationsOf = (object: JsonObject, options: MySQLContextOptions = {}, old?: JsonObject) =>
  check(object, options, old).violations;

t.test('a fully specified cluster is allowed without warnings', async (t) => {
  t.strictSame(check(fullMySQL()), { violations: [], warnings: [] });
});

t.test('the denial kubectl prints names the kind, each field and its rule', async (t) => {
  const policy = withValidator(validateMySQLCluster, 'MySQLCluster');
  const decision = policy(toRequest(fullMySQL({ replicas: 9, image: 'Not An Image' })), mysqlContext());
  t.equal(decision.allowed, false);
  t.strictSame(decision.status, {
    code: 422,
    reason: 'Invalid',
    message:
      'MySQLCluster "orders" is invalid: spec.image: "Not An Image" is not a valid image reference; ' +
      'spec.replicas: 9 exceeds the maximum of 5',
  });
});

t.test('schema violations name the field', async (t) => {
  t.strictSame(violationsOf(fullMySQL({ version: '8' })), [
    'spec.version: must be a MySQL version such as 8.4 or 8.0.36',
  ]);
  t.strictSame(violationsOf(fullMySQL({ replicas: 0 })), ['spec.replicas: Too small: expected number to be >=1']);
  t.strictSame(violationsOf(fullMySQL({ storage: { claimRetention: 'Keep' } })), [
    'spec.storage.claimRetention: Invalid option: expected one of "Retain"|"Delete"',
  ]);
  t.strictSame(violationsOf(fullMySQL({ settings: { '1bad': 'x' } })).length, 1);
  t.strictSame(violationsOf(fullMySQL({ extra: true })), ['spec.extra: unknown field']);
});

t.test('a setting value holds no line break, other control character or #, and the denial names it', async (t) => {
  const rule =
    "must not contain '#' or a control character such as a line break: my.cnf would read '#' as a comment and a line break as a new line";
  // The reviewer's injection: a value that opens a [client] section and includes a file.
  t.strictSame(violationsOf(fullMySQL({ settings: { init_connect: 'x\n[client]\n!include /etc/shadow' } })), [
    `spec.settings.init_connect: ${rule}`,
  ]);
  for (const value of ['a\rb', 'a\u0000b', 'a\tb', 'a\u007fb', '200 # two hundred', '#']) {
    t.strictSame(
      violationsOf(fullMySQL({ settings: { max_connections: value } })),
      [`spec.settings.max_connections: ${rule}`],
      JSON.stringify(value),
    );
  }
  t.strictSame(
    violationsOf(
      fullMySQL({ settings: { sql_mode: "'STRICT_TRANS_TABLES,NO_ZERO_DATE'", init_connect: 'SET a = 1;' } }),
    ),
    [],
    'quotes, commas, = and ; are fine',
  );
});

t.test('the name is a DNS-1035 label short enough for the StatefulSet', async (t) => {
  t.strictSame(violationsOf(fullMySQL({}, { name: 'Orders_DB' })), [
    `metadata.name: "Orders_DB" must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter, ending with a letter or digit)`,
  ]);
  t.strictSame(violationsOf(fullMySQL({}, { name: 'a'.repeat(52) })), []);
  t.strictSame(violationsOf(fullMySQL({}, { name: 'a'.repeat(53) })), [
    `metadata.name: "${'a'.repeat(53)}" is 53 characters; at most 52 (the StatefulSet's Pods carry a label of its name and a 10-character hash)`,
  ]);
});

t.test('the image is a valid reference; an unpinned one is warned about', async (t) => {
  t.strictSame(violationsOf(fullMySQL({ image: 'MySQL:8.4' })), [
    'spec.image: "MySQL:8.4" is not a valid image reference',
  ]);
  t.strictSame(check(fullMySQL({ image: 'mysql' })).warnings, [
    'spec.image: "mysql" has no tag; pin a version (":latest" is implied)',
  ]);
  t.strictSame(check(fullMySQL({ image: 'mysql:latest' })).warnings, [
    'spec.image: "mysql:latest" uses the mutable tag "latest"; pin a version',
  ]);
  t.strictSame(check(fullMySQL({ image: `mysql@sha256:${'a'.repeat(64)}` })).warnings, []);
});

t.test('quantities: a size above zero, limits not below requests', async (t) => {
  t.strictSame(violationsOf(fullMySQL({ storage: { size: '0' } })), ['spec.storage.size: 0 must be above zero']);
  t.strictSame(violationsOf(fullMySQL({ storage: { size: 'lots' } })), [
    'spec.storage.size: must be a Kubernetes quantity such as 500m or 1Gi',
  ]);
  t.strictSame(
    violationsOf(
      fullMySQL({ resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '500m', memory: '1Gi' } } }),
    ),
    [
      'spec.resources.limits.cpu: 500m is below the request of 1',
      'spec.resources.limits.memory: 1Gi is below the request of 2Gi',
    ],
  );
});

t.test('the limits: replicas, and storage per cluster (replicas x size)', async (t) => {
  t.strictSame(violationsOf(fullMySQL({ replicas: 6 })), ['spec.replicas: 6 exceeds the maximum of 5']);
  t.strictSame(violationsOf(fullMySQL({ replicas: 5, storage: { size: '100Gi' } })), []);
  t.strictSame(violationsOf(fullMySQL({ replicas: 3, storage: { size: '200Gi' } })), [
    'spec.storage.size: 3 x 200Gi = 600Gi exceeds the maximum of 500Gi per cluster (spec.replicas x spec.storage.size)',
  ]);
  t.strictSame(violationsOf(fullMySQL({ replicas: 2 }), { limits: { maxReplicas: 1 } }), [
    'spec.replicas: 2 exceeds the maximum of 1',
  ]);
});

t.test('namespace annotations override the limits; a malformed one is ignored with a warning', async (t) => {
  const annotations = {
    'shipshape.dev/mysql-max-replicas': '9',
    'shipshape.dev/mysql-max-storage-per-cluster': '2Ti',
  };
  t.strictSame(check(fullMySQL({ replicas: 9, storage: { size: '200Gi' } }), { annotations }), {
    violations: [],
    warnings: [],
  });
  const bad = { 'shipshape.dev/mysql-max-replicas': 'many', 'shipshape.dev/mysql-max-storage-per-cluster': 'huge' };
  t.strictSame(check(fullMySQL({ replicas: 6 }), { annotations: bad }), {
    violations: ['spec.replicas: 6 exceeds the maximum of 5'],
    warnings: [
      'namespace annotation shipshape.dev/mysql-max-replicas="many" is not an integer in [0, 2147483647]; using 5',
      'namespace annotation shipshape.dev/mysql-max-storage-per-cluster="huge" is not a quantity such as 200Gi; using 500Gi',
    ],
  });
});

t.test('update rules: storage only grows', async (t) => {
  const old = fullMySQL({ storage: { size: '20Gi' } });
  t.strictSame(violationsOf(fullMySQL({ storage: { size: '10Gi' } }), {}, old), [
    'spec.storage.size: may only grow (stored 20Gi, requested 10Gi)',
  ]);
  t.strictSame(violationsOf(fullMySQL({ storage: { size: '30Gi' } }), {}, old), []);
  t.strictSame(violationsOf(fullMySQL({ storage: { size: '20480Mi' } }), {}, old), [], 'equal in other units');
});

t.test('update rules: the version never goes backwards nor skips a series', async (t) => {
  const at = (version: string) => fullMySQL({ version, image: `mysql:${version}` });
  t.strictSame(violationsOf(at('8.0'), {}, at('8.4')), [
    'spec.version: may not go backwards (stored 8.4, requested 8.0): MySQL does not downgrade its data in place',
  ]);
  t.strictSame(violationsOf(at('8.4.2'), {}, at('8.4.3')), [
    'spec.version: may not go backwards (stored 8.4.3, requested 8.4.2): MySQL does not downgrade its data in place',
  ]);
  t.strictSame(violationsOf(at('8.10'), {}, at('8.9')), [], 'compared as numbers, not text');
  t.strictSame(violationsOf(at('8.4'), {}, at('8.4.3')), [], 'a series is neither before nor after its patches');
  t.strictSame(violationsOf(at('8.4'), {}, at('8.0.36')), []);
  t.strictSame(violationsOf(at('9.1'), {}, at('8.4')), []);
  t.strictSame(violationsOf(at('8.4'), {}, at('5.7')), [
    'spec.version: may not skip the 8.0 series (stored 5.7, requested 8.4): upgrade to 8.0 first',
  ]);
  t.strictSame(violationsOf(at('9.1'), {}, at('8.0')), [
    'spec.version: may not skip the 8.4 series (stored 8.0, requested 9.1): upgrade to 8.4 first',
  ]);
});

t.test('update rules: the storage class is immutable, unset included', async (t) => {
  t.strictSame(violationsOf(fullMySQL({ storage: { storageClassName: 'slow' } }), {}, fullMySQL()), [
    'spec.storage.storageClassName: is immutable (stored "fast", requested "slow"): the data\'s claims stay on their class',
  ]);
  const unset = fullMySQL({ storage: { storageClassName: undefined } });
  t.strictSame(violationsOf(fullMySQL(), {}, unset), [
    'spec.storage.storageClassName: is immutable (stored none (the cluster\'s default), requested "fast"): the data\'s claims stay on their class',
  ]);
});

t.test('update rules deny under warn enforcement too; limits only warn', async (t) => {
  const context = mysqlContext({ enforcement: 'warn' });
  const object = fullMySQL({ replicas: 6, storage: { size: '10Gi' } });
  const result = applyEnforcement(validateMySQLCluster(object, fullMySQL(), context), enforcementOf(context));
  t.strictSame(result.violations.map(formatViolation), [
    'spec.storage.size: may only grow (stored 20Gi, requested 10Gi)',
  ]);
  t.strictSame(
    result.wouldDeny.map((v) => v.setting),
    ['mysql-max-replicas'],
  );
  t.match(
    result.warnings[0],
    /^spec\.replicas: 6 exceeds the maximum of 5 \(limit mysql-max-replicas\); this request would be denied/,
  );
});

t.test('ratcheting: an unchanged value over a lowered limit is allowed, a larger one denied', async (t) => {
  const old = fullMySQL({ replicas: 4 });
  const lowered = { limits: { maxReplicas: 3 } };
  t.strictSame(check(fullMySQL({ replicas: 4, settings: { a: 'b' } }), lowered, old), {
    violations: [],
    warnings: [
      'spec.replicas: 4 exceeds the maximum of 3; allowed because the stored object already has this value (an existing MySQLCluster keeps it; a new or larger one is denied)',
    ],
  });
  t.strictSame(violationsOf(fullMySQL({ replicas: 5 }), lowered, old), ['spec.replicas: 5 exceeds the maximum of 3']);
  // As for WebApp, only the same value is ratcheted: a smaller one still over the limit is denied.
  const storage = { limits: { maxStoragePerCluster: '50Gi' } };
  t.strictSame(check(fullMySQL({ replicas: 4 }), storage, old).violations, []);
  t.strictSame(violationsOf(fullMySQL({ replicas: 3 }), storage, old), [
    'spec.storage.size: 3 x 20Gi = 60Gi exceeds the maximum of 50Gi per cluster (spec.replicas x spec.storage.size)',
  ]);
});

t.test('warnings repeat on an update only when their field changes', async (t) => {
  const old = fullMySQL({ image: 'mysql:latest' });
  t.strictSame(check(fullMySQL({ image: 'mysql:latest', replicas: 2 }), {}, old).warnings, []);
  t.strictSame(check(fullMySQL({ image: 'mysql' }), {}, old).warnings, [
    'spec.image: "mysql" has no tag; pin a version (":latest" is implied)',
  ]);
});

t.test('an object being deleted is never denied', async (t) => {
  const deleting = fullMySQL({ replicas: 99 }, { deletionTimestamp: '2026-01-01T00:00:00Z' });
  t.strictSame(check(deleting, {}, fullMySQL()), { violations: [], warnings: [] });
});
