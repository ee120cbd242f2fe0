import { readFile } from 'node:fs/promises';
import t from 'tap';
import { toPolicyConfigFromFile, toServerArguments } from '../../../src/cli/config-file.ts';
import { ConfigError, parseConfig, toPolicyConfig } from '../../../src/config/config.ts';
import { DEFAULT_LIMITS } from '../../../webhooks/limits.ts';
import { DEFAULT_MYSQL_POLICY_CONFIG } from '../../../webhooks/mysql-policy-config.ts';

const FIXTURES = new URL('../../fixtures/cli/', import.meta.url);
const fixture = (name: string) => readFile(new URL(name, FIXTURES), 'utf8');

/** What the server builds from the same settings given as its environment and flags. */
function serverPolicyConfig(argv: string[], env: NodeJS.ProcessEnv) {
  const parsed = parseConfig(argv, env);
  if (parsed.help) throw new Error('help');
  return toPolicyConfig(parsed.config);
}

t.test('an empty file gives the server defaults', async (t) => {
  t.strictSame(toPolicyConfigFromFile('', 'empty.yaml'), {
    limits: DEFAULT_LIMITS,
    mysql: DEFAULT_MYSQL_POLICY_CONFIG,
  });
  t.strictSame(toPolicyConfigFromFile('# nothing\n', 'empty.yaml'), serverPolicyConfig([], {}));
});

t.test('variable names become the environment, flag names flags; flags win as in the server', async (t) => {
  const text = await fixture('config.yaml');
  t.strictSame(toServerArguments(text, 'config.yaml'), {
    argv: ['--max-replicas=20', '--denied-ports=8080,9090', '--default-cpu-request=100m'],
    env: { SHIPSHAPE_MAX_REPLICAS: '60' },
  });
  const config = toPolicyConfigFromFile(text, 'config.yaml');
  t.strictSame(config, {
    limits: { ...DEFAULT_LIMITS, maxReplicas: 20, deniedPorts: [8080, 9090] },
    defaultResources: { requests: { cpu: '100m' } },
    mysql: DEFAULT_MYSQL_POLICY_CONFIG,
  });
});

t.test('a ConfigMap is read from its data', async (t) => {
  t.strictSame(
    toPolicyConfigFromFile(await fixture('configmap-config.yaml'), 'cm.yaml'),
    toPolicyConfigFromFile(await fixture('config.yaml'), 'config.yaml'),
  );
});

t.test('a bad value is refused with the server message, prefixed by the file', async (t) => {
  const err = t.throws(() => toPolicyConfigFromFile('SHIPSHAPE_MAX_REPLICAS: lots\n', 'bad.yaml')) as ConfigError;
  t.ok(err instanceof ConfigError);
  t.match(err.message, /^bad\.yaml: invalid configuration:\n {2}SHIPSHAPE_MAX_REPLICAS \(--max-replicas\) = "lots"/);
  t.throws(() => toPolicyConfigFromFile('min-port: 2000\nmax-port: 1500\n', 'x.yaml'), /must be >= min port/);
});

t.test('unknown settings, values that are not scalars, and files that are not mappings are refused', async (t) => {
  t.throws(() => toPolicyConfigFromFile('max-replica: 3\nSHIPSHAPE_FOO: 1\n', 'x.yaml'), {
    message: /unknown setting "max-replica" = 3\n {2}unknown setting "SHIPSHAPE_FOO" = 1\n/,
  });
  t.throws(() => toPolicyConfigFromFile('max-replicas: {a: 1}\n', 'x.yaml'), {
    message: /max-replicas = \{"a":1\}: expected a string, a number or a list of them/,
  });
  t.throws(() => toPolicyConfigFromFile('- a\n', 'x.yaml'), /x\.yaml: expected a mapping of settings/);
  t.throws(() => toPolicyConfigFromFile('a: [\n', 'x.yaml'), { name: 'ConfigError', message: /^x\.yaml:\d+:\d+ / });
});
