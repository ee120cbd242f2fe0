// Stopping the apiserver for 20 s while WebApps are being created and changed, then starting it
// again: everything converges, with no duplicate child and no lost change.
import t from 'tap';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { useNamespace } from '../helpers/control-plane.ts';
import { eventually, settled } from '../helpers/eventually.ts';
import { clients } from '../helpers/webapps.ts';

const env = await startDevEnvironment();
t.teardown(() => env.stop());
const { apps, core, getWebApp, createWebApp, patchSpec } = clients(env.kc);

t.test('an apiserver outage during reconciliation', async (t) => {
  const ns = await useNamespace(t, env.kc);
  const names = Array.from({ length: 8 }, (_, i) => `app-${i}`);
  for (const name of names) await createWebApp(ns, name, { image: 'nginx:1.27', replicas: 1 });
  // Changes made just before the outage: most reconciles are still queued or in flight.
  for (const name of names.slice(0, 4)) await patchSpec(ns, name, { replicas: 2 });
  await env.cp.stopApiserver();
  await new Promise((r) => setTimeout(r, 20_000));
  t.ok(env.replicas[0]!.isRunning(), 'Shipshape survived the outage');
  await env.cp.startApiserver();
  // And changes made after it.
  for (const name of names.slice(2, 6)) {
    await eventually(`patch ${name}`, async () => (await patchSpec(ns, name, { image: 'nginx:1.28' }), true), 20_000);
  }

  // By name: each Deployment's replicas and image, and whether the WebApp's status observed its
  // last generation.
  const want = Object.fromEntries(
    names.map((name, i) => [
      name,
      { replicas: i < 4 ? 2 : 1, image: i >= 2 && i < 6 ? 'nginx:1.28' : 'nginx:1.27', observedLastGeneration: true },
    ]),
  );
  const observe = async () =>
    Object.fromEntries(
      await Promise.all(
        names.map(async (name) => {
          const webApp = await getWebApp(ns, name);
          const d = await apps.readNamespacedDeployment({ namespace: ns, name });
          return [
            name,
            {
              replicas: d.spec?.replicas,
              image: d.spec?.template.spec?.containers[0]?.image,
              observedLastGeneration: webApp.status?.observedGeneration === webApp.metadata.generation,
            },
          ] as const;
        }),
      ),
    );
  t.strictSame(
    await settled(observe, want, 60_000),
    want,
    'within 60 s every Deployment carries the last change and every status the last generation',
  );

  const selector = 'app.kubernetes.io/managed-by=shipshape';
  const deployments = await apps.listNamespacedDeployment({ namespace: ns, labelSelector: selector });
  const services = await core.listNamespacedService({ namespace: ns, labelSelector: selector });
  const configMaps = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: selector });
  t.same(deployments.items.map((d) => d.metadata?.name).sort(), [...names].sort(), 'one Deployment each, no duplicate');
  t.equal(services.items.length, names.length, 'one Service each');
  t.equal(configMaps.items.length, names.length, 'one ConfigMap each');
});
