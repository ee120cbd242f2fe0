// The reconciler reads the hub (issue #35): a WebApp is built from its v2 form. Over generated v1
// WebApps with no v2-only field, that changes no child by a byte (no rollout on upgrade): each child
// is compared, as JSON text, with what the v1 builders of children.ts produced before #35 (the
// oracle below restates them). And what a v1 object's v2-fields annotation carries is built.
import fc from 'fast-check';
import t, { type Test } from 'tap';
import { toDefaultedWebApp } from '../../../src/api/defaults.ts';
import { V2_FIELDS_ANNOTATION } from '../../../src/api/v2-fields-annotation.ts';
import { type WebApp, webAppSchema } from '../../../src/api/webapp.ts';
import { toHorizontalPodAutoscaler } from '../../../src/operator/autoscaler.ts';
import { CHILD_KINDS } from '../../../src/operator/child-kinds.ts';
import {
  CONFIG_HASH_ANNOTATION,
  READINESS_PROBE,
  childMetadata,
  configHash,
  selectorLabels,
  toDeployment,
  toService,
} from '../../../src/operator/children.ts';
import { type DesiredWebApp, asDesired, toDesiredWebApp } from '../../../src/operator/desired-webapp.ts';
import { defaultWebApp } from '../../../webhooks/default-webapp.ts';
import { DEFAULT_LIMITS } from '../../../webhooks/limits.ts';
import { validV1 } from '../api/webapp-arbitraries.ts';

const RUNS = 1_000;
const UID = '6f1c2a9e-0b3d-4e5f-8a7b-1c2d3e4f5a6b';
const policy = { config: { limits: DEFAULT_LIMITS }, namespaceAnnotations: undefined };

/** A generated v1 WebApp as stored (a uid, a namespace), without the webhook's defaults. */
function stored(raw: Record<string, unknown>): Record<string, unknown> {
  return { ...raw, metadata: { ...(raw.metadata as object), uid: UID, namespace: 'team-a' } };
}

const contextOf = (object: Record<string, unknown>) => ({
  ...policy,
  name: (object.metadata as { name: string }).name,
});

/** A generated v1 WebApp as stored after the mutating webhook: defaulted by its policy. */
function defaulted(raw: Record<string, unknown>): Record<string, unknown> {
  return defaultWebApp(stored(raw), contextOf(raw));
}

/** The children of a defaulted v1 WebApp as children.ts built them before #35 (at 94a81e7). */
function v1Oracle(webApp: WebApp): unknown[] {
  const spec = toDefaultedWebApp(webApp).spec;
  const name = webApp.metadata.name!;
  const data: Record<string, string> = {};
  for (const { name: key, value } of spec.env) data[key] = value ?? '';
  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: childMetadata(webApp, `${name}-env`), data };
  const quantities = (list: Record<string, unknown> | undefined) =>
    list && Object.fromEntries(Object.entries(list).map(([k, v]) => [k, String(v)]));
  const resources = spec.resources && {
    ...(spec.resources.requests && { requests: quantities(spec.resources.requests) }),
    ...(spec.resources.limits && { limits: quantities(spec.resources.limits) }),
  };
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: childMetadata(webApp, name),
    spec: {
      replicas: spec.replicas,
      selector: { matchLabels: selectorLabels(webApp) },
      template: {
        metadata: {
          labels: childMetadata(webApp, name).labels,
          annotations: { [CONFIG_HASH_ANNOTATION]: configHash(configMap) },
        },
        spec: {
          containers: [
            {
              name: 'app',
              image: spec.image,
              ports: [{ name: 'http', containerPort: spec.port, protocol: 'TCP' }],
              envFrom: [{ configMapRef: { name: `${name}-env` } }],
              readinessProbe: READINESS_PROBE,
              ...(resources && { resources }),
            },
          ],
        },
      },
    },
  };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMetadata(webApp, name),
    spec: {
      type: spec.service.type,
      selector: selectorLabels(webApp),
      ports: [{ name: 'http', port: spec.service.port, targetPort: spec.port, protocol: 'TCP' }],
    },
  };
  const pdb =
    spec.replicas > 1
      ? {
          apiVersion: 'policy/v1',
          kind: 'PodDisruptionBudget',
          metadata: childMetadata(webApp, name),
          spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(webApp) } },
        }
      : undefined;
  return [configMap, deployment, service, pdb, undefined];
}

/** What the reconciler applies, in CHILD_KINDS order: each child read through the hub. */
function built(webApp: DesiredWebApp): unknown[] {
  return CHILD_KINDS.map(({ build }) => build(webApp));
}

/** Throws (a property failure) unless each child is the same JSON text. */
function sameText(after: unknown[], before: unknown[]) {
  for (const [i, child] of after.entries()) {
    const [a, b] = [JSON.stringify(child), JSON.stringify(before[i])];
    if (a !== b) throw new Error(`${CHILD_KINDS[i]!.kind}:\n${a}\n!==\n${b}`);
  }
}

