// WebApp v2 through kubectl against the real apiserver (issue #35; decision 19): the webhooks are
// registered for v1, so the apiserver converts each v2 request to v1 for them through the
// conversion webhook, and they judge it at v2: v2's defaults, v2's paths in every message.
import { parse } from 'yaml';
import t from 'tap';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { useNamespace } from '../helpers/control-plane.ts';
import { kubectl } from '../helpers/kubectl.ts';

const env = await startDevEnvironment();
t.teardown(() => env.stop());
const kc = env.kc;
const run = (args: string[], input?: string) => kubectl(env.cp.kubeconfigPath, args, input);
const V1 = 'webapps.v1.shipshape.dev';
const V2 = 'webapps.v2.shipshape.dev';

const webApp = (version: 'v1' | 'v2', name: string, spec: Record<string, unknown>) =>
  JSON.stringify({ apiVersion: `shipshape.dev/${version}`, kind: 'WebApp', metadata: { name }, spec });

const read = async (resource: string, name: string, ns: string) =>
  parse((await run(['get', resource, name, '-n', ns, '-o', 'yaml'])).stdout);

/**
 * `kubectl replace` of the v1 form of a WebApp after `edit`, read again and retried while the
 * reconciler's status writes make it a Conflict.
 */
async function replaceAtV1(ns: string, name: string, edit: (v1: ReturnType<typeof parse>) => void) {
  for (let attempt = 0; ; attempt++) {
    const v1 = await read(V1, name, ns);
    edit(v1);
    const res = await run(['replace', '-n', ns, '-f', '-'], JSON.stringify(v1));
    if (!/\(Conflict\)/.test(res.stderr) || attempt === 10) return { res, v1 };
  }
}

