// reconcileWebApp by direct calls against an in-memory cluster: a stored WebApp, stored children
// with resourceVersions (server-side apply of an unchanged body keeps the version, a changed one
// gets a new version), applies made through the controller's applied cache over those children
// (an up-to-date watch cache), and a log of every call the reconciler makes. The real API server
// is exercised by test/integration/reconciler*.test.ts; here every path is driven deterministically.
import { readFileSync } from 'node:fs';
import t from 'tap';
import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import { parse, parseAllDocuments } from 'yaml';
import { V2_FIELDS_ANNOTATION } from '../../../src/api/v2-fields-annotation.ts';
import type { WebAppStatus } from '../../../src/api/webapp.ts';
import { FINALIZER } from '../../../src/constants.ts';
import { createAppliedCache } from '../../../src/operator/applied-cache.ts';
import type { EventSubject, EventType } from '../../../src/operator/event-recorder.ts';
import type { ReconcileContext } from '../../../src/operator/reconcile-context.ts';
import { reconcileWebApp } from '../../../src/operator/reconcile-webapp.ts';
import { jsonEqual } from '../../../src/json/json.ts';
import { type JsonPatchOperation, applyJsonPatch } from '../../../src/json/json-patch.ts';
import { DEFAULT_LIMITS, type PolicyConfig } from '../../../webhooks/limits.ts';

const FIXTURES = new URL('../../fixtures/operator/', import.meta.url);
const KEY = 'team-a/web';
const RESYNC_MS = 30_000;
const T0 = new Date('2025-03-01T10:00:00.000Z');
const MAX_REPLICAS = 'shipshape.dev/max-replicas';

type Json = Record<string, unknown>;
type StoredChild = { resourceVersion: string; body: Json; status?: Json };

function load(path: string): Json {
  return parse(readFileSync(new URL(path, FIXTURES), 'utf8')) as Json;
}

function loadChildren(name: string): unknown[] {
  return parseAllDocuments(readFileSync(new URL(`${name}.children.yaml`, FIXTURES), 'utf8')).map((d) => d.toJS());
}

type ClusterOptions = {
  /** Annotations of the Namespace team-a. */
  annotations?: Record<string, string>;
  /** Default: DEFAULT_LIMITS, no default resources. */
  policyConfig?: PolicyConfig;
  /** Store the WebApp with our finalizer already on, as after its first reconcile. */
  finalized?: boolean;
};

/**
 * A stored WebApp and its stored children behind a ReconcileContext. `log` lists every call in
 * order, as "apply Deployment web", "delete Service web", "patch", "status", "event Normal
 * Created: Created ConfigMap web-env". `fail` makes the call with that log line throw.
 */
