// What a user sees through kubectl: the real apiserver calling a real Shipshape process.
import { parse } from 'yaml';
import t from 'tap';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { useNamespace } from '../helpers/control-plane.ts';
import { kubectl } from '../helpers/kubectl.ts';

const env = await startDevEnvironment();
t.teardown(() => env.stop());
const kc = env.kc;
const run = (args: string[], input?: string) => kubectl(env.cp.kubeconfigPath, args, input);

const webApp = (name: string, spec: Record<string, unknown>) =>
  JSON.stringify({ apiVersion: 'shipshape.dev/v1', kind: 'WebApp', metadata: { name }, spec });

t.test('replicas 50 and port 80: rejected, both fields named with their limits, nothing stored', async (t) => {
  const ns = await useNamespace(t, kc);
  const res = await run(['apply', '-n', ns, '-f', '-'], webApp('big', { image: 'nginx:1.27', replicas: 50, port: 80 }));
  t.not(res.code, 0, 'kubectl fails');
  t.match(res.stderr, /admission webhook "validate\.webapps\.shipshape\.dev" denied the request/);
  t.match(res.stderr, /spec\.replicas: 50 exceeds the maximum of 10/);
  t.match(res.stderr, /spec\.port: 80 is below the minimum of 1024/);
  const get = await run(['get', 'webapp', 'big', '-n', ns]);
  t.not(get.code, 0);
  t.match(get.stderr, /NotFound/, 'nothing was stored');
});

t.test('only an image: stored with every default filled in', async (t) => {
  const ns = await useNamespace(t, kc);
  const res = await run(['apply', '-n', ns, '-f', '-'], webApp('shop', { image: 'nginx:1.27' }));
  t.equal(res.code, 0, res.stderr);
  // At v1, the version applied and stored: kubectl's unqualified `webapp` is v2, the preferred one.
  const stored = parse((await run(['get', 'webapps.v1.shipshape.dev', 'shop', '-n', ns, '-o', 'yaml'])).stdout);
  t.match(stored.spec, {
    image: 'nginx:1.27',
    replicas: 1,
    port: 8080,
    env: [],
    service: { type: 'ClusterIP', port: 80 },
  });
  t.match(stored.metadata.labels, { 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/managed-by': 'shipshape' });
  const again = await run(['apply', '-n', ns, '-f', '-'], webApp('shop', { image: 'nginx:1.27' }));
  t.match(again.stdout, /unchanged/, 're-applying the same manifest changes nothing');
});

t.test('--dry-run=server prints the defaulted object or the denial, and stores nothing', async (t) => {
  const ns = await useNamespace(t, kc);
  const ok = await run(
    ['apply', '--dry-run=server', '-o', 'yaml', '-n', ns, '-f', '-'],
    webApp('dry', { image: 'nginx:1.27' }),
  );
  t.equal(ok.code, 0, ok.stderr);
  const printed = parse(ok.stdout);
  t.equal(printed.spec.replicas, 1, 'the printed object is defaulted');
  t.equal(printed.spec.service.type, 'ClusterIP');
  t.match((await run(['get', 'webapp', 'dry', '-n', ns])).stderr, /NotFound/, 'nothing stored');
  const bad = await run(
    ['apply', '--dry-run=server', '-n', ns, '-f', '-'],
    webApp('dry', { image: 'nginx:1.27', replicas: 11 }),
  );
  t.not(bad.code, 0);
  t.match(bad.stderr, /spec\.replicas: 11 exceeds the maximum of 10/);
});

t.test('a :latest image is admitted with a warning kubectl prints', async (t) => {
  const ns = await useNamespace(t, kc);
  const res = await run(['apply', '-n', ns, '-f', '-'], webApp('edge', { image: 'nginx:latest' }));
  t.equal(res.code, 0, res.stderr);
  t.match(res.stderr, /Warning: spec\.image: "nginx:latest" uses the mutable tag "latest"/);
});

t.test('an UPDATE above the limit is rejected; a namespace annotation raises the limit', async (t) => {
  const ns = await useNamespace(t, kc);
  t.equal((await run(['apply', '-n', ns, '-f', '-'], webApp('grow', { image: 'nginx:1.27', replicas: 3 }))).code, 0);
  const denied = await run(['apply', '-n', ns, '-f', '-'], webApp('grow', { image: 'nginx:1.27', replicas: 15 }));
  t.not(denied.code, 0);
  t.match(denied.stderr, /spec\.replicas: 15 exceeds the maximum of 10/);

  t.equal((await run(['annotate', 'namespace', ns, 'shipshape.dev/max-replicas=20'])).code, 0);
  // The webhook reads annotations from its watched cache; allow the watch event a moment.
  let allowed;
  for (let i = 0; i < 50; i++) {
    allowed = await run(['apply', '-n', ns, '-f', '-'], webApp('grow', { image: 'nginx:1.27', replicas: 15 }));
    if (allowed.code === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  t.equal(allowed?.code, 0, allowed?.stderr ?? '');
  const stored = parse((await run(['get', 'webapp', 'grow', '-n', ns, '-o', 'yaml'])).stdout);
  t.equal(stored.spec.replicas, 15);

  t.equal((await run(['annotate', '--overwrite', 'namespace', ns, 'shipshape.dev/max-replicas=lots'])).code, 0);
  let warned;
  for (let i = 0; i < 50; i++) {
    warned = await run(['apply', '-n', ns, '-f', '-'], webApp('grow', { image: 'nginx:1.27', replicas: 9 }));
    if (/max-replicas="lots"/.test(warned.stderr)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  t.equal(warned?.code, 0, 'a malformed annotation falls back to the default limit');
  t.match(warned?.stderr, /Warning: namespace annotation shipshape\.dev\/max-replicas="lots" is not an integer/);
});
