// What the caches keep (src/operator/cache-transforms.ts), against objects as a real apiserver
// (Kubernetes 1.37.2) listed them after a WebApp applied with kubectl converged
// (test/fixtures/operator/cached/*.json: a WebApp and its ConfigMap, Deployment, Service and
// PodDisruptionBudget; and, listed the same way from another WebApp `web` written at v2 with
// autoscaling, its HorizontalPodAutoscaler once the autoscaler had scaled), and against the bodies
// the reconciler applies.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { toDefaultedWebApp } from '../../../src/api/defaults.ts';
import { webAppSchema } from '../../../src/api/webapp.ts';
import { createAppliedCache } from '../../../src/operator/applied-cache.ts';
import {
  CHILD_VIEWS,
  LAST_APPLIED_ANNOTATION,
  toCachedChild,
  toCachedWebApp,
  toChildView,
} from '../../../src/operator/cache-transforms.ts';
import { CHILD_KINDS, type ChildKind } from '../../../src/operator/child-kinds.ts';
import { toDesiredWebApp } from '../../../src/operator/desired-webapp.ts';
import { fromDeployment } from '../../../src/operator/status.ts';
import { carriedDigest, digestOf } from '../../../src/operator/view-digest.ts';
import { defaultWebApp } from '../../../webhooks/default-webapp.ts';
import { DEFAULT_LIMITS } from '../../../webhooks/limits.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixtures read as loose JSON
type Obj = Record<string, any>;
const CACHED = new URL('../../fixtures/operator/cached/', import.meta.url);
const OPERATOR = new URL('../../fixtures/operator/', import.meta.url);
const stored = (kind: string): Obj => JSON.parse(readFileSync(new URL(`${kind}.json`, CACHED), 'utf8'));
/** As JSON would carry it: undefined fields gone. */
const plain = (o: unknown): Obj => JSON.parse(JSON.stringify(o));
const kinds = CHILD_KINDS.map((c) => c.kind);
/** What the applied cache compares of a child (toChildView through its kind's view). */
const viewOf = (kind: ChildKind, o: Obj): Obj => toChildView(CHILD_VIEWS[kind], o as never);

t.test('a WebApp keeps everything but managedFields and the last-applied annotation', async (t) => {
  const raw = stored('WebApp');
  t.ok(raw.metadata.managedFields && raw.metadata.annotations[LAST_APPLIED_ANNOTATION], 'the fixture has both');
  const cached = toCachedWebApp(structuredClone(raw));
  t.notOk('managedFields' in cached.metadata);
  t.notOk('annotations' in cached.metadata, 'no annotation left: none kept');
  const metadata = structuredClone(raw.metadata);
  delete metadata.managedFields;
  delete metadata.annotations;
  t.same(cached, { ...raw, metadata }, 'spec, status, labels, finalizers, uid, generation as stored');
  const other = structuredClone(raw);
  other.metadata.annotations.team = 'checkout';
  t.same(toCachedWebApp(other).metadata.annotations, { team: 'checkout' }, 'other annotations stay');
  t.same(toCachedWebApp(toCachedWebApp(structuredClone(raw))), cached, 'idempotent');
});

t.test('every field the reconciler applies survives, for each kind and fixture', async (t) => {
  for (const name of ['full', 'minimal']) {
    const webApp = toDefaultedWebApp(
      webAppSchema.parse(parse(readFileSync(new URL(`${name}.yaml`, OPERATOR), 'utf8'))),
    );
    for (const { kind, build } of CHILD_KINDS) {
      const body = build({ ...webApp, spec: { ...webApp.spec, replicas: 3 } });
      if (!body) continue;
      t.same(plain(viewOf(kind, structuredClone(body))), plain(body), `${name}: ${kind}`);
    }
  }
  // v2: several ports, env references (the container's env), autoscaling (the HorizontalPodAutoscaler).
  const desired = toDesiredWebApp(parse(readFileSync(new URL('autoscaled.yaml', OPERATOR), 'utf8')));
  if (!desired.ok) return t.fail(desired.message);
  const built = CHILD_KINDS.filter(({ build }) => build(desired.webApp)).map((c) => c.kind);
  t.same(built, kinds, 'autoscaled.yaml has a child of every kind');
  for (const { kind, build } of CHILD_KINDS) {
    const body = build(desired.webApp)!;
    t.same(plain(viewOf(kind, structuredClone(body))), plain(body), `autoscaled: ${kind}`);
  }
});