function holds<T>(t: Test, name: string, arbitrary: fc.Arbitrary<T>, predicate: (value: T) => void) {
  const result = fc.check(fc.property(arbitrary, predicate), { numRuns: RUNS });
  t.ok(
    !result.failed,
    `${name} (${result.numRuns} runs)`,
    result.failed ? { report: fc.defaultReportMessage(result) } : {},
  );
}

t.test('a v1 WebApp without v2-only fields: every child byte for byte as before', async (t) => {
  t.same(
    CHILD_KINDS.map((c) => c.kind),
    ['ConfigMap', 'Deployment', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler'],
    'the order the oracle lists them in',
  );
  holds(t, 'JSON text of each child equal', validV1, (raw) => {
    const object = defaulted(raw);
    const desired = toDesiredWebApp(object, contextOf(object));
    if (!desired.ok) throw new Error(desired.message);
    sameText(built(desired.webApp), v1Oracle(webAppSchema.parse(object)));
  });
});

t.test('a v1 WebApp that bypassed the webhook: as v1 defaulted it, but a port with no service port', async (t) => {
  holds(t, 'JSON text of each child equal', validV1, (raw) => {
    const object = stored(raw);
    const desired = toDesiredWebApp(object, contextOf(object));
    if (!desired.ok) throw new Error(desired.message);
    const before = v1Oracle(webAppSchema.parse(defaulted(raw)));
    const spec = raw.spec as { port?: number; service?: { port?: number } };
    // Read at v2: a port with no servicePort (a v2 client's WebApp is stored so) is on no Service.
    if (spec.port !== undefined && spec.service?.port === undefined) before[2] = undefined;
    sameText(built(desired.webApp), before);
  });
});

t.test("a v1 WebApp's v2-fields annotation is built: its ports, references and autoscaling", async (t) => {
  const hidden = {
    ports: [
      { name: 'http', containerPort: 8080, servicePort: 80 },
      { name: 'metrics', containerPort: 9090 },
    ],
    env: [
      { name: 'MODE', value: 'live' },
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } },
    ],
    autoscaling: { maxReplicas: 4 },
  };
  const object = defaulted({
    apiVersion: 'shipshape.dev/v1',
    kind: 'WebApp',
    metadata: { name: 'web', annotations: { [V2_FIELDS_ANNOTATION]: JSON.stringify(hidden) } },
    spec: { image: 'nginx:1.27', replicas: 3, env: [{ name: 'MODE', value: 'live' }] },
  });
  const desired = toDesiredWebApp(object);
  if (!desired.ok) return t.fail(desired.message);
  const [configMap, deployment, service, pdb, hpa] = built(desired.webApp) as (
    { data?: unknown; spec?: object } | undefined
  )[];
  t.same(configMap?.data, { MODE: 'live' }, 'the literal only: the token stays in its Secret');
  const container = toDeployment(desired.webApp, 'h').spec!.template.spec!.containers[0]!;
  t.same(
    container.ports!.map((p) => p.name),
    ['http', 'metrics'],
  );
  t.same(container.env, [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } }]);
  t.notOk('replicas' in deployment!.spec!, 'replicas left to the autoscaler');
  t.same(
    toService(desired.webApp)!.spec!.ports!.map((p) => p.name),
    ['http'],
  );
  t.ok(service);
  t.equal(pdb, undefined, 'minReplicas defaults to 1: no PodDisruptionBudget, whatever spec.replicas says');
  t.match(hpa, { spec: { minReplicas: 1, maxReplicas: 4 } });
  t.notOk(
    JSON.stringify(desired.webApp.metadata).includes(V2_FIELDS_ANNOTATION),
    'the annotation is read into the spec, not left in the metadata',
  );
});

t.test('an annotation whose v2 form does not parse is reported, never thrown', async (t) => {
  const object = defaulted({
    apiVersion: 'shipshape.dev/v1',
    kind: 'WebApp',
    metadata: { name: 'web', annotations: { [V2_FIELDS_ANNOTATION]: '{"autoscaling":{"maxReplicas":"many"}}' } },
    spec: { image: 'nginx:1.27' },
  });
  const desired = toDesiredWebApp(object);
  t.equal(desired.ok, false);
  t.match(!desired.ok && desired.message, /^its v2 form is invalid: spec\.autoscaling\.maxReplicas: /);
  t.match(toDesiredWebApp({ kind: 'Other' }), { ok: false, message: /kind "Other" is not WebApp/ });
  t.throws(() => asDesired(object as never), TypeError, 'asDesired: a bug upstream');
  t.equal(toHorizontalPodAutoscaler(asDesired(webAppSchema.parse(defaulted(minimal())) as never)), undefined);
});

function minimal() {
  return { apiVersion: 'shipshape.dev/v1', kind: 'WebApp', metadata: { name: 'web' }, spec: { image: 'nginx:1.27' } };
}