t.test('a v2 WebApp with only an image is stored with the v2 defaults, read the same at v1', async (t) => {
  const ns = await useNamespace(t, kc);
  const res = await run(['apply', '-n', ns, '-f', '-'], webApp('v2', 'shop', { image: 'nginx:1.27' }));
  t.equal(res.code, 0, res.stderr);
  const v2 = await read(V2, 'shop', ns);
  t.strictSame(v2.spec, {
    image: 'nginx:1.27',
    replicas: 1,
    ports: [{ name: 'http', containerPort: 8080, servicePort: 80 }],
    env: [],
    service: { type: 'ClusterIP' },
  });
  t.match(v2.metadata.labels, { 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/managed-by': 'shipshape' });
  t.strictSame(v2.metadata.finalizers, ['shipshape.dev/finalizer']);
  const v1 = await read(V1, 'shop', ns);
  t.match(v1.spec, { replicas: 1, port: 8080, service: { type: 'ClusterIP', port: 80 } });
  t.notOk(v1.metadata.annotations?.['shipshape.dev/v2-fields'], 'nothing v1 cannot hold');
  const again = await run(['apply', '-n', ns, '-f', '-'], webApp('v2', 'shop', { image: 'nginx:1.27' }));
  t.match(again.stdout, /unchanged/, 're-applying the same v2 manifest changes nothing');
});

t.test("v2-only fields get v2's defaults: a port without servicePort stays off the Service", async (t) => {
  const ns = await useNamespace(t, kc);
  const spec = {
    image: 'nginx:1.27',
    ports: [{ name: 'web', containerPort: 3000 }],
    autoscaling: { maxReplicas: 4 },
  };
  const res = await run(['apply', '-n', ns, '-f', '-'], webApp('v2', 'auto', spec));
  t.equal(res.code, 0, res.stderr);
  const v2 = await read(V2, 'auto', ns);
  t.strictSame(v2.spec.ports, [{ name: 'web', containerPort: 3000 }]);
  t.strictSame(v2.spec.autoscaling, { maxReplicas: 4, minReplicas: 1, targetCPUUtilizationPercentage: 80 });
  // Stored at v1 as port 3000 with no service.port: a v1 client's label must not add one.
  const labelled = await run(['label', V1, 'auto', '-n', ns, 'team=shop']);
  t.equal(labelled.code, 0, `kubectl label at v1 ${labelled.stderr}`);
  const after = await read(V2, 'auto', ns);
  t.equal(after.metadata.labels?.team, 'shop');
  t.strictSame(after.spec.ports, [{ name: 'web', containerPort: 3000 }], 'still off the Service after an update at v1');
});

t.test('a v2 WebApp is denied with v2 paths; a second port outside the limits is named', async (t) => {
  const ns = await useNamespace(t, kc);
  const spec = {
    image: 'nginx:1.27',
    replicas: 50,
    ports: [
      { name: 'http', containerPort: 8080, servicePort: 80 },
      { name: 'admin', containerPort: 80 },
    ],
    autoscaling: { minReplicas: 3, maxReplicas: 2 },
  };
  const res = await run(['apply', '-n', ns, '-f', '-'], webApp('v2', 'big', spec));
  t.not(res.code, 0, 'kubectl fails');
  t.match(res.stderr, /admission webhook "validate\.webapps\.shipshape\.dev" denied the request/);
  t.match(res.stderr, /spec\.replicas: 50 exceeds the maximum of 10/);
  t.match(res.stderr, /spec\.ports\[1\]\.containerPort: 80 is below the minimum of 1024/);
  t.match(res.stderr, /spec\.autoscaling\.minReplicas: 3 exceeds maxReplicas \(2\)/);
  t.notMatch(res.stderr, /spec\.port:|v2-fields/, 'no v1 path for a v2 client');
  t.match((await run(['get', V2, 'big', '-n', ns])).stderr, /NotFound/, 'nothing was stored');
});

t.test('--dry-run=server at v2 prints the defaulted v2 object or the v2 denial, and stores nothing', async (t) => {
  const ns = await useNamespace(t, kc);
  const ok = await run(
    ['apply', '--dry-run=server', '-o', 'yaml', '-n', ns, '-f', '-'],
    webApp('v2', 'dry', { image: 'nginx:1.27' }),
  );
  t.equal(ok.code, 0, ok.stderr);
  const printed = parse(ok.stdout);
  t.equal(printed.apiVersion, 'shipshape.dev/v2');
  t.strictSame(printed.spec.ports, [{ name: 'http', containerPort: 8080, servicePort: 80 }]);
  t.match((await run(['get', V2, 'dry', '-n', ns])).stderr, /NotFound/, 'nothing stored');
  const ports = [
    { name: 'http', containerPort: 8080 },
    { name: 'http', containerPort: 9000 },
  ];
  const bad = await run(
    ['apply', '--dry-run=server', '-n', ns, '-f', '-'],
    webApp('v2', 'dry', { image: 'nginx:1.27', ports }),
  );
  t.not(bad.code, 0);
  t.match(bad.stderr, /spec\.ports\[1\]\.name: duplicate name "http" \(also at spec\.ports\[0\]\)/);
});

t.test('a v1 WebApp is judged as before, with v1 paths', async (t) => {
  const ns = await useNamespace(t, kc);
  const res = await run(['apply', '-n', ns, '-f', '-'], webApp('v1', 'old', { image: 'nginx:1.27', port: 80 }));
  t.not(res.code, 0);
  t.match(res.stderr, /spec\.port: 80 is below the minimum of 1024/);
  t.notMatch(res.stderr, /spec\.ports/);
});

t.test('an UPDATE at v1 of an object created at v2 keeps its v2-only fields, and they stay judged', async (t) => {
  const ns = await useNamespace(t, kc);
  const spec = {
    image: 'nginx:1.27',
    ports: [
      { name: 'http', containerPort: 8080, servicePort: 80 },
      { name: 'metrics', containerPort: 9090 },
    ],
    env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'shop', key: 'token' } } }],
    autoscaling: { maxReplicas: 5 },
  };
  t.equal((await run(['apply', '-n', ns, '-f', '-'], webApp('v2', 'both', spec))).code, 0);
  const created = await read(V2, 'both', ns);

  const { res: replaced, v1 } = await replaceAtV1(ns, 'both', (v1) => {
    v1.spec.image = 'nginx:1.28';
  });
  t.ok(v1.metadata.annotations['shipshape.dev/v2-fields'], 'v1 carries the v2-only fields in the annotation');
  t.equal(replaced.code, 0, replaced.stderr);
  const after = await read(V2, 'both', ns);
  t.equal(after.spec.image, 'nginx:1.28', 'the v1 change is stored');
  t.strictSame(after.spec.ports, created.spec.ports, 'the second port survives');
  t.strictSame(after.spec.env, created.spec.env, 'the Secret reference survives');
  t.strictSame(after.spec.autoscaling, created.spec.autoscaling, 'autoscaling survives');

  // A v1 client that edits the annotation's second port below the limit is denied, by that path.
  const { res: denied } = await replaceAtV1(ns, 'both', (edited) => {
    const fields = JSON.parse(edited.metadata.annotations['shipshape.dev/v2-fields']);
    fields.ports[1].containerPort = 80;
    edited.metadata.annotations['shipshape.dev/v2-fields'] = JSON.stringify(fields);
  });
  t.not(denied.code, 0);
  t.match(
    denied.stderr,
    /metadata\.annotations\[shipshape\.dev\/v2-fields\]\.spec\.ports\[1\]\.containerPort: 80 is below the minimum of 1024/,
  );
  t.equal((await read(V2, 'both', ns)).spec.ports[1].containerPort, 9090, 'nothing changed');
});