t.test('children lose what nobody reads and keep what is read', async (t) => {
  const entries = Object.fromEntries(kinds.map((k) => [k, toCachedChild(k, stored(k))])) as Record<ChildKind, Obj>;
  const views = Object.fromEntries(kinds.map((k) => [k, plain(viewOf(k, stored(k)))])) as Record<ChildKind, Obj>;
  for (const kind of kinds) {
    const raw = stored(kind);
    const entry = entries[kind];
    t.same(
      Object.keys(plain(entry.metadata)).sort(),
      [
        'name',
        'namespace',
        'resourceVersion',
        'labels',
        'ownerReferences',
        ...(raw.metadata.generation ? ['generation'] : []),
      ].sort(),
      `${kind}: identity, labels, owner and (when it has one) generation`,
    );
    t.same(entry.metadata.labels, raw.metadata.labels, `${kind}: the owner label maps events to the WebApp`);
    t.same(toCachedChild(kind, entry), entry, `${kind}: idempotent`);
    if (kind !== 'Deployment') t.same(plain(entry), views[kind], `${kind}: the cache keeps its view`);
  }
  // A Deployment's entry: what is read, and the digest of its view in place of the pod template.
  const entry = entries.Deployment;
  t.same(Object.keys(entry).sort(), ['apiVersion', 'kind', 'metadata', 'spec', 'status'].sort());
  t.same(entry.spec, { replicas: stored('Deployment').spec.replicas }, 'of its spec, the replicas only');
  t.same(carriedDigest(entry), digestOf(viewOf('Deployment', stored('Deployment'))), 'the digest of its view');
  t.same(fromDeployment(entry as never), fromDeployment(stored('Deployment') as never), 'status reads the same');
  t.notOk(entry.status.conditions, 'no Deployment conditions');
  const d = views.Deployment;
  t.notOk(d.metadata.annotations, 'no revision annotation');
  t.same(Object.keys(d.spec).sort(), ['replicas', 'selector', 'template']);
  t.same(Object.keys(d.spec.template.spec), ['containers'], 'no pod defaults (dnsPolicy, schedulerName, ...)');
  t.same(
    Object.keys(d.spec.template.spec.containers[0]).sort(),
    ['envFrom', 'image', 'name', 'ports', 'readinessProbe', 'resources'],
    'the fields Shipshape applies, no container defaults (imagePullPolicy, terminationMessagePath, ...)',
  );
  t.same(Object.keys(views.Service.spec).sort(), ['ports', 'selector', 'type'], 'no cluster IPs, families, policies');
  t.notOk(views.Service.status);
  t.same(Object.keys(views.PodDisruptionBudget).sort(), ['metadata', 'spec'], 'no PodDisruptionBudget status');
  t.same(views.ConfigMap.data, stored('ConfigMap').data);
  t.ok(stored('HorizontalPodAutoscaler').status);
  t.notOk(views.HorizontalPodAutoscaler.status, 'no HorizontalPodAutoscaler status (its replica counts, conditions)');
  t.same(views.HorizontalPodAutoscaler.spec, stored('HorizontalPodAutoscaler').spec, 'its whole spec, as applied');
});