function createCluster(webApp: Json | undefined, options: ClusterOptions = {}) {
  let version = 100;
  const nextVersion = () => String(++version);
  let stored: Json | undefined;
  const children = new Map<string, StoredChild>();
  const log: string[] = [];
  const events: string[] = [];
  const subjects: EventSubject[] = [];
  const statuses: WebAppStatus[] = [];
  const patches: JsonPatchOperation[][] = [];
  const applied: unknown[] = [];
  const failures = new Map<string, unknown>();
  let now = T0;
  let annotations = options.annotations;

  const metadata = () => stored!.metadata as Json;
  const spec = () => stored!.spec as Json;
  const childKey = (kind: string, namespace: string, name: string) => `${kind} ${namespace}/${name}`;
  const bump = () => (metadata().resourceVersion = nextVersion());
  const call = (line: string) => {
    log.push(line);
    if (failures.has(line)) throw failures.get(line);
  };

  if (webApp) {
    stored = structuredClone(webApp);
    bump();
    if (options.finalized) metadata().finalizers = [FINALIZER];
  }

  /** A stored child as the API server returns it and the watch cache holds it. */
  const toObject = (child: StoredChild): Json => {
    const response = structuredClone(child.body);
    response.metadata = { ...(response.metadata as Json), resourceVersion: child.resourceVersion };
    if (child.status) response.status = structuredClone(child.status);
    return response;
  };
  const appliedCache = createAppliedCache((kind, namespace, name) => {
    const child = children.get(childKey(kind, namespace, name));
    return child && toObject(child);
  });
  /** Server-side apply: an unchanged body keeps the stored child and its resourceVersion. */
  const serverSideApply = async <T>(obj: T & { kind?: string; metadata?: { name?: string; namespace?: string } }) => {
    const name = obj.metadata!.name!;
    call(`apply ${obj.kind} ${name}`);
    applied.push(structuredClone(obj));
    const key = childKey(obj.kind!, obj.metadata!.namespace!, name);
    const body = JSON.parse(JSON.stringify(obj)) as Json;
    const previous = children.get(key);
    const child =
      previous && jsonEqual(previous.body, body) ? previous : { ...previous, body, resourceVersion: nextVersion() };
    children.set(key, child);
    return toObject(child) as T;
  };

  const ctx: ReconcileContext = {
    getWebApp(namespace, name) {
      if (!stored || metadata().namespace !== namespace || metadata().name !== name) return undefined;
      return structuredClone(stored);
    },
    apply: (obj) => appliedCache.apply(obj, serverSideApply),
    hasChild: (kind, namespace, name) => children.has(childKey(kind, namespace, name)),
    async handOverReplicas(namespace, name) {
      const deployment = children.get(childKey('Deployment', namespace, name));
      const replicas = (deployment?.body.spec as Json | undefined)?.replicas;
      if (replicas === undefined) return false;
      call(`hand over replicas ${name}: ${replicas}`);
      return true;
    },
    async deleteChild(kind, namespace, name) {
      call(`delete ${kind} ${name}`);
      appliedCache.forget(kind, namespace, name);
      return children.delete(childKey(kind, namespace, name));
    },
    async patchWebApp(namespace, name, operations) {
      call('patch');
      patches.push(structuredClone(operations));
      stored = applyJsonPatch(stored!, operations) as Json;
      bump();
      const finalizers = metadata().finalizers as string[] | undefined;
      if (metadata().deletionTimestamp && !finalizers?.length) stored = undefined; // deleted for good
      return stored;
    },
    async writeStatus(namespace, name, status) {
      call('status');
      statuses.push(structuredClone(status)!);
      stored!.status = structuredClone(status);
      bump();
    },
    events: {
      async record(subject, type: EventType, reason, message) {
        call(`event ${type} ${reason}: ${message}`);
        events.push(`${type} ${reason}: ${message}`);
        subjects.push(structuredClone(subject));
      },
    },
    policyConfig: options.policyConfig ?? { limits: DEFAULT_LIMITS },
    namespaceAnnotations: (namespace) => (namespace === 'team-a' ? annotations : undefined),
    now: () => now,
    resyncMs: RESYNC_MS,
  };

  return {
    ctx,
    log,
    events,
    subjects,
    statuses,
    patches,
    applied,
    children,
    reconcile: () => reconcileWebApp(KEY, ctx),
    get webApp() {
      return stored;
    },
    /** Forgets what was recorded so far. */
    clear() {
      for (const list of [log, events, subjects, statuses, patches, applied]) list.length = 0;
    },
    later(ms: number) {
      now = new Date(now.getTime() + ms);
    },
    /** What a user's `kubectl edit` does: a new spec, a new generation. */
    editSpec(edit: (spec: Json) => void) {
      edit(spec());
      metadata().generation = (metadata().generation as number) + 1;
      bump();
    },
    /** `kubectl annotate namespace team-a ...`: new limits, the WebApp unchanged. */
    setAnnotations(next: Record<string, string> | undefined) {
      annotations = next;
    },
    /** `kubectl delete`: with finalizers the object stays, marked for deletion. */
    delete() {
      metadata().deletionTimestamp = '2025-03-01T11:00:00Z';
      bump();
    },
    /** The Deployment controller writes the Deployment's status: a new resourceVersion, same spec. */
    rollOut(status: Json) {
      const deployment = children.get(childKey('Deployment', 'team-a', 'web'))!;
      children.set(childKey('Deployment', 'team-a', 'web'), { ...deployment, status, resourceVersion: nextVersion() });
    },
    /** `kubectl delete` of a child; the controller's watch sees it go and forgets what it applied. */
    deleteChild(kind: string, name: string) {
      children.delete(childKey(kind, 'team-a', name));
      appliedCache.forget(kind, 'team-a', name);
    },
    /** `kubectl edit` of a child: a new body, a new resourceVersion. */
    editChild(kind: string, name: string, edit: (body: Json) => void) {
      const child = structuredClone(children.get(childKey(kind, 'team-a', name))!);
      edit(child.body);
      children.set(childKey(kind, 'team-a', name), { ...child, resourceVersion: nextVersion() });
    },
    fail(line: string, err: unknown) {
      failures.set(line, err);
    },
    /** The call `line` succeeds again. */
    heal(line: string) {
      failures.delete(line);
    },
  };
}

type Cluster = ReturnType<typeof createCluster>;

function condition(status: WebAppStatus | undefined, type: string) {
  const found = status?.conditions?.find((c) => c.type === type);
  return found && `${found.status} ${found.reason}: ${found.message}`;
}

/** A converged minimal.yaml: finalizer on, children and status stored, records cleared. */
async function converged(options: ClusterOptions = {}): Promise<Cluster> {
  const cluster = createCluster(load('minimal.yaml'), { finalized: true, ...options });
  await cluster.reconcile();
  cluster.clear();
  cluster.later(60_000);
  return cluster;
}

/** One Event for the three children a fresh WebApp gets. */
const CREATED = ['Normal Created: Created ConfigMap web-env, Deployment web and Service web'];

