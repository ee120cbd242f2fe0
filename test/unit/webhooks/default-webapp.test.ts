import { applyJsonPatch } from '../../../src/json/json-patch.ts';
import t from 'tap';
import { FINALIZER, LABEL_MANAGED_BY, LABEL_NAME, MANAGED_BY } from '../../../src/constants.ts';
import { withDefaulter } from '../../../src/admission/policy-adapters.ts';
import { DEFAULTS } from '../../../src/api/defaults.ts';
import { defaultWebApp } from '../../../webhooks/default-webapp.ts';
import { type ContextOptions, loadFixture, loadFixtures, toContext, toRequest } from './request.ts';
import type { JsonObject } from '../../../src/json/json.ts';
import type { ReconciledKind } from '../../../webhooks/limits.ts';

/** The mutating policy as the webhook serves it (withDefaulter), on an AdmissionRequest. */
const mutateReview = withDefaulter(defaultWebApp);

function mutate(object: JsonObject | null, options: ContextOptions = {}, request = toRequest(object)) {
  const decision = mutateReview(request, toContext(options));
  return { decision, after: applyJsonPatch(object, decision.patch) as JsonObject };
}

function specOf(object: JsonObject): JsonObject {
  return object.spec as JsonObject;
}

t.test('the defaults are the documented values', async (t) => {
  t.strictSame(DEFAULTS, { replicas: 1, port: 8080, env: [], service: { type: 'ClusterIP', port: 80 } });
  t.ok(Object.isFrozen(DEFAULTS) && Object.isFrozen(DEFAULTS.service) && Object.isFrozen(DEFAULTS.env));
});

t.test('a minimal WebApp gets exactly the missing fields, labels and finalizer', async (t) => {
  const object = loadFixture('minimal');
  const { decision } = mutate(object);
  t.equal(decision.allowed, true);
  t.strictSame(decision.warnings, []);
  t.strictSame(decision.patch, [
    { op: 'add', path: '/metadata/labels', value: { [LABEL_NAME]: 'web', [LABEL_MANAGED_BY]: MANAGED_BY } },
    { op: 'add', path: '/metadata/finalizers', value: [FINALIZER] },
    { op: 'add', path: '/spec/replicas', value: 1 },
    { op: 'add', path: '/spec/port', value: 8080 },
    { op: 'add', path: '/spec/env', value: [] },
    { op: 'add', path: '/spec/service', value: { type: 'ClusterIP', port: 80 } },
  ]);
  t.strictSame(object, loadFixture('minimal'), 'the request object is not modified');
});

t.test('existing labels are kept; missing ones are added by escaped path', async (t) => {
  const object = loadFixture('minimal');
  (object.metadata as JsonObject).labels = { team: 'a', [LABEL_MANAGED_BY]: 'helm' };
  const { decision } = mutate(object);
  t.strictSame(decision.patch?.[0], { op: 'add', path: '/metadata/labels/app.kubernetes.io~1name', value: 'web' });
  t.notOk(
    decision.patch?.some((op) => op.path.includes('managed-by')),
    'a managed-by label set by someone else is kept',
  );

  (object.metadata as JsonObject).labels = { [LABEL_NAME]: 'storefront' };
  const relabelled = mutate(object);
  t.notOk(
    relabelled.decision.patch?.some((op) => op.path.includes('app.kubernetes.io~1name')),
    'an existing name label is not overridden',
  );
  t.equal(((relabelled.after.metadata as JsonObject).labels as JsonObject)[LABEL_NAME], 'storefront');
});

t.test('a fully specified WebApp is allowed without a patch', async (t) => {
  const decision = mutateReview(toRequest(loadFixture('full')), toContext());
  t.strictSame(decision, { allowed: true, warnings: [] });
});