t.test('the applied cache, signing through the view, skips an unchanged child and sees a hand edit', async (t) => {
  const raw = stored('Deployment');
  const metadata = structuredClone(raw.metadata);
  delete metadata.managedFields;
  // The apply returns the whole object; the watch cache holds its view.
  const response = { apiVersion: 'apps/v1', kind: 'Deployment', ...raw, metadata };
  let cached: Obj | undefined;
  const cache = createAppliedCache(
    () => cached,
    (o) => viewOf('Deployment', o as never),
  );
  let applies = 0;
  const apply = async () => {
    applies++;
    return structuredClone(response);
  };
  const body = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } };
  cached = toCachedChild('Deployment', structuredClone(raw));
  t.equal((await cache.apply(body, apply)).change, 'unchanged', 'a first apply over an equal child');
  // The deployment controller writes status: a new resourceVersion, the same view but its status.
  const statusWritten: Obj = { ...structuredClone(raw), metadata: { ...metadata, resourceVersion: '999' } };
  statusWritten.status.readyReplicas = 1;
  cached = toCachedChild('Deployment', statusWritten);
  t.equal((await cache.apply(body, apply)).change, 'unchanged');
  t.equal(applies, 1, 'skipped: only status moved on');
  // Without the view, every field the cache dropped would read as a change.
  const blind = createAppliedCache(() => cached);
  await blind.apply(body, apply);
  await blind.apply(body, apply);
  t.equal(applies, 3, 'without it the same cache applies every time');
  const edited = structuredClone(statusWritten);
  edited.metadata.resourceVersion = '1000';
  edited.spec.template.spec.containers[0].image = 'nginx:hand-edited';
  cached = toCachedChild('Deployment', edited);
  t.equal((await cache.apply(body, apply)).change, 'updated', 'a hand edit of an applied field is applied over');
  t.equal(applies, 4);
});

t.test("a new leader's sweep applies nothing where the stored children already hold the bodies", async (t) => {
  const raw = stored('WebApp');
  const defaulted = defaultWebApp(raw, {
    config: { limits: DEFAULT_LIMITS },
    namespaceAnnotations: undefined,
    name: 'web',
  });
  const webApp = toDefaultedWebApp(webAppSchema.parse(defaulted));
  const sweep = async (spec: Partial<typeof webApp.spec>) => {
    const cache = createAppliedCache(
      (kind) => toCachedChild(kind as ChildKind, stored(kind)),
      (o) => (o.kind ? viewOf(o.kind as ChildKind, o as never) : o),
    );
    const applied: string[] = [];
    const changes: string[] = [];
    for (const { kind, build } of CHILD_KINDS) {
      const body = build({ ...webApp, spec: { ...webApp.spec, ...spec } });
      if (!body) continue;
      const { change } = await cache.apply(body, async (b) => {
        applied.push(kind);
        return { ...stored(kind), ...b } as never;
      });
      changes.push(change);
    }
    return { applied, changes, again: cache };
  };
  const same = await sweep({});
  t.strictSame(same.applied, [], 'no apply: ConfigMap, Deployment, Service and PodDisruptionBudget as stored');
  t.strictSame(same.changes, ['unchanged', 'unchanged', 'unchanged', 'unchanged']);
  t.strictSame((await sweep({ image: 'nginx:1.28' })).applied, ['Deployment'], 'a changed field is applied');
  t.strictSame(
    (await sweep({ resources: undefined })).applied,
    ['Deployment'],
    'a field the body releases (the stored one still has it) is applied',
  );
});

t.test('a container stored with resources: {} holds a body without resources', async (t) => {
  const raw = stored('Deployment');
  raw.spec.template.spec.containers[0].resources = {};
  const view = plain(viewOf('Deployment', raw));
  t.notOk('resources' in view.spec.template.spec.containers[0], 'as none');
  raw.spec.template.spec.containers[0].resources = { requests: { cpu: '1' } };
  t.same(plain(viewOf('Deployment', raw)).spec.template.spec.containers[0].resources, {
    requests: { cpu: '1' },
  });
});