t.test('a WebApp that is gone: nothing is touched, nothing is requeued', async (t) => {
  const cluster = createCluster(undefined);
  t.strictSame(await cluster.reconcile(), {});
  t.strictSame(cluster.log, []);
  const other = createCluster(load('minimal.yaml'));
  t.strictSame(await reconcileWebApp('team-a/other', other.ctx), {}, 'another name in the same namespace');
  t.strictSame(other.log, []);
});

t.test('a fresh WebApp gets our finalizer, then its ConfigMap, Deployment and Service, then a status', async (t) => {
  const cluster = createCluster(load('minimal.yaml'));
  t.strictSame(await cluster.reconcile(), { requeueAfterMs: RESYNC_MS }, 'a periodic resync');
  t.strictSame(cluster.log, [
    'patch',
    'apply ConfigMap web-env',
    'apply Deployment web',
    'apply Service web',
    'event Normal Created: Created ConfigMap web-env, Deployment web and Service web',
    'status',
  ]);
  t.strictSame(cluster.patches, [
    [
      { op: 'test', path: '/metadata/resourceVersion', value: '101' },
      { op: 'add', path: '/metadata/finalizers', value: [FINALIZER] },
    ],
  ]);
  t.strictSame(JSON.parse(JSON.stringify(cluster.applied)), loadChildren('minimal'), 'the bodies of minimal.yaml');
  t.match(
    cluster.subjects,
    [{ kind: 'WebApp', metadata: { name: 'web', namespace: 'team-a' } }],
    'the event is about the WebApp',
  );
  const status = cluster.statuses[0]!;
  t.equal(status.observedGeneration, 1);
  t.equal(status.phase, 'Pending');
  t.equal(status.message, '0 of 1 replicas available');
  t.ok(status.conditions!.every((c) => c.observedGeneration === 1 && c.lastTransitionTime === '2025-03-01T10:00:00Z'));
  t.equal(condition(status, 'Degraded'), 'False AsExpected: The children are applied');
  t.strictSame(cluster.webApp!.status, status, 'stored through the status subresource');
  t.strictSame((cluster.webApp!.metadata as Json).finalizers, [FINALIZER]);
});

t.test('a WebApp admitted while the webhook was down converges to the defaulted children', async (t) => {
  const cluster = createCluster(load('reconcile/bare.yaml'), { finalized: true });
  t.strictSame(await cluster.reconcile(), { requeueAfterMs: RESYNC_MS });
  t.strictSame(JSON.parse(JSON.stringify(cluster.applied)), loadChildren('minimal'), 'the same bodies as minimal.yaml');
  const [, deployment, service] = cluster.applied as Array<{ spec: Json }>;
  t.match(deployment!.spec, {
    replicas: 1,
    template: { spec: { containers: [{ ports: [{ containerPort: 8080 }] }] } },
  });
  t.match(service!.spec, { type: 'ClusterIP', ports: [{ port: 80, targetPort: 8080 }] });
  t.strictSame(cluster.events, CREATED);
  t.equal(cluster.statuses.length, 1);
  t.equal(cluster.statuses[0]!.observedGeneration, 1);
  t.equal(cluster.statuses[0]!.message, '0 of 1 replicas available', 'desired replicas are the default');
  t.strictSame(cluster.patches, [], 'the stored spec is not rewritten: defaults apply to the children only');
  t.strictSame(cluster.webApp!.spec, { image: 'nginx:1.27' });
});

t.test('a WebApp admitted while the webhook was down gets the configured default resources', async (t) => {
  const policyConfig = {
    limits: DEFAULT_LIMITS,
    defaultResources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } },
  };
  const cluster = createCluster(load('reconcile/bare.yaml'), { finalized: true, policyConfig });
  await cluster.reconcile();
  t.match(cluster.applied[1], {
    kind: 'Deployment',
    spec: {
      template: {
        spec: {
          containers: [{ resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } } }],
        },
      },
    },
  });
});

t.test('reconciling an unchanged world records nothing and writes no status: no write loop', async (t) => {
  const cluster = await converged();
  const versions = [...cluster.children.values()].map((c) => c.resourceVersion);
  for (let i = 0; i < 3; i++) {
    t.strictSame(await cluster.reconcile(), { requeueAfterMs: RESYNC_MS });
    cluster.later(RESYNC_MS);
  }
  t.strictSame(cluster.log, [], 'the watch cache holds what we applied: no apply, no event, no status, no patch');
  t.strictSame(
    [...cluster.children.values()].map((c) => c.resourceVersion),
    versions,
    'the same bodies: no new versions',
  );
});

