import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { ConfigError, parseConfig, toPolicyConfig, usage } from '../../../src/config/config.ts';
import { SETTINGS } from '../../../src/config/settings.ts';
import { DEFAULT_LIMITS } from '../../../webhooks/limits.ts';
import { DEFAULT_MYSQL_POLICY_CONFIG } from '../../../webhooks/mysql-policy-config.ts';

const run = promisify(execFile);
const mainPath = new URL('../../../src/main.ts', import.meta.url).pathname;

const configOf = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const parsed = parseConfig(argv, env);
  if (parsed.help) throw new Error('unexpected help');
  return parsed.config;
};

t.test('defaults suit a cluster and match the policy defaults', async (t) => {
  const config = configOf([]);
  t.equal(config.port, 9443);
  t.equal(config.tlsCertFile, '/tls/tls.crt');
  t.equal(config.namespace, 'shipshape-system');
  t.same(toPolicyConfig(config), { limits: DEFAULT_LIMITS, mysql: DEFAULT_MYSQL_POLICY_CONFIG });
});

t.test('flags win over environment, in both --flag value and --flag=value forms', async (t) => {
  const config = configOf(['--max-replicas', '20', '--denied-ports=9090, 9443'], {
    SHIPSHAPE_MAX_REPLICAS: '15',
    SHIPSHAPE_MIN_PORT: '80',
  });
  t.equal(config.maxReplicas, 20);
  t.equal(config.minPort, 80);
  t.same(config.deniedPorts, [9090, 9443]);
});

t.test('default resources are only set when configured', async (t) => {
  const policy = toPolicyConfig(configOf(['--default-cpu-request', '100m', '--default-memory-limit', '256Mi']));
  t.same(policy.defaultResources, { requests: { cpu: '100m' }, limits: { memory: '256Mi' } });
});

t.test('every bad value is reported at once, naming the variable and the flag', async (t) => {
  const err = t.throws(() =>
    parseConfig(['--port', 'abc', '--bogus'], { SHIPSHAPE_MAX_REPLICAS: '-1', SHIPSHAPE_DEFAULT_CPU_REQUEST: 'lots' }),
  ) as ConfigError;
  t.ok(err instanceof ConfigError);
  t.equal(err.code, 'CONFIG_INVALID');
  t.match(err.message, /unknown argument --bogus/);
  t.match(err.message, /SHIPSHAPE_PORT \(--port\) = "abc"/);
  t.match(err.message, /SHIPSHAPE_MAX_REPLICAS \(--max-replicas\) = "-1"/);
  t.match(
    err.message,
    /SHIPSHAPE_DEFAULT_CPU_REQUEST \(--default-cpu-request\) = "lots": must be a Kubernetes quantity/,
  );
  t.throws(() => parseConfig(['--min-replicas', '5', '--max-replicas', '2'], {}), /must be >= min replicas/);
});

t.test('a value that is not a number says so, in words', async (t) => {
  t.throws(() => parseConfig(['--max-replicas', 'lots'], {}), {
    message: 'invalid configuration:\n  SHIPSHAPE_MAX_REPLICAS (--max-replicas) = "lots": must be a number',
  });
  t.throws(() => parseConfig(['--max-replicas', '2.5'], {}), {
    message: 'invalid configuration:\n  SHIPSHAPE_MAX_REPLICAS (--max-replicas) = "2.5": must be a whole number',
  });
  t.throws(() => parseConfig(['--lease-duration-seconds', 'soon'], {}), /= "soon": must be a number/);
});

t.test('the heap warning ratio is a share of the bound: 0.5 by default, 0 to 1', async (t) => {
  t.equal(configOf([]).heapWarningRatio, 0.5);
  t.equal(configOf([], { SHIPSHAPE_HEAP_WARNING_RATIO: '0' }).heapWarningRatio, 0, '0 turns the warning off');
  t.throws(
    () => parseConfig(['--heap-warning-ratio', '85'], {}),
    /SHIPSHAPE_HEAP_WARNING_RATIO \(--heap-warning-ratio\) = "85"/,
  );
});

t.test("the memory warning ratio is a share of the container's limit: 0.8 by default, 0 to 1", async (t) => {
  t.equal(configOf([]).memoryWarningRatio, 0.8);
  t.equal(configOf(['--memory-warning-ratio', '0.9']).memoryWarningRatio, 0.9);
  t.equal(configOf([], { SHIPSHAPE_MEMORY_WARNING_RATIO: '0' }).memoryWarningRatio, 0, '0 turns the warning off');
  t.throws(
    () => parseConfig([], { SHIPSHAPE_MEMORY_WARNING_RATIO: '1.2' }),
    /SHIPSHAPE_MEMORY_WARNING_RATIO \(--memory-warning-ratio\) = "1.2"/,
  );
});

t.test('usage lists every setting', async (t) => {
  const text = usage();
  for (const s of SETTINGS) {
    t.match(text, s.flag);
    t.match(text, s.env);
  }
});

t.test('the entry point: --help exits 0, a bad setting exits 2 with the reason', async (t) => {
  const help = await run(process.execPath, [mainPath, '--help']);
  t.match(help.stdout, /--max-replicas\s+SHIPSHAPE_MAX_REPLICAS/);
  const bad = await run(process.execPath, [mainPath, '--max-replicas', 'many']).then(
    () => undefined,
    (e: { code: number; stderr: string }) => e,
  );
  t.equal(bad?.code, 2);
  t.match(bad?.stderr, /shipshape: invalid configuration:\n {2}SHIPSHAPE_MAX_REPLICAS \(--max-replicas\) = "many"/);
});

t.test("the policies learn --controllers' kinds: absent (every kind) by default, else those named", async (t) => {
  t.equal(toPolicyConfig(configOf([])).reconciledKinds, undefined);
  t.equal(toPolicyConfig(configOf(['--controllers', 'mysqlcluster,webapp'])).reconciledKinds, undefined);
  t.strictSame(toPolicyConfig(configOf(['--controllers', 'webapp'])).reconciledKinds, ['webapp']);
  t.strictSame(toPolicyConfig(configOf(['--controllers='])).reconciledKinds, [], 'admission only: no finalizer');
});

t.test('--controllers names the kinds reconciled here: both by default, one, or none', async (t) => {
  const controllersOf = (args: string[], env: Record<string, string> = {}) => {
    const parsed = parseConfig(args, env);
    return parsed.help ? undefined : parsed.config.controllers;
  };
  t.strictSame(controllersOf([]), ['webapp', 'mysqlcluster']);
  t.strictSame(controllersOf(['--controllers', 'webapp']), ['webapp']);
  t.strictSame(controllersOf([], { SHIPSHAPE_CONTROLLERS: ' mysqlcluster , webapp ' }), ['mysqlcluster', 'webapp']);
  t.strictSame(controllersOf(['--controllers=']), [], 'none: admission only');
  t.throws(() => parseConfig(['--controllers', 'webapp,postgres'], {}), {
    message: /--controllers.*each must be one of webapp, mysqlcluster/s,
  });
  t.throws(() => parseConfig(['--controllers', 'webapp,webapp'], {}), { message: /must not name a kind twice/ });
});