t.test('a server that does not reconcile WebApps (--controllers) adds no finalizer', async (t) => {
  const context = (reconciledKinds: ReconciledKind[]) => {
    const base = toContext();
    return { ...base, config: { ...base.config, reconciledKinds } };
  };
  const object = loadFixture('minimal');
  for (const kinds of [['mysqlcluster'], []] as ReconciledKind[][]) {
    const patch = mutateReview(toRequest(object), context(kinds)).patch ?? [];
    t.notOk(
      patch.some((op) => op.path.startsWith('/metadata/finalizers')),
      `--controllers=${kinds.join(',')}`,
    );
  }
  const patch = mutateReview(toRequest(object), context(['webapp'])).patch ?? [];
  t.ok(
    patch.some((op) => op.path === '/metadata/finalizers'),
    '--controllers=webapp',
  );
  const kept = loadFixture('minimal');
  (kept.metadata as JsonObject).finalizers = [FINALIZER];
  const after = applyJsonPatch(kept, mutateReview(toRequest(kept), context([])).patch) as JsonObject;
  t.strictSame((after.metadata as JsonObject).finalizers, [FINALIZER], 'one already there stays');
});

t.test("the controller's finalizer is added to a live WebApp's others, and only there", async (t) => {
  const object = loadFixture('full');
  (object.metadata as JsonObject).finalizers = ['example.com/keep'];
  t.strictSame(mutate(object).decision.patch, [
    { op: 'replace', path: '/metadata/finalizers', value: ['example.com/keep', FINALIZER] },
  ]);
  (object.metadata as JsonObject).finalizers = [];
  t.strictSame(mutate(object).decision.patch, [{ op: 'replace', path: '/metadata/finalizers', value: [FINALIZER] }]);
  (object.metadata as JsonObject).finalizers = 'not a list';
  t.notOk(mutate(object).decision.patch, 'a finalizers field that is not a list is left for the apiserver to refuse');
  const deleting = loadFixture('minimal');
  (deleting.metadata as JsonObject).deletionTimestamp = '2026-12-01T00:00:00Z';
  const request = toRequest(deleting, { operation: 'UPDATE', oldObject: deleting });
  t.strictSame(mutateReview(request, toContext()), { allowed: true, warnings: [] }, 'none on a WebApp being deleted');
});

t.test('values that look empty are still values', async (t) => {
  const object = loadFixture('full');
  Object.assign(specOf(object), { replicas: 0, env: [], service: { type: 'NodePort' } });
  const { decision } = mutate(object);
  t.strictSame(decision.patch, [{ op: 'add', path: '/spec/service/port', value: 80 }]);
});

t.test('null counts as missing', async (t) => {
  const object = loadFixture('minimal');
  Object.assign(specOf(object), { replicas: null, port: 9000, env: [], service: { port: 81 } });
  const { decision } = mutate(object);
  t.strictSame(decision.patch?.slice(2), [
    { op: 'replace', path: '/spec/replicas', value: 1 },
    { op: 'add', path: '/spec/service/type', value: 'ClusterIP' },
  ]);
});

t.test('defaulting is idempotent: its own output yields no patch', async (t) => {
  const options: ContextOptions = {
    defaultResources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
  };
  const objects = [
    loadFixture('minimal'),
    loadFixture('full'),
    loadFixture('generate-name'),
    ...loadFixtures('odd-shapes'),
  ];
  for (const object of objects) {
    const first = mutate(object, options);
    const second = mutateReview(toRequest(first.after), toContext(options));
    t.strictSame(second, { allowed: true, warnings: [] }, JSON.stringify(object.metadata));
  }
});

t.test('resources come from the configuration, only for the entries that are missing', async (t) => {
  const defaultResources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } };
  const minimal = mutate(loadFixture('minimal'), { defaultResources });
  t.strictSame(minimal.decision.patch?.at(-1), { op: 'add', path: '/spec/resources', value: defaultResources });

  const object = loadFixture('minimal');
  specOf(object).resources = { requests: { memory: '1Gi' }, limits: { memory: '2Gi' } };
  const { decision, after } = mutate(object, { defaultResources });
  t.strictSame(
    decision.patch?.filter((op) => op.path.startsWith('/spec/resources')),
    [
      { op: 'add', path: '/spec/resources/requests/cpu', value: '100m' },
      { op: 'add', path: '/spec/resources/limits/cpu', value: '1' },
    ],
  );
  t.strictSame(specOf(after).resources, {
    requests: { memory: '1Gi', cpu: '100m' },
    limits: { memory: '2Gi', cpu: '1' },
  });
});

