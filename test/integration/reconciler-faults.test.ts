// Faults while many WebApps are being created and changed: the apiserver restarted, then etcd
// restarted, with etcd compacting every few seconds so resumed watches meet 410 Gone. Everything
// converges, no child is duplicated, Shipshape keeps running, and its counters show what happened.
// SHIPSHAPE_FAULT_WEBAPPS sets how many WebApps (default 200).
import t from 'tap';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { useNamespace } from '../helpers/control-plane.ts';
import { eventually, settled } from '../helpers/eventually.ts';
import { scrapeTotals } from '../helpers/prometheus.ts';
import { clients } from '../helpers/webapps.ts';

const COUNT = Number(process.env.SHIPSHAPE_FAULT_WEBAPPS || 200);
const OUTAGE_MS = 8_000;

const env = await startDevEnvironment({ apiserverArgs: ['--etcd-compaction-interval=2s'] });
t.teardown(() => env.stop());
const { apps, core, getWebApp, createWebApp, patchSpec } = clients(env.kc);
const replica = env.replicas[0]!;

/** Calls `fn` until it succeeds: writes during an outage fail and are made again afterwards. */
const persist = (what: string, fn: () => Promise<unknown>) => eventually(what, async () => (await fn(), true), 120_000);

/** Runs `fn` over `items`, `width` at a time. */
async function inBatches<T>(items: T[], width: number, fn: (item: T) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn));
}

t.test(`${COUNT} WebApps through an apiserver restart and an etcd restart`, async (t) => {
  const ns = await useNamespace(t, env.kc);
  const names = Array.from({ length: COUNT }, (_, i) => `app-${i}`);
  const want = names.map((_, i) => ({
    replicas: i % 3 === 0 ? 2 : 1,
    image: i % 2 === 0 ? 'nginx:1.28' : 'nginx:1.27',
  }));
  const before = await scrapeTotals(replica.metricsPort);

  // Creates and the first changes race the apiserver restart.
  const creating = inBatches(names, 10, (name) =>
    persist(`create ${name}`, () =>
      createWebApp(ns, name, { image: 'nginx:1.27', replicas: 1 }).catch((err: { code?: number }) => {
        if (err.code !== 409) throw err; // created before the connection dropped
      }),
    ),
  );
  await new Promise((r) => setTimeout(r, 2_000));
  await env.cp.stopApiserver();
  await new Promise((r) => setTimeout(r, OUTAGE_MS));
  await env.cp.startApiserver();
  await creating;
  t.ok(replica.isRunning(), 'Shipshape survived the apiserver restart');

  const scaling = inBatches(
    names.filter((_, i) => i % 3 === 0),
    10,
    (name) => persist(`scale ${name}`, () => patchSpec(ns, name, { replicas: 2 })),
  );
  await new Promise((r) => setTimeout(r, 1_000));
  await env.cp.stopEtcd();
  await new Promise((r) => setTimeout(r, OUTAGE_MS));
  await env.cp.startEtcd();
  await scaling;
  await inBatches(
    names.filter((_, i) => i % 2 === 0),
    10,
    (name) => persist(`retag ${name}`, () => patchSpec(ns, name, { image: 'nginx:1.28' })),
  );
  t.ok(replica.isRunning(), 'Shipshape survived the etcd restart');

  // By name: each Deployment's replicas and image; whether the sampled WebApps' statuses observed
  // their last generation.
  const sampled = names.filter((_, i) => i % 7 === 0);
  const converged = {
    deployments: Object.fromEntries(names.map((name, i) => [name, want[i]!])),
    observedLastGeneration: Object.fromEntries(sampled.map((name) => [name, true])),
  };
  const observe = async () => {
    const deployments = new Map(
      (await apps.listNamespacedDeployment({ namespace: ns })).items.map((d) => [d.metadata?.name, d]),
    );
    const spec = (name: string) => deployments.get(name)?.spec;
    return {
      deployments: Object.fromEntries(
        names.map((name) => [
          name,
          { replicas: spec(name)?.replicas, image: spec(name)?.template.spec?.containers[0]?.image },
        ]),
      ),
      observedLastGeneration: Object.fromEntries(
        await Promise.all(
          sampled.map(async (name) => {
            const webApp = await getWebApp(ns, name);
            return [name, webApp.status?.observedGeneration === webApp.metadata.generation] as const;
          }),
        ),
      ),
    };
  };
  t.strictSame(
    await settled(observe, converged, 180_000),
    converged,
    'within 180 s every Deployment carries the last change, and the sampled statuses the last generation',
  );

  const selector = 'app.kubernetes.io/managed-by=shipshape';
  const deployments = await apps.listNamespacedDeployment({ namespace: ns, labelSelector: selector });
  const services = await core.listNamespacedService({ namespace: ns, labelSelector: selector });
  const configMaps = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: selector });
  t.same(deployments.items.map((d) => d.metadata?.name).sort(), [...names].sort(), 'one Deployment each, no duplicate');
  t.equal(services.items.length, COUNT, 'one Service each');
  t.equal(configMaps.items.length, COUNT, 'one ConfigMap each');

  const after = await scrapeTotals(replica.metricsPort);
  const moved = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
  t.ok(
    moved('shipshape_watch_restarts_total') > 0,
    `watch restarts counted (${moved('shipshape_watch_restarts_total')})`,
  );
  t.ok(
    moved('shipshape_reconcile_errors_total') > 0,
    `reconcile errors counted (${moved('shipshape_reconcile_errors_total')})`,
  );
  const gone = await scrapeTotals(replica.metricsPort, (labels) => labels.includes('reason="gone"'));
  t.ok((gone.get('shipshape_watch_restarts_total') ?? 0) > 0, 'a watch resumed after 410 Gone relisted');
});
