// The mutating webhook on a v2 client's request (issue #35): received at v1 as the apiserver
// converts it, defaulted at v2 with defaultV2Spec's values, the patch against the v1 object.
import t from 'tap';
import { defaultV2Spec } from '../../../src/api/defaults-v2.ts';
import { webAppV2SpecSchema } from '../../../src/api/webapp-v2.ts';
import { FINALIZER, LABEL_MANAGED_BY, LABEL_NAME, MANAGED_BY } from '../../../src/constants.ts';
import type { JsonObject } from '../../../src/json/json.ts';
import { defaultWebAppV2 } from '../../../webhooks/default-webapp-v2.ts';
import { toContext } from './request.ts';
import { loadV2Fixture, mutateAt } from './request-v2.ts';

const MINIMAL: JsonObject = {
  apiVersion: 'shipshape.dev/v2',
  kind: 'WebApp',
  metadata: { name: 'web', namespace: 'default' },
  spec: { image: 'nginx:1.27' },
};

function v2(spec: JsonObject): JsonObject {
  return { ...structuredClone(MINIMAL), spec: { image: 'nginx:1.27', ...spec } };
}

t.test('a minimal v2 WebApp reads back with the v2 defaults, labels and finalizer', async (t) => {
  const { decision, after } = mutateAt(v2({}));
  t.equal(decision.allowed, true);
  t.strictSame(after, {
    apiVersion: 'shipshape.dev/v2',
    kind: 'WebApp',
    metadata: {
      name: 'web',
      namespace: 'default',
      labels: { [LABEL_NAME]: 'web', [LABEL_MANAGED_BY]: MANAGED_BY },
      finalizers: [FINALIZER],
    },
    spec: {
      image: 'nginx:1.27',
      replicas: 1,
      ports: [{ name: 'http', containerPort: 8080, servicePort: 80 }],
      env: [],
      service: { type: 'ClusterIP' },
    },
  });
});

t.test('the patch is against the v1 object the webhook received', async (t) => {
  const { decision, received } = mutateAt(v2({}));
  t.equal(received.apiVersion, 'shipshape.dev/v1');
  t.strictSame(
    decision.patch?.filter((op) => op.path.startsWith('/spec')),
    [
      { op: 'add', path: '/spec/replicas', value: 1 },
      { op: 'add', path: '/spec/port', value: 8080 },
      { op: 'add', path: '/spec/env', value: [] },
      { op: 'add', path: '/spec/service', value: { type: 'ClusterIP', port: 80 } },
    ],
  );
});

t.test("a port without a servicePort stays off the Service (v1's default would expose it on 80)", async (t) => {
  const ports = [{ name: 'web', containerPort: 3000 }];
  const { after } = mutateAt(v2({ ports }));
  t.strictSame((after.spec as JsonObject).ports, ports);
});

t.test('v2-only fields are defaulted: autoscaling minReplicas and target, kept in the annotation', async (t) => {
  const { after, decision } = mutateAt(v2({ autoscaling: { maxReplicas: 5 } }));
  t.strictSame((after.spec as JsonObject).autoscaling, {
    maxReplicas: 5,
    minReplicas: 1,
    targetCPUUtilizationPercentage: 80,
  });
  t.ok(
    decision.patch?.some((op) => op.path === '/metadata/annotations/shipshape.dev~1v2-fields'),
    'the patch writes the v1 object annotation that carries autoscaling',
  );
});

t.test('a defaulted v2 WebApp is not changed again, and the full fixture not at all', async (t) => {
  const once = mutateAt(v2({ autoscaling: { maxReplicas: 5 }, ports: [{ name: 'a', containerPort: 3000 }] })).after;
  t.equal(mutateAt(once).decision.patch, undefined);
  t.equal(mutateAt(loadV2Fixture('full')).decision.patch, undefined);
});

t.test('the configured resources are filled in as for v1', async (t) => {
  const defaultResources = { requests: { cpu: '100m' }, limits: { memory: '128Mi' } };
  const { after } = mutateAt(v2({}), { defaultResources });
  t.strictSame((after.spec as JsonObject).resources, defaultResources);
});

t.test("defaultWebAppV2's spec is defaultV2Spec's for every valid spec", async (t) => {
  const specs: JsonObject[] = [
    { image: 'a:1' },
    { image: 'a:1', ports: [] },
    { image: 'a:1', replicas: 0, env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] },
    { image: 'a:1', service: {}, autoscaling: { maxReplicas: 3, targetCPUUtilizationPercentage: 50 } },
    structuredClone(loadV2Fixture('full').spec as JsonObject),
  ];
  for (const spec of specs) {
    const defaulted = defaultWebAppV2({ ...MINIMAL, spec }, toContext()).spec;
    t.strictSame(defaulted, defaultV2Spec(webAppV2SpecSchema.parse(spec)), JSON.stringify(spec));
  }
});

t.test('a field of the wrong type is left for the validating webhook', async (t) => {
  const object = { ...MINIMAL, spec: { image: 'a:1', ports: 'http', autoscaling: 3 } };
  const spec = defaultWebAppV2(object, toContext()).spec as JsonObject;
  t.equal(spec.ports, 'http');
  t.equal(spec.autoscaling, 3);
});