t.test('without configured resources, none are added', async (t) => {
  const { after } = mutate(loadFixture('minimal'));
  t.notOk('resources' in specOf(after));
  const { decision } = mutate(loadFixture('minimal'), { defaultResources: {} });
  t.notOk(
    decision.patch?.some((op) => op.path.startsWith('/spec/resources')),
    'empty defaults add nothing',
  );
});

t.test('a default never contradicts a request or limit the user set', async (t) => {
  const defaultResources = { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } };
  const object = loadFixture('minimal');
  specOf(object).resources = { requests: { cpu: '2' }, limits: { memory: '256Mi' } };
  const { after } = mutate(object, { defaultResources });
  t.strictSame(specOf(after).resources, {
    requests: { cpu: '2', memory: '256Mi' },
    limits: { memory: '256Mi', cpu: '2' },
  });
});

t.test('odd shapes are left for validation to report, without a throw', async (t) => {
  const [specNull, wrongTypes, notObjects, noName] = loadFixtures('odd-shapes');

  const first = mutate(specNull!, { defaultResources: { requests: { cpu: '1' } } });
  t.strictSame(first.decision.patch, [
    { op: 'add', path: '/metadata/labels', value: { [LABEL_NAME]: 'web', [LABEL_MANAGED_BY]: MANAGED_BY } },
    { op: 'add', path: '/metadata/finalizers', value: [FINALIZER] },
  ]);

  const second = mutate(wrongTypes!);
  t.equal(specOf(second.after).replicas, '3', 'replicas of the wrong type are kept');
  t.equal(specOf(second.after).service, 'ClusterIP', 'a service that is not an object is kept');
  t.equal(specOf(second.after).port, 8080, 'the rest is still defaulted');

  const third = mutate(notObjects!, { defaultResources: { requests: { cpu: '1' } } });
  t.same((third.after.metadata as JsonObject).labels, ['a', 'b']);
  t.equal(specOf(third.after).resources, 'lots');
  t.equal(specOf(third.after).replicas, 1);

  const fourth = mutate(noName!);
  t.strictSame(fourth.decision.patch, [
    { op: 'add', path: '/metadata/labels', value: { [LABEL_MANAGED_BY]: MANAGED_BY } },
    { op: 'add', path: '/metadata/finalizers', value: [FINALIZER] },
  ]);
  const named = mutate(noName!, {}, toRequest(noName!, { name: 'from-request' }));
  t.equal(((named.after.metadata as JsonObject).labels as JsonObject)[LABEL_NAME], 'from-request');

  const bare = mutate({ apiVersion: 'shipshape.dev/v1', kind: 'WebApp' });
  t.strictSame(bare.decision.patch, [
    { op: 'add', path: '/metadata', value: { labels: { [LABEL_MANAGED_BY]: MANAGED_BY }, finalizers: [FINALIZER] } },
  ]);
});

t.test('generateName-only objects get no name label', async (t) => {
  const { after } = mutate(loadFixture('generate-name'));
  t.strictSame((after.metadata as JsonObject).labels, { [LABEL_MANAGED_BY]: MANAGED_BY });
  t.equal(specOf(after).replicas, 1);
});

t.test('a name too long for a label value gets no name label', async (t) => {
  const object = loadFixture('minimal');
  (object.metadata as JsonObject).name = 'a'.repeat(64);
  const { after } = mutate(object);
  t.notOk(LABEL_NAME in ((after.metadata as JsonObject).labels as JsonObject));
});