t.test('a PodDisruptionBudget while there is more than one replica: created at 3, deleted back at 1', async (t) => {
  const cluster = await converged();
  t.notOk(cluster.children.has('PodDisruptionBudget team-a/web'), 'none for one replica');
  cluster.editSpec((spec) => (spec.replicas = 3));
  await cluster.reconcile();
  t.match(
    cluster.applied.find((child) => (child as Json).kind === 'PodDisruptionBudget'),
    {
      apiVersion: 'policy/v1',
      metadata: {
        name: 'web',
        namespace: 'team-a',
        ownerReferences: [{ kind: 'WebApp', name: 'web', controller: true }],
      },
      spec: {
        maxUnavailable: 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'web' } },
      },
    },
    'maxUnavailable 1 over the pods of the Deployment',
  );
  t.ok(cluster.children.has('PodDisruptionBudget team-a/web'));
  cluster.clear();
  cluster.editSpec((spec) => (spec.replicas = 1));
  await cluster.reconcile();
  t.ok(cluster.log.includes('delete PodDisruptionBudget web'), 'scaled to one: deleted');
  t.notOk(cluster.children.has('PodDisruptionBudget team-a/web'));
  t.strictSame(cluster.events, [
    'Normal Updated: Updated Deployment web',
    'Normal Deleted: Deleted PodDisruptionBudget web',
  ]);
  cluster.clear();
  await cluster.reconcile();
  t.notOk(
    cluster.log.some((line) => line.startsWith('delete')),
    'gone: no delete call on the next reconcile',
  );
});

/** minimal.yaml as a v2 client leaves it in storage: v2-only fields in the v2-fields annotation. */
function withV2Fields(cluster: Cluster, fields: Json | undefined) {
  const metadata = cluster.webApp!.metadata as Json;
  metadata.annotations = fields ? { [V2_FIELDS_ANNOTATION]: JSON.stringify(fields) } : undefined;
  cluster.editSpec(() => {});
}

