// Issue #35's migration against the real apiserver, the way docs/upgrading-to-v2.md tells a cluster
// admin to run it: WebApps written while v1 is the storage version (at v1, and at v2 with fields
// only v2 has) -> the CRD's storage flipped to v2 (the documented JSON Patch) -> a
// StorageVersionMigration (deploy/storage-migration/, run by kube-controller-manager's
// storage-version-migrator-controller, on by default in 1.37) -> every WebApp read from etcd,
// stored at v2 -> status.storedVersions just v2. Then the page's way back: flipped to v1 and
// migrated again, every WebApp stored at v1. Meanwhile a dev replica reconciles, and no child of
// any WebApp changes: no ConfigMap, Service, Deployment, PodDisruptionBudget or autoscaler is
// written to, no ReplicaSet or Pod replaced (no spurious rollout).
// One control plane for every subtest: each step starts where the one before left the cluster.
import t from 'tap';
import type { WebAppVersion } from '../../src/api/crd.ts';
import { V2_FIELDS_ANNOTATION } from '../../src/api/v2-fields-annotation.ts';
import { API_GROUP, LABEL_MANAGED_BY, MANAGED_BY, WEBAPP_CRD_NAME, WEBAPP_PLURAL } from '../../src/constants.ts';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { createJsonClient } from '../../src/kube/json-client.ts';
import {
  STORAGE_MIGRATION_NAME,
  toStorageVersionMigration,
  toStorageVersionPatch,
  toStoredVersionsPatch,
} from '../../src/manifests/storage-migration.ts';
import { CHILD_KINDS } from '../../src/operator/child-kinds.ts';
import { useNamespace } from '../helpers/control-plane.ts';
import { storedWebApp, storedWebApps, untilStoredAt } from '../helpers/etcd.ts';
import { eventually, settled } from '../helpers/eventually.ts';

// One fake Node: kube-controller-manager (the migrator, the garbage collector's cache it reads,
// the Deployments' rollouts) runs only with Nodes.
const env = await startDevEnvironment({ nodes: 1 });
t.teardown(() => env.stop());
const client = createJsonClient(env.kc);

type WebApp = {
  apiVersion: string;
  metadata: {
    name: string;
    namespace: string;
    generation: number;
    resourceVersion: string;
    annotations?: Record<string, string>;
  };
  spec: Record<string, unknown>;
  status?: { observedGeneration?: number };
};
const collection = (version: WebAppVersion, namespace: string) =>
  `/apis/${API_GROUP}/${version}/namespaces/${namespace}/${WEBAPP_PLURAL}`;
const create = (version: WebAppVersion, namespace: string, name: string, spec: object) =>
  client.request<WebApp>('POST', collection(version, namespace), {
    body: { apiVersion: `${API_GROUP}/${version}`, kind: 'WebApp', metadata: { name }, spec },
  });
const list = async (version: WebAppVersion, namespace: string) =>
  (await client.request<{ items: WebApp[] }>('GET', collection(version, namespace))).items;