t.test('UPDATE is defaulted like CREATE', async (t) => {
  const object = loadFixture('minimal');
  const decision = mutateReview(
    toRequest(object, { operation: 'UPDATE', oldObject: loadFixture('full') }),
    toContext(),
  );
  t.equal(decision.patch?.length, 6);
});

t.test('an UPDATE of a spec stored without a Service port leaves it without one', async (t) => {
  // How a v2 WebApp whose first port has no servicePort is stored at v1: port, no service.port.
  const stored = loadFixture('minimal');
  specOf(stored).port = 3000;
  specOf(stored).service = { type: 'ClusterIP' };
  const update = structuredClone(stored);
  (update.metadata as JsonObject).labels = { team: 'shop' };
  const { after } = mutate(update, {}, toRequest(update, { operation: 'UPDATE', oldObject: stored }));
  t.strictSame(specOf(after).service, { type: 'ClusterIP' }, 'not exposed on port 80 by a label');
  const { after: created } = mutate(structuredClone(update));
  t.strictSame(specOf(created).service, { type: 'ClusterIP', port: 80 }, 'a CREATE is defaulted as ever');
  const withPort = structuredClone(stored);
  specOf(withPort).service = { type: 'ClusterIP', port: 80 };
  const { after: replaced } = mutate(update, {}, toRequest(update, { operation: 'UPDATE', oldObject: withPort }));
  t.strictSame(
    specOf(replaced).service,
    { type: 'ClusterIP', port: 80 },
    'an update that drops a stored Service port gets the default back',
  );
  t.strictSame(
    specOf(defaultWebApp(stored, { ...toContext(), stored })).service,
    { type: 'ClusterIP' },
    'the reconciler, defaulting the stored object as an update of itself, adds none',
  );
});

t.test('DELETE, CONNECT and requests without an object are allowed untouched', async (t) => {
  const object = loadFixture('minimal');
  for (const operation of ['DELETE', 'CONNECT'] as const) {
    const request = toRequest(operation === 'DELETE' ? null : object, { operation, oldObject: object });
    t.strictSame(mutateReview(request, toContext()), { allowed: true, warnings: [] }, operation);
  }
  t.strictSame(mutateReview(toRequest(null), toContext()), { allowed: true, warnings: [] });
});

t.test('an object being deleted is not defaulted', async (t) => {
  const object = { ...loadFixture('minimal'), metadata: { name: 'web', deletionTimestamp: '2025-03-01T10:00:00Z' } };
  t.strictSame(mutateReview(toRequest(object, { operation: 'UPDATE', oldObject: object }), toContext()), {
    allowed: true,
    warnings: [],
  });
});

t.test('copy-on-write: a deep-frozen WebApp is defaulted without a write into it', async (t) => {
  const deepFreeze = <T>(value: T): T => {
    if (typeof value === 'object' && value !== null) {
      for (const child of Object.values(value)) deepFreeze(child);
      Object.freeze(value);
    }
    return value;
  };
  const object = loadFixture('minimal');
  object.metadata = { ...(object.metadata as JsonObject), annotations: { team: 'web' }, labels: { tier: 'front' } };
  (object.spec as JsonObject).service = { type: 'NodePort' };
  (object.spec as JsonObject).resources = { limits: { cpu: '1' } };
  const frozen = deepFreeze(structuredClone(object));
  const context = toContext({ defaultResources: { requests: { cpu: '100m' } } });
  const after = defaultWebApp(frozen, context);
  t.strictSame(frozen, object, 'the argument is unchanged');
  t.strictSame(after, defaultWebApp(structuredClone(object), context), 'the same result as on a mutable copy');
  t.equal(
    (after.metadata as JsonObject).annotations,
    (frozen.metadata as JsonObject).annotations,
    'untouched subtrees are shared',
  );
  t.strictSame((after.spec as JsonObject).resources, { requests: { cpu: '100m' }, limits: { cpu: '1' } });
  t.strictSame(mutateReview(toRequest(frozen), context).patch, mutateReview(toRequest(object), context).patch);
});
