// What a user sees through kubectl when writing a MySQLCluster (issue #36): the real apiserver
// calling a real Shipshape process on its MySQLCluster routes, with the settings the process was
// started with; and `shipshape review` (offline, in this process, with the same settings, and
// --server against that process) deciding as the server does.
import { parse } from 'yaml';
import t from 'tap';
import { reviewOffline } from '../../src/cli/review-offline.ts';
import { reviewOnServer } from '../../src/cli/review-server.ts';
import { parseConfig, toPolicyConfig } from '../../src/config/config.ts';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import type { JsonObject } from '../../src/json/json.ts';
import { useNamespace } from '../helpers/control-plane.ts';
import { kubectl } from '../helpers/kubectl.ts';

// The server's settings, as a Deployment's environment would give them; the CLI judges by the same.
const SETTINGS = { SHIPSHAPE_MYSQL_MAX_REPLICAS: '3', SHIPSHAPE_MYSQL_MAX_STORAGE_PER_CLUSTER: '100Gi' };
const parsed = parseConfig([], SETTINGS);
if (parsed.help) throw new Error('unreachable');
const policyConfig = toPolicyConfig(parsed.config);

const env = await startDevEnvironment({ env: SETTINGS });
t.teardown(() => env.stop());
const kc = env.kc;
const run = (args: string[], input?: string) => kubectl(env.cp.kubeconfigPath, args, input);

const cluster = (name: string, spec: JsonObject): JsonObject => ({
  apiVersion: 'shipshape.dev/v1alpha1',
  kind: 'MySQLCluster',
  metadata: { name },
  spec,
});
const apply = (ns: string, object: JsonObject, ...flags: string[]) =>
  run(['apply', ...flags, '-n', ns, '-f', '-'], JSON.stringify(object));
const stored = async (ns: string, name: string) =>
  parse((await run(['get', 'mysqlcluster', name, '-n', ns, '-o', 'yaml'])).stdout) as { spec: JsonObject };

t.test('an empty spec is stored with every default filled in', async (t) => {
  const ns = await useNamespace(t, kc);
  const res = await apply(ns, cluster('orders', {}));
  t.equal(res.code, 0, res.stderr);
  const { spec } = await stored(ns, 'orders');
  t.strictSame(spec, {
    version: '8.4',
    image: 'mysql:8.4',
    replicas: 1,
    // No class is set: the cluster's default StorageClass applies.
    storage: { size: '10Gi', claimRetention: 'Retain' },
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } },
    settings: {},
  });
  const again = await apply(ns, cluster('orders', {}));
  t.match(again.stdout, /unchanged/, 're-applying the same manifest changes nothing');
});

t.test('over the limits: denied, each field named with its rule, nothing stored', async (t) => {
  const ns = await useNamespace(t, kc);
  const res = await apply(ns, cluster('big', { replicas: 4, storage: { size: '50Gi' } }));
  t.not(res.code, 0);
  t.match(res.stderr, /admission webhook "validate\.mysqlclusters\.shipshape\.dev" denied the request/);
  t.match(res.stderr, /spec\.replicas: 4 exceeds the maximum of 3/);
  t.match(res.stderr, /spec\.storage\.size: 4 x 50Gi = 200Gi exceeds the maximum of 100Gi per cluster/);
  t.match((await run(['get', 'mysqlcluster', 'big', '-n', ns])).stderr, /NotFound/);
  const long = await apply(ns, cluster('a'.repeat(53), {}));
  t.match(long.stderr, /metadata\.name: "a{53}" is 53 characters; at most 52/);
});

t.test('a namespace annotation raises a limit', async (t) => {
  const ns = await useNamespace(t, kc);
  t.equal((await run(['annotate', 'namespace', ns, 'shipshape.dev/mysql-max-replicas=5'])).code, 0);
  // The webhook reads annotations from its watched cache; allow the watch event a moment.
  let res = await apply(ns, cluster('wide', { replicas: 5, storage: { size: '20Gi' } }));
  for (let i = 0; i < 50 && res.code !== 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    res = await apply(ns, cluster('wide', { replicas: 5, storage: { size: '20Gi' } }));
  }
  t.equal(res.code, 0, res.stderr);
});