t.test('the v2 fields a v1 object carries are built: an autoscaler, created, then deleted', async (t) => {
  const cluster = await converged();
  const ports = [
    { name: 'http', containerPort: 8080, servicePort: 80 },
    { name: 'metrics', containerPort: 9090 },
  ];
  withV2Fields(cluster, { ports, autoscaling: { minReplicas: 2, maxReplicas: 5 } });
  await cluster.reconcile();
  t.strictSame(
    cluster.log.filter((line) => /^(apply Deployment|hand over)/.test(line)),
    ['hand over replicas web: 1', 'apply Deployment web'],
    'replicas handed over, at their value, before the apply that releases them',
  );
  t.strictSame(cluster.events, [
    'Normal Updated: Updated Deployment web',
    'Normal Created: Created PodDisruptionBudget web and HorizontalPodAutoscaler web',
  ]);
  const deployment = cluster.applied.find((c) => (c as Json).kind === 'Deployment') as V1Deployment;
  t.notOk('replicas' in deployment.spec!, 'replicas left to the autoscaler');
  t.same(
    deployment.spec!.template.spec!.containers[0]!.ports!.map((p) => p.name),
    ['http', 'metrics'],
  );
  t.match(cluster.applied.at(-1), {
    kind: 'HorizontalPodAutoscaler',
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 5 },
  });
  t.equal(
    condition(cluster.webApp!.status as WebAppStatus, 'Ready'),
    'False ReplicasUnavailable: 0 of 2 replicas available',
    'with no count from the autoscaler yet, its minimum is the desired count',
  );
  cluster.clear();
  cluster.rollOut({ replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
  await cluster.reconcile();
  t.notOk(
    cluster.log.some((line) => line.startsWith('hand over')),
    'the autoscaler exists: nothing to hand over',
  );
  t.equal(
    condition(cluster.webApp!.status as WebAppStatus, 'Ready'),
    'True MinimumReplicasAvailable: 2 of 2 replicas available',
  );

  cluster.clear();
  withV2Fields(cluster, { ports });
  await cluster.reconcile();
  t.strictSame(cluster.events, [
    'Normal Updated: Updated Deployment web',
    'Normal Deleted: Deleted PodDisruptionBudget web and HorizontalPodAutoscaler web',
  ]);
  t.match(cluster.applied[0], { kind: 'Deployment', spec: { replicas: 1 } }, 'replicas applied again');
  t.notOk(cluster.children.has('HorizontalPodAutoscaler team-a/web'));
});

t.test('the Service carries the ports with a servicePort; none has one: it is deleted', async (t) => {
  const cluster = await converged();
  const metrics = { name: 'metrics', containerPort: 9090, servicePort: 9090 };
  withV2Fields(cluster, { ports: [{ name: 'http', containerPort: 8080, servicePort: 80 }, metrics] });
  await cluster.reconcile();
  const service = () => cluster.applied.find((c) => (c as Json).kind === 'Service') as V1Service | undefined;
  t.strictSame(service()!.spec!.ports, [
    { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
    { name: 'metrics', port: 9090, targetPort: 9090, protocol: 'TCP' },
  ]);
  t.strictSame(cluster.events, ['Normal Updated: Updated Deployment web and Service web']);
  cluster.clear();
  // What a v2 client's WebApp with one port and no servicePort is stored as: spec.port, no
  // spec.service.port, no annotation. Read at v2 (not defaulted at v1), it is on no Service.
  withV2Fields(cluster, undefined);
  cluster.editSpec((spec) => delete (spec.service as Json).port);
  await cluster.reconcile();
  t.ok(cluster.log.includes('delete Service web'));
  t.notOk(cluster.children.has('Service team-a/web'));
  t.strictSame(cluster.events, ['Normal Updated: Updated Deployment web', 'Normal Deleted: Deleted Service web']);
  cluster.clear();
  cluster.editSpec((spec) => ((spec.service as Json).port = 8000));
  await cluster.reconcile();
  t.strictSame(cluster.events, ['Normal Created: Created Service web'], 'a servicePort again: a Service again');
});

t.test('an annotation whose v2 form does not parse is an invalid spec: nothing applied', async (t) => {
  const cluster = await converged();
  withV2Fields(cluster, { autoscaling: { maxReplicas: 0 } });
  await cluster.reconcile();
  t.notOk(cluster.log.some((line) => line.startsWith('apply')));
  // The webhook's checks may judge the annotation first (webhooks/ learns v2); either way the
  // spec is invalid, naming the field.
  t.match(cluster.events, [/^Warning InvalidSpec: WebApp "web" is invalid: .*spec\.autoscaling\.maxReplicas/]);
});

t.test('a spec change records Updated only for the children that changed', async (t) => {
  const cases: Array<[string, (spec: Json) => void, string[]]> = [
    ['image', (spec) => (spec.image = 'nginx:1.28'), ['Normal Updated: Updated Deployment web']],
    [
      'replicas (more than one: a PodDisruptionBudget)',
      (spec) => (spec.replicas = 3),
      ['Normal Updated: Updated Deployment web', 'Normal Created: Created PodDisruptionBudget web'],
    ],
    [
      'service port',
      (spec) => (spec.service = { type: 'ClusterIP', port: 8081 }),
      ['Normal Updated: Updated Service web'],
    ],
    ['container port', (spec) => (spec.port = 9000), ['Normal Updated: Updated Deployment web and Service web']],
    [
      'env (the config hash rolls the pods)',
      (spec) => (spec.env = [{ name: 'GREETING', value: 'hello' }]),
      ['Normal Updated: Updated ConfigMap web-env and Deployment web'],
    ],
  ];
  for (const [what, edit, expected] of cases) {
    const cluster = await converged();
    cluster.editSpec(edit);
    t.strictSame(await cluster.reconcile(), { requeueAfterMs: RESYNC_MS }, what);
    t.strictSame(cluster.events, expected, what);
    t.equal(cluster.statuses.length, 1, `${what}: the new generation is observed`);
    t.equal(cluster.statuses[0]!.observedGeneration, 2, what);
    cluster.clear();
    await cluster.reconcile();
    t.strictSame(cluster.events, [], `${what}: reconciled again, nothing new`);
    t.strictSame(cluster.statuses, [], `${what}: no second status write`);
  }
});

t.test("the Deployment's rollout shows in the status without an apply or an Updated event", async (t) => {
  const cluster = await converged();
  cluster.rollOut({ observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 });
  await cluster.reconcile();
  t.strictSame(cluster.log, ['status'], 'a status-only change of the Deployment: unchanged, not re-applied');
  t.strictSame(cluster.events, [], 'only the Deployment controller changed the Deployment');
  t.equal(cluster.statuses.length, 1);
  const status = cluster.statuses[0]!;
  t.equal(status.phase, 'Running');
  t.equal(status.availableReplicas, 1);
  t.equal(condition(status, 'Ready'), 'True MinimumReplicasAvailable: 1 of 1 replicas available');
  t.equal(condition(status, 'Progressing'), 'False Complete: 1 of 1 replicas updated');
  t.equal(
    status.conditions!.find((c) => c.type === 'Degraded')!.lastTransitionTime,
    '2025-03-01T10:00:00Z',
    'Degraded did not change status: its transition time is kept',
  );
});

t.test('a hand edit of a child is re-applied and recorded as Updated', async (t) => {
  const cluster = await converged();
  const desired = structuredClone(cluster.children.get('Deployment team-a/web')!.body);
  cluster.editChild('Deployment', 'web', (body) => ((body.spec as Json).replicas = 5));
  t.strictSame(await cluster.reconcile(), { requeueAfterMs: RESYNC_MS });
  t.strictSame(cluster.log, ['apply Deployment web', 'event Normal Updated: Updated Deployment web']);
  t.strictSame(cluster.children.get('Deployment team-a/web')!.body, desired, 'restored');
  cluster.clear();
  await cluster.reconcile();
  t.strictSame(cluster.log, [], 'restored once: nothing more to apply');

  cluster.editChild('ConfigMap', 'web-env', (body) => (body.data = { GREETING: 'edited' }));
  await cluster.reconcile();
  t.strictSame(cluster.events, ['Normal Updated: Updated ConfigMap web-env']);
});

t.test('a child deleted by hand is created again', async (t) => {
  const cluster = await converged();
  cluster.deleteChild('Service', 'web');
  await cluster.reconcile();
  t.strictSame(cluster.log, ['apply Service web', 'event Normal Created: Created Service web']);
});

const INVALID_IMAGE = 'WebApp "web" is invalid: spec.image: "Not A Ref" is not a valid image reference';
const OVER_2 = 'spec.replicas: 3 exceeds the maximum of 2';

t.test('a spec that cannot be built applies nothing and says why, once', async (t) => {
  const webApp = load('minimal.yaml');
  (webApp.spec as Json).image = 'Not A Ref';
  const cluster = createCluster(webApp);
  t.strictSame(await cluster.reconcile(), {}, 'no requeue: it waits for the object to change');
  t.strictSame(cluster.log, ['patch', 'status', `event Warning InvalidSpec: ${INVALID_IMAGE}`], 'no apply');
  t.strictSame(cluster.events, [`Warning InvalidSpec: ${INVALID_IMAGE}`]);
  const status = cluster.statuses[0]!;
  t.equal(status.phase, 'Failed');
  t.equal(status.message, INVALID_IMAGE);
  t.equal(status.observedGeneration, 1);
  t.equal(condition(status, 'Degraded'), `True InvalidSpec: ${INVALID_IMAGE}`);
  t.equal(condition(status, 'Ready'), `False InvalidSpec: ${INVALID_IMAGE}`);
  t.equal(condition(status, 'Progressing'), 'False InvalidSpec: No rollout while the spec is invalid');

  cluster.clear();
  for (let i = 0; i < 3; i++) {
    cluster.later(60_000);
    t.strictSame(await cluster.reconcile(), {});
  }
  t.strictSame(cluster.log, [], 'woken again (by its own status write, a resync): no write, no event');

  cluster.editSpec((spec) => (spec.image = 'Still Not'));
  t.strictSame(await cluster.reconcile(), {});
  t.strictSame(
    cluster.events,
    ['Warning InvalidSpec: WebApp "web" is invalid: spec.image: "Still Not" is not a valid image reference'],
    'a new mistake is reported',
  );

  cluster.clear();
  cluster.editSpec((spec) => (spec.image = 'nginx:1.28'));
  t.strictSame(await cluster.reconcile(), { requeueAfterMs: RESYNC_MS }, 'fixed: converges again');
  t.strictSame(cluster.events, CREATED);
  const fixed = cluster.statuses[0]!;
  t.equal(fixed.phase, 'Pending');
  t.equal(fixed.observedGeneration, 3);
  t.equal(condition(fixed, 'Degraded'), 'False AsExpected: The children are applied');
});

t.test('a spec turned unbuildable leaves the running children alone', async (t) => {
  const cluster = await converged();
  const before = structuredClone([...cluster.children]);
  cluster.editSpec((spec) => (spec.env = [{ name: 'A' }, { name: 'A' }]));
  t.strictSame(await cluster.reconcile(), {});
  const message = 'WebApp "web" is invalid: spec.env[1].name: duplicate name "A" (also at spec.env[0])';
  t.strictSame(cluster.log, ['status', `event Warning InvalidSpec: ${message}`]);
  t.strictSame([...cluster.children], before, 'nothing applied, nothing deleted');
  t.equal(cluster.statuses[0]!.observedGeneration, 2);
});

t.test('an invalid spec the schema rejects is reported the same way', async (t) => {
  const webApp = load('reconcile/bare.yaml');
  (webApp.spec as Json).replicas = 'three';
  const cluster = createCluster(webApp, { finalized: true });
  t.strictSame(await cluster.reconcile(), {});
  t.equal(cluster.events.length, 1);
  t.match(cluster.events[0], /^Warning InvalidSpec: WebApp "web" is invalid: spec\.replicas: /);
  t.equal(cluster.statuses[0]!.phase, 'Failed');
  cluster.clear();
  cluster.later(60_000);
  await cluster.reconcile();
  t.strictSame(cluster.log, [], 'and only once');
});

t.test(
  'over a lowered limit: still reconciled, WithinLimits False (LimitExceeded), one Warning per change',
  async (t) => {
    const cluster = await converged();
    cluster.editSpec((spec) => (spec.replicas = 3));
    t.strictSame(await cluster.reconcile(), { requeueAfterMs: RESYNC_MS });
    cluster.clear();
    cluster.setAnnotations({ [MAX_REPLICAS]: '2' });
    t.strictSame(await cluster.reconcile(), { requeueAfterMs: RESYNC_MS }, 'converged as usual');
    t.strictSame(cluster.log, ['status', `event Warning LimitExceeded: ${OVER_2}`], 'the children are in place');
    const status = cluster.statuses[0]!;
    t.equal(condition(status, 'WithinLimits'), `False LimitExceeded: ${OVER_2}`);
    t.equal(condition(status, 'Degraded'), 'False AsExpected: The children are applied');
    t.match(
      cluster.children.get('Deployment team-a/web')!.body,
      { kind: 'Deployment', spec: { replicas: 3 } },
      'the replicas it has',
    );

    cluster.clear();
    cluster.rollOut({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    await cluster.reconcile();
    t.strictSame(cluster.events, [], 'a new status for another reason: no second Warning');
    t.equal(condition(cluster.statuses[0], 'WithinLimits'), `False LimitExceeded: ${OVER_2}`);

    cluster.clear();
    cluster.setAnnotations({ [MAX_REPLICAS]: '1' });
    await cluster.reconcile();
    t.strictSame(cluster.events, ['Warning LimitExceeded: spec.replicas: 3 exceeds the maximum of 1'], 'a new limit');

    cluster.clear();
    cluster.setAnnotations(undefined);
    await cluster.reconcile();
    t.strictSame(cluster.events, []);
    t.equal(
      condition(cluster.statuses[0], 'WithinLimits'),
      'True WithinLimits: The spec is within the admission limits',
    );
  },
);

t.test(
  'in a warn namespace: reconciled, WithinLimits False says the mode admitted it; enforce as before',
  async (t) => {
    const cluster = await converged();
    cluster.editSpec((spec) => (spec.replicas = 3));
    await cluster.reconcile();
    cluster.clear();
    cluster.setAnnotations({ [MAX_REPLICAS]: '2', 'shipshape.dev/enforcement': 'warn' });
    t.strictSame(await cluster.reconcile(), { requeueAfterMs: RESYNC_MS }, 'converged as usual');
    const warned = `${OVER_2}; admitted under warn enforcement: under enforce, a create or a change of these values is denied`;
    t.strictSame(cluster.log, ['status', `event Warning LimitExceeded: ${warned}`]);
    t.equal(condition(cluster.statuses[0], 'WithinLimits'), `False LimitExceeded: ${warned}`);
    t.match(cluster.children.get('Deployment team-a/web')!.body, { spec: { replicas: 3 } });

    cluster.clear();
    cluster.setAnnotations({ [MAX_REPLICAS]: '2', 'shipshape.dev/enforcement': 'enforce' });
    await cluster.reconcile();
    t.equal(condition(cluster.statuses[0], 'WithinLimits'), `False LimitExceeded: ${OVER_2}`);
    t.strictSame(cluster.events, [`Warning LimitExceeded: ${OVER_2}`]);
  },
);

t.test("the Namespace's max-replicas annotation makes 15 replicas within the limits", async (t) => {
  const webApp = load('minimal.yaml');
  (webApp.spec as Json).replicas = 15;
  const raised = createCluster(webApp, { finalized: true, annotations: { [MAX_REPLICAS]: '20' } });
  t.strictSame(await raised.reconcile(), { requeueAfterMs: RESYNC_MS });
  const createdWithPdb =
    'Normal Created: Created ConfigMap web-env, Deployment web, Service web and PodDisruptionBudget web';
  t.strictSame(raised.events, [createdWithPdb]);
  t.match(raised.applied[1], { kind: 'Deployment', spec: { replicas: 15 } });
  t.equal(raised.statuses[0]!.message, '0 of 15 replicas available');

  const plain = createCluster(webApp, { finalized: true });
  await plain.reconcile();
  t.match(plain.applied[1], { kind: 'Deployment', spec: { replicas: 15 } }, 'without it: built all the same');
  t.strictSame(plain.events, [createdWithPdb, 'Warning LimitExceeded: spec.replicas: 15 exceeds the maximum of 10']);
});

t.test(
  'deletion removes the HorizontalPodAutoscaler, PodDisruptionBudget, Service, Deployment and ConfigMap, then releases the finalizer',
  async (t) => {
    const cluster = await converged();
    cluster.delete();
    t.strictSame(await cluster.reconcile(), {});
    t.strictSame(cluster.log, [
      'delete HorizontalPodAutoscaler web',
      'delete PodDisruptionBudget web',
      'delete Service web',
      'delete Deployment web',
      'delete ConfigMap web-env',
      'event Normal Deleted: Deleted the ConfigMap, Deployment, Service, PodDisruptionBudget and HorizontalPodAutoscaler of web',
      'patch',
    ]);
    t.strictSame(cluster.patches, [
      [
        { op: 'test', path: '/metadata/finalizers/0', value: FINALIZER },
        { op: 'remove', path: '/metadata/finalizers/0' },
      ],
    ]);
    t.equal(cluster.children.size, 0);
    t.equal(cluster.webApp, undefined, 'no finalizer left: the API server deletes it');
    cluster.clear();
    t.strictSame(await cluster.reconcile(), {});
    t.strictSame(cluster.log, []);
  },
);

t.test('deletion ends when the children are already gone, and over a lowered limit', async (t) => {
  const cluster = await converged();
  cluster.editSpec((spec) => (spec.replicas = 3));
  cluster.setAnnotations({ [MAX_REPLICAS]: '2' });
  cluster.children.clear();
  cluster.delete();
  t.strictSame(await cluster.reconcile(), {});
  t.equal(cluster.log.at(-1), 'patch', 'the finalizer comes off');
  t.equal(cluster.webApp, undefined);
});

t.test("deletion keeps someone else's finalizer and runs once", async (t) => {
  const cluster = await converged();
  (cluster.webApp!.metadata as Json).finalizers = ['example.com/backup', FINALIZER];
  cluster.delete();
  t.strictSame(await cluster.reconcile(), {});
  t.strictSame(cluster.patches, [
    [
      { op: 'test', path: '/metadata/finalizers/1', value: FINALIZER },
      { op: 'remove', path: '/metadata/finalizers/1' },
    ],
  ]);
  t.strictSame((cluster.webApp!.metadata as Json).finalizers, ['example.com/backup'], 'still there, waiting');
  cluster.clear();
  t.strictSame(await cluster.reconcile(), {});
  t.strictSame(cluster.log, [], 'our finalizer is gone: nothing more to do, nothing re-applied');
});

t.test('an invalid WebApp is still cleaned up on deletion', async (t) => {
  const cluster = await converged();
  cluster.editSpec((spec) => (spec.image = 'Not A Ref'));
  cluster.delete();
  await cluster.reconcile();
  t.strictSame(cluster.events, [
    'Normal Deleted: Deleted the ConfigMap, Deployment, Service, PodDisruptionBudget and HorizontalPodAutoscaler of web',
  ]);
  t.equal(cluster.children.size, 0);
  t.equal(cluster.webApp, undefined);
});

t.test('a failed delete keeps the finalizer, so deletion is retried', async (t) => {
  const cluster = await converged();
  cluster.delete();
  const err = new Error('etcdserver: request timed out');
  cluster.fail('delete Deployment web', err);
  await t.rejects(cluster.reconcile(), err);
  t.strictSame(
    cluster.log,
    [
      'delete HorizontalPodAutoscaler web',
      'delete PodDisruptionBudget web',
      'delete Service web',
      'delete Deployment web',
    ],
    'no Deleted event, no patch',
  );
  t.strictSame((cluster.webApp!.metadata as Json).finalizers, [FINALIZER]);
});

t.test('a failed apply records a Warning with the first line of the error and rethrows it', async (t) => {
  const cluster = createCluster(load('minimal.yaml'), { finalized: true });
  const err = new Error(
    'deployments.apps "web" is forbidden: exceeded quota: compute\nrequested: pods=1, used: pods=10',
  );
  cluster.fail('apply Deployment web', err);
  await t.rejects(cluster.reconcile(), err, 'the same error, for the controller to retry with backoff');
  t.strictSame(cluster.log, [
    'apply ConfigMap web-env',
    'apply Deployment web',
    'event Normal Created: Created ConfigMap web-env',
    'event Warning ApplyFailed: deployments.apps "web" is forbidden: exceeded quota: compute',
    'status',
  ]);
  // The failure is in status too, never a status claiming the children are applied.
  t.equal(cluster.statuses.length, 1);
  const [status] = cluster.statuses;
  const message = 'deployments.apps "web" is forbidden: exceeded quota: compute';
  t.equal(status!.phase, 'Failed');
  t.equal(status!.message, message);
  t.match(status!.conditions, [
    { type: 'Ready', status: 'False', reason: 'ApplyFailed', message },
    { type: 'Progressing' },
    { type: 'Degraded', status: 'True', reason: 'ApplyFailed', message },
    { type: 'WithinLimits', status: 'True' },
  ]);
  cluster.clear();
  cluster.heal('apply Deployment web');
  await cluster.reconcile();
  t.match(
    cluster.statuses[0]!.conditions,
    [{ type: 'Ready' }, { type: 'Progressing' }, { type: 'Degraded', status: 'False', reason: 'AsExpected' }],
    'the next successful apply clears it',
  );
});

t.test('a status write that fails after a failed apply does not hide the apply error', async (t) => {
  const cluster = createCluster(load('minimal.yaml'), { finalized: true });
  const err = new Error('the apply failed');
  cluster.fail('apply Deployment web', err);
  cluster.fail('status', new Error('the status write failed too'));
  await t.rejects(cluster.reconcile(), err);
});

t.test('a failure that is not an Error is reported as text', async (t) => {
  const cluster = createCluster(load('minimal.yaml'), { finalized: true });
  cluster.fail('apply ConfigMap web-env', 'connection reset');
  await t.rejects(cluster.reconcile());
  t.strictSame(cluster.events, ['Warning ApplyFailed: connection reset']);
});