const CRD_PATH = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${WEBAPP_CRD_NAME}`;
type Crd = {
  spec: { versions: { name: string; storage: boolean }[] };
  status: { storedVersions: string[]; conditions: { type: string; status: string; reason: string }[] };
};
const SVM_PATH = '/apis/storagemigration.k8s.io/v1/storageversionmigrations';
type Svm = { status?: { resourceVersion?: string; conditions?: { type: string; status: string; reason: string }[] } };

// Five WebApps per namespace: three written at v1, two at v2 with what v1 cannot say (several
// ports, env from a Secret and a ConfigMap, an autoscaler), one of them then changed by a v1 client.
const V1_SPECS: Record<string, object> = {
  plain: { image: 'nginx:1.27', replicas: 1, port: 8080 },
  shop: {
    image: 'nginx:1.27',
    replicas: 2,
    port: 8081,
    env: [{ name: 'GREETING', value: 'hello' }],
    service: { type: 'NodePort', port: 8000 },
    resources: { requests: { cpu: '100m', memory: '64Mi' } },
  },
  api: { image: 'nginx:1.27', replicas: 1, port: 9000, service: { port: 80 } },
};
const V2_SPECS: Record<string, object> = {
  metrics: {
    image: 'nginx:1.27',
    replicas: 1,
    ports: [
      { name: 'web', containerPort: 8080, servicePort: 80 },
      { name: 'metrics', containerPort: 9090 },
    ],
    env: [
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
      { name: 'MODE', value: 'fast' },
    ],
  },
  scaled: {
    image: 'nginx:1.27',
    ports: [{ name: 'http', containerPort: 8080, servicePort: 80 }],
    env: [{ name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'settings', key: 'level', optional: true } } }],
    autoscaling: { minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 70 },
  },
};
const namespaces: string[] = [];
for (let i = 0; i < 3; i++) namespaces.push(await useNamespace(t, env.kc, `svm-${i}`));
// The probes of the flip, and the WebApp written during the migration: no children compared here.
const probes = await useNamespace(t, env.kc, 'svm-probes');

/**
 * Every child of the WebApps in `namespaces`, their Deployments' ReplicaSets and their Pods, each
 * as what a change of it would change: "kind ns/name" -> the resourceVersion of a ConfigMap or a
 * Service (nothing but Shipshape writes them), the generation of a kind whose status other
 * controllers write (a Deployment's, a ReplicaSet's, a PodDisruptionBudget's and an autoscaler's
 * status follow the Pods, and a loaded kwok Node's Pods flap: one run saw every Deployment,
 * ReplicaSet and PodDisruptionBudget get a new resourceVersion at once, no new ReplicaSet), and a
 * Pod's uid (a rollout replaces Pods, a new ReplicaSet brings new names).
 */
async function children(): Promise<Record<string, string>> {
  const kinds = [
    ...CHILD_KINDS,
    { kind: 'ReplicaSet', apiVersion: 'apps/v1', plural: 'replicasets' },
    { kind: 'Pod', apiVersion: 'v1', plural: 'pods' },
  ];
  type Item = { metadata: { name: string; uid: string; resourceVersion: string; generation?: number } };
  const found: Record<string, string> = {};
  for (const namespace of namespaces) {
    for (const { kind, apiVersion, plural } of kinds) {
      const base = apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
      // ReplicaSets and Pods carry the Pod template's labels, not the managed-by label: every one here is a WebApp's.
      const owned = kind === 'ReplicaSet' || kind === 'Pod';
      const query = owned ? undefined : { labelSelector: `${LABEL_MANAGED_BY}=${MANAGED_BY}` };
      const { items } = await client.request<{ items: Item[] }>('GET', `${base}/namespaces/${namespace}/${plural}`, {
        ...(query && { query }),
      });
      for (const { metadata } of items) {
        found[`${kind} ${namespace}/${metadata.name}`] =
          kind === 'Pod'
            ? `uid ${metadata.uid}`
            : metadata.generation === undefined
              ? `resourceVersion ${metadata.resourceVersion}`
              : `generation ${metadata.generation}`;
      }
    }
  }
  return found;
}

/** Whether every WebApp has been reconciled at its generation and every Deployment has rolled out. */
async function reconciledAndRolledOut(): Promise<boolean> {
  return (await notConverged()) === undefined;
}

/** What is not reconciled or rolled out yet, for a failure to name; undefined when all is. */
async function notConverged(): Promise<string | undefined> {
  for (const namespace of namespaces) {
    const webApps = await list('v1', namespace);
    const behind = webApps.find((w) => w.status?.observedGeneration !== w.metadata.generation);
    if (behind) {
      const { name, generation } = behind.metadata;
      return `WebApp ${namespace}/${name}: generation ${generation}, observed ${behind.status?.observedGeneration}`;
    }
    const { items } = await client.request<{
      items: {
        metadata: { name: string; generation: number };
        spec: { replicas: number };
        status?: Record<string, number>;
      }[];
    }>('GET', `/apis/apps/v1/namespaces/${namespace}/deployments`);
    if (items.length !== webApps.length)
      return `${namespace}: ${items.length} Deployments for ${webApps.length} WebApps`;
    const done = (d: (typeof items)[number]) =>
      d.status?.observedGeneration === d.metadata.generation &&
      ['updatedReplicas', 'readyReplicas', 'availableReplicas'].every((k) => d.status?.[k] === d.spec.replicas);
    const rolling = items.find((d) => !done(d));
    if (rolling) return `Deployment ${namespace}/${rolling.metadata.name}: ${JSON.stringify(rolling.status)}`;
  }
  return undefined;
}

let before: Record<string, string> = {};
const generations = new Map<string, number>();

t.test('WebApps written while v1 is the storage version, at v1 and at v2, reconciled', async (t) => {
  for (const namespace of namespaces) {
    for (const [name, spec] of Object.entries(V1_SPECS)) await create('v1', namespace, name, spec);
    for (const [name, spec] of Object.entries(V2_SPECS)) await create('v2', namespace, name, spec);
    // A v1 client changes a WebApp that has fields only v2 has: they stay, in the annotation.
    await client.request('PATCH', `${collection('v1', namespace)}/scaled`, {
      body: { spec: { image: 'nginx:1.28' } },
      contentType: 'application/merge-patch+json',
    });
  }
  const stored = await storedWebApps(env.cp);
  t.equal(stored.length, 15, 'fifteen WebApps in etcd');
  t.ok(
    stored.every((w) => w.apiVersion === `${API_GROUP}/v1`),
    'every one stored at v1',
  );
  t.ok(
    stored.filter((w) => w.metadata.name in V2_SPECS).every((w) => w.metadata.annotations?.[V2_FIELDS_ANNOTATION]),
    'those written at v2 carry what v1 cannot say in the annotation',
  );

  // Settled: reconciled, rolled out, and the children and the WebApps unchanged over two readings
  // 2 s apart (the Deployments' and the WebApps' status writes done), so that any later change of a
  // child is the migration's doing, and no status write after the flip stores a WebApp at v2 first.
  let previous = '';
  before = await eventually(
    'children and WebApps settled',
    async () => {
      if (!(await reconciledAndRolledOut())) return undefined;
      const now = await children();
      const webApps = await Promise.all(namespaces.map((namespace) => list('v1', namespace)));
      const reading = JSON.stringify([now, webApps.flat().map((w) => w.metadata.resourceVersion)]);
      const same = reading === previous;
      previous = reading;
      if (!same) await new Promise((resolve) => setTimeout(resolve, 2000));
      return same ? now : undefined;
    },
    60_000,
  );
  const kinds = new Set(Object.keys(before).map((key) => key.split(' ')[0]));
  for (const kind of [
    'ConfigMap',
    'Deployment',
    'Service',
    'PodDisruptionBudget',
    'HorizontalPodAutoscaler',
    'ReplicaSet',
    'Pod',
  ])
    t.ok(kinds.has(kind), `${kind}s among what is compared`);
  t.comment(`${Object.keys(before).length} children, ReplicaSets and Pods compared`);
  for (const namespace of namespaces) {
    for (const w of await list('v2', namespace))
      generations.set(`${namespace}/${w.metadata.name}`, w.metadata.generation);
  }
  t.equal(generations.size, 15);
});

t.test('the storage version flipped to v2 by the documented patch; new writes land at v2', async (t) => {
  await client.request('PATCH', CRD_PATH, {
    body: toStorageVersionPatch('v2'),
    contentType: 'application/json-patch+json',
  });
  const crd = await client.request<Crd>('GET', CRD_PATH);
  t.strictSame(
    crd.spec.versions.map((v) => [v.name, v.storage]),
    [
      ['v1', false],
      ['v2', true],
    ],
  );
  t.strictSame([...crd.status.storedVersions].sort(), ['v1', 'v2'], 'v1 still in storedVersions');
  await untilStoredAt(env.cp, probes, `${API_GROUP}/v2`, (name) => create('v1', probes, name, V1_SPECS.plain!));
  const stored = await storedWebApps(env.cp);
  t.equal(
    stored.filter((w) => namespaces.includes(w.metadata.namespace) && w.apiVersion === `${API_GROUP}/v1`).length,
    15,
    'what was stored before stays at v1 until it is rewritten',
  );
});

/**
 * Creates the StorageVersionMigration `name`, writes one more WebApp once it has recorded its
 * resourceVersion, and resolves with it once it has Succeeded or Failed, and with how long it took.
 */
async function migrate(name: string, latecomer: string): Promise<{ svm: Svm; ms: number }> {
  const started = Date.now();
  await client.request('POST', SVM_PATH, { body: toStorageVersionMigration(name) });
  // The migrator starts once the garbage collector's cache of WebApps has caught up with the
  // resourceVersion the migration records, which a write to a WebApp or the cache's next watch
  // bookmark brings about. Clients keep writing during a migration anyway: one more WebApp, at v1,
  // once that resourceVersion is recorded.
  await eventually('the migration records a resourceVersion', async () => {
    const svm = await client.request<Svm>('GET', `${SVM_PATH}/${name}`);
    return Boolean(svm.status?.resourceVersion);
  });
  await create('v1', probes, latecomer, V1_SPECS.plain!);
  const svm = await eventually(
    `${name} finished`,
    async () => {
      const svm = await client.request<Svm>('GET', `${SVM_PATH}/${name}`);
      const done = svm.status?.conditions?.find((c) => ['Succeeded', 'Failed'].includes(c.type) && c.status === 'True');
      return done ? svm : undefined;
    },
    60_000,
  );
  return { svm, ms: Date.now() - started };
}

const readCrd = () => client.request<Crd>('GET', CRD_PATH);
const condition = (svm: Svm, type: string) => svm.status?.conditions?.find((c) => c.type === type)?.status;

t.test('the StorageVersionMigration rewrites every WebApp; etcd holds each at v2', async (t) => {
  const { svm, ms } = await migrate(STORAGE_MIGRATION_NAME, 'latecomer');
  t.equal(condition(svm, 'Succeeded'), 'True', 'Succeeded');
  t.not(condition(svm, 'Failed'), 'True', 'not Failed');
  t.comment(`migration created to Succeeded: ${ms} ms`);
  // Kubernetes 1.37's migrator finishes the job itself: it trims the CRD's storedVersions to the
  // storage version once it has succeeded (a write of its own, after the migration's status), with
  // a StorageMigrating condition on the CRD meanwhile.
  const trimmed = await settled(async () => (await readCrd()).status.storedVersions, ['v2']);
  t.strictSame(trimmed, ['v2'], 'the migrator left storedVersions just v2');
  t.match(
    (await readCrd()).status.conditions.find((c) => c.type === 'StorageMigrating'),
    {
      status: 'False',
      reason: 'MigrationSucceeded',
    },
  );

  const stored = await storedWebApps(env.cp);
  t.ok(stored.length >= 17, `${stored.length} WebApps in etcd`);
  t.strictSame(
    stored.filter((w) => w.apiVersion !== `${API_GROUP}/v2`).map((w) => `${w.metadata.namespace}/${w.metadata.name}`),
    [],
    'every WebApp in etcd is stored at v2',
  );
  for (const namespace of namespaces) {
    for (const w of await list('v2', namespace)) {
      const inEtcd = await storedWebApp(env.cp, namespace, w.metadata.name);
      t.strictSame(inEtcd.spec, w.spec, `${namespace}/${w.metadata.name}: etcd holds the v2 spec the API reads`);
      t.notOk(inEtcd.metadata.annotations?.[V2_FIELDS_ANNOTATION], `${w.metadata.name}: no v2-fields annotation at v2`);
      t.equal(w.metadata.generation, generations.get(`${namespace}/${w.metadata.name}`), 'generation unchanged');
    }
    const scaled = await storedWebApp(env.cp, namespace, 'scaled');
    t.match(scaled.spec, {
      image: 'nginx:1.28',
      ports: [{ name: 'http', containerPort: 8080, servicePort: 80 }],
      env: [{ name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'settings', key: 'level', optional: true } } }],
      autoscaling: { minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 70 },
    });
    const metrics = await storedWebApp(env.cp, namespace, 'metrics');
    t.match(metrics.spec, V2_SPECS.metrics!, 'v2-only fields written at v2 are in the stored spec');
    const shop = await storedWebApp(env.cp, namespace, 'shop');
    t.match(shop.spec, {
      ports: [{ name: 'http', containerPort: 8081, servicePort: 8000 }],
      service: { type: 'NodePort' },
    });
  }
});

t.test('the documented storedVersions patch leaves just v2; both versions still read every WebApp', async (t) => {
  await client.request('PATCH', `${CRD_PATH}/status`, {
    body: toStoredVersionsPatch(['v2']),
    contentType: 'application/merge-patch+json',
  });
  const crd = await client.request<Crd>('GET', CRD_PATH);
  t.strictSame(crd.status.storedVersions, ['v2']);
  for (const namespace of namespaces) {
    for (const version of ['v1', 'v2'] as const) {
      const items = await list(version, namespace);
      t.strictSame(
        items.map((w) => [w.apiVersion, w.metadata.name]),
        ['api', 'metrics', 'plain', 'scaled', 'shop'].map((name) => [`${API_GROUP}/${version}`, name]),
        `${namespace} at ${version}`,
      );
    }
  }
});

t.test('no child of any WebApp changed through the flip, the migration and the trim', async (t) => {
  // The migration's writes reach the reconciler as WebApp updates (and the flip ended its watches);
  // give it time to act on them before reading.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  // Polled, not read once: a Deployment's ready counts on the fake Node can lag a moment under load.
  const converged = await eventually(
    'reconciled, rolled out',
    async () => (await reconciledAndRolledOut()) || undefined,
    30_000,
  ).catch(() => false);
  t.ok(converged, 'reconciled, rolled out', { diagnostic: true, notConverged: await notConverged() });
  t.strictSame(await children(), before, 'every child, ReplicaSet and Pod as it was (no spec change, no rollout)');
});

t.test('and back, as upgrading-to-v2.md rolls back: v1 stored again, every WebApp at v1 in etcd', async (t) => {
  await client.request('PATCH', CRD_PATH, {
    body: toStorageVersionPatch('v1'),
    contentType: 'application/json-patch+json',
  });
  const probesBack = await useNamespace(t, env.kc, 'svm-probes-back');
  await untilStoredAt(env.cp, probesBack, `${API_GROUP}/v1`, (name) =>
    create('v2', probesBack, name, V2_SPECS.metrics!),
  );
  const { svm, ms } = await migrate('webapps-to-v1', 'latecomer-back');
  t.equal(condition(svm, 'Succeeded'), 'True', 'Succeeded');
  t.comment(`migration back created to Succeeded: ${ms} ms`);
  const trimmed = await settled(async () => (await readCrd()).status.storedVersions, ['v1']);
  t.strictSame(trimmed, ['v1'], 'the migrator left storedVersions just v1');
  t.strictSame(
    (await storedWebApps(env.cp)).filter((w) => w.apiVersion !== `${API_GROUP}/v1`).map((w) => w.metadata.name),
    [],
    'every WebApp in etcd is stored at v1',
  );
  for (const namespace of namespaces) {
    for (const w of await list('v1', namespace)) {
      const inEtcd = await storedWebApp(env.cp, namespace, w.metadata.name);
      t.strictSame(
        [inEtcd.spec, inEtcd.metadata.annotations?.[V2_FIELDS_ANNOTATION]],
        [w.spec, w.metadata.annotations?.[V2_FIELDS_ANNOTATION]],
        `${namespace}/${w.metadata.name}: etcd holds the v1 spec and annotation the API reads`,
      );
      t.equal(w.metadata.generation, generations.get(`${namespace}/${w.metadata.name}`), 'generation unchanged');
    }
    t.match((await list('v2', namespace)).find((w) => w.metadata.name === 'scaled')?.spec, {
      autoscaling: { minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 70 },
    });
  }
  await new Promise((resolve) => setTimeout(resolve, 3000));
  t.strictSame(await children(), before, 'every child, ReplicaSet and Pod still as it was');
});

t.test('the reconciler was watching all along: a change at v2 rolls the Deployment', async (t) => {
  const namespace = namespaces[0]!;
  const path = `/apis/apps/v1/namespaces/${namespace}/deployments/plain`;
  const { metadata } = await client.request<{ metadata: { generation: number } }>('GET', path);
  await client.request('PATCH', `${collection('v2', namespace)}/plain`, {
    body: { spec: { image: 'nginx:1.28' } },
    contentType: 'application/merge-patch+json',
  });
  const rolled = await eventually('the Deployment rolled', async () => {
    const d = await client.request<{
      metadata: { generation: number };
      spec: { template: { spec: { containers: { image: string }[] } } };
    }>('GET', path);
    return d.metadata.generation > metadata.generation ? d : undefined;
  });
  t.equal(rolled.spec.template.spec.containers[0]!.image, 'nginx:1.28');
});