t.test(
  'update rules: shrinking storage, a downgrade and a class change are denied; growth and an upgrade go through',
  async (t) => {
    const ns = await useNamespace(t, kc);
    const base = { version: '8.0', storage: { size: '20Gi', storageClassName: 'fast' } };
    t.equal((await apply(ns, cluster('db', base))).code, 0);

    const shrink = await apply(ns, cluster('db', { ...base, storage: { size: '10Gi', storageClassName: 'fast' } }));
    t.not(shrink.code, 0);
    t.match(shrink.stderr, /spec\.storage\.size: may only grow \(stored 20Gi, requested 10Gi\)/);

    const move = await apply(ns, cluster('db', { ...base, storage: { size: '20Gi', storageClassName: 'slow' } }));
    t.match(move.stderr, /spec\.storage\.storageClassName: is immutable \(stored "fast", requested "slow"\)/);

    const skip = await apply(ns, cluster('db', { ...base, version: '9.1' }));
    t.match(
      skip.stderr,
      /spec\.version: may not skip the 8\.4 series \(stored 8\.0, requested 9\.1\): upgrade to 8\.4 first/,
    );

    const up = await apply(ns, cluster('db', { version: '8.4', storage: { size: '30Gi', storageClassName: 'fast' } }));
    t.equal(up.code, 0, up.stderr);
    t.match((await stored(ns, 'db')).spec, { version: '8.4', image: 'mysql:8.4', storage: { size: '30Gi' } });

    const down = await apply(ns, cluster('db', { ...base, storage: { size: '30Gi', storageClassName: 'fast' } }));
    t.not(down.code, 0);
    t.match(down.stderr, /spec\.version: may not go backwards \(stored 8\.4, requested 8\.0\)/);
    t.match((await stored(ns, 'db')).spec, { version: '8.4', storage: { size: '30Gi', storageClassName: 'fast' } });
  },
);

t.test('--dry-run=server prints the defaulted object or the denial, and stores nothing', async (t) => {
  const ns = await useNamespace(t, kc);
  const ok = await apply(ns, cluster('dry', { version: '8.0.36' }), '--dry-run=server', '-o', 'yaml');
  t.equal(ok.code, 0, ok.stderr);
  t.match(parse(ok.stdout).spec, { version: '8.0.36', image: 'mysql:8.0.36', replicas: 1 });
  t.match((await run(['get', 'mysqlcluster', 'dry', '-n', ns])).stderr, /NotFound/, 'nothing stored');
  const bad = await apply(ns, cluster('dry', { replicas: 9 }), '--dry-run=server');
  t.not(bad.code, 0);
  t.match(bad.stderr, /spec\.replicas: 9 exceeds the maximum of 3/);
});

t.test('shipshape review decides as the server does', async (t) => {
  const ns = await useNamespace(t, kc);
  const manifests = [
    cluster('plain', {}),
    cluster('tuned', { version: '8.0', replicas: 2, storage: { size: '40Gi' }, settings: { max_connections: '500' } }),
    cluster('crowded', { replicas: 4 }),
    cluster('Bad_Name', {}),
    cluster('latest', { image: 'mysql:latest' }),
  ];
  for (const object of manifests) {
    const name = (object.metadata as { name: string }).name;
    const review = await reviewOffline({ object, namespace: ns }, { config: policyConfig });
    // The same review against the running server's MySQLCluster routes (--server).
    const remote = await reviewOnServer({ object, namespace: ns }, { url: env.webhookUrl, ca: env.certs.caPem });
    t.strictSame(remote, review, `${name}: --server and offline agree`);
    const server = await apply(ns, object, '--dry-run=server', '-o', 'yaml');
    t.equal(review.allowed, server.code === 0, `${name}: the same verdict (${server.stderr.trim()})`);
    if (review.allowed) {
      t.strictSame(review.object.spec, parse(server.stdout).spec, `${name}: the same defaulted spec`);
      for (const warning of review.warnings) t.match(server.stderr, `Warning: ${warning}`, `${name}: ${warning}`);
    } else {
      t.ok(review.message, `${name}: a message`);
      t.ok(server.stderr.includes(review.message!), `${name}: kubectl prints the same message: ${review.message}`);
    }
  }
});
