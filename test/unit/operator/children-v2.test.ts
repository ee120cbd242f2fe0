// The children of a WebApp read through the hub at v2 (issue #35): several ports, env references,
// autoscaling. test/fixtures/operator/autoscaled.yaml is a v2 WebApp, autoscaled.children.yaml its
// five children exactly as the reconciler sends them; the cases around it change one field.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse, parseAllDocuments } from 'yaml';
import { toHorizontalPodAutoscaler } from '../../../src/operator/autoscaler.ts';
import { CHILD_KINDS } from '../../../src/operator/child-kinds.ts';
import {
  READINESS_PROBE,
  toConfigMap,
  toDeployment,
  toPodDisruptionBudget,
  toService,
} from '../../../src/operator/children.ts';
import { type DesiredWebApp, toDesiredWebApp } from '../../../src/operator/desired-webapp.ts';

const FIXTURES = new URL('../../fixtures/operator/', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, FIXTURES), 'utf8');

function load(): DesiredWebApp {
  const desired = toDesiredWebApp(parse(read('autoscaled.yaml')));
  if (!desired.ok) throw new Error(desired.message);
  return desired.webApp;
}

function withSpec(webApp: DesiredWebApp, spec: Partial<DesiredWebApp['spec']>): DesiredWebApp {
  return { ...webApp, spec: { ...webApp.spec, ...spec } };
}

const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
const containerOf = (webApp: DesiredWebApp) => toDeployment(webApp, 'h').spec!.template.spec!.containers[0]!;

t.test('the children of autoscaled.yaml are exactly autoscaled.children.yaml', async (t) => {
  const webApp = load();
  const children = CHILD_KINDS.map(({ build }) => build(webApp));
  t.strictSame(
    asJson(children),
    parseAllDocuments(read('autoscaled.children.yaml')).map((d) => d.toJS()),
  );
  t.strictSame(children, asJson(children), 'no undefined fields that a JSON round trip would drop');
});

t.test('the Service carries only the ports with a servicePort; none has one: no Service', async (t) => {
  const webApp = load();
  const exposed = withSpec(webApp, {
    ports: [
      { name: 'web', containerPort: 3000, servicePort: 443 },
      { name: 'metrics', containerPort: 9090 },
      { name: 'admin', containerPort: 9000, servicePort: 9000 },
    ],
  });
  t.strictSame(toService(exposed)!.spec!.ports, [
    { name: 'web', port: 443, targetPort: 3000, protocol: 'TCP' },
    { name: 'admin', port: 9000, targetPort: 9000, protocol: 'TCP' },
  ]);
  t.same(
    containerOf(exposed).ports!.map((p) => p.name),
    ['web', 'metrics', 'admin'],
    'every port on the container',
  );
  t.equal(toService(withSpec(webApp, { ports: [{ name: 'metrics', containerPort: 9090 }] })), undefined);
});

t.test('the readiness probe is on the first port by name; none without ports', async (t) => {
  const webApp = load();
  t.strictSame(containerOf(webApp).readinessProbe, { ...READINESS_PROBE, tcpSocket: { port: 'web' } });
  const http = withSpec(webApp, { ports: [{ name: 'http', containerPort: 8080 }, ...webApp.spec.ports] });
  t.equal(containerOf(http).readinessProbe, READINESS_PROBE, "v1's probe itself when the first port is http");
  const none = containerOf(withSpec(webApp, { ports: [] }));
  t.notOk('readinessProbe' in none, 'nothing to probe');
  t.strictSame(none.ports, []);
});

t.test('env: literals in the ConfigMap, references on the container; none: no env field', async (t) => {
  const webApp = load();
  t.strictSame(toConfigMap(webApp).data, { LOG_LEVEL: 'info' }, 'no Secret value, no reference');
  t.same(
    containerOf(webApp).env!.map((e) => e.name),
    ['DB_PASSWORD', 'REGION'],
  );
  const literal = withSpec(webApp, { env: [{ name: 'LOG_LEVEL', value: 'debug' }] });
  t.notOk('env' in containerOf(literal));
  t.strictSame(containerOf(literal).envFrom, [{ configMapRef: { name: 'shop-env' } }]);
});

t.test('autoscaling: the autoscaler owns replicas; without it, the Deployment holds spec.replicas', async (t) => {
  const webApp = load();
  t.notOk('replicas' in toDeployment(webApp, 'h').spec!, 'left out: server-side apply releases it');
  const fixed = withSpec(webApp, { autoscaling: undefined, replicas: 4 });
  t.equal(toDeployment(fixed, 'h').spec!.replicas, 4);
  t.equal(toHorizontalPodAutoscaler(fixed), undefined, 'no autoscaling: no HorizontalPodAutoscaler');
  const target = withSpec(webApp, {
    autoscaling: { minReplicas: 3, maxReplicas: 9, targetCPUUtilizationPercentage: 55 },
  });
  t.match(toHorizontalPodAutoscaler(target)!.spec, {
    minReplicas: 3,
    maxReplicas: 9,
    metrics: [{ resource: { target: { type: 'Utilization', averageUtilization: 55 } } }],
  });
});

t.test("the PodDisruptionBudget counts autoscaling's minReplicas, not spec.replicas", async (t) => {
  const webApp = load();
  const scaled = (minReplicas: number, replicas: number) =>
    toPodDisruptionBudget(
      withSpec(webApp, { replicas, autoscaling: { minReplicas, maxReplicas: 10, targetCPUUtilizationPercentage: 80 } }),
    );
  t.equal(scaled(2, 1)?.kind, 'PodDisruptionBudget', 'minReplicas 2');
  t.equal(scaled(1, 5), undefined, 'minReplicas 1: none, as for one replica');
  t.equal(
    toPodDisruptionBudget(withSpec(webApp, { autoscaling: undefined, replicas: 2 }))?.kind,
    'PodDisruptionBudget',
  );
});
