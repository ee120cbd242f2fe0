// Two owner kinds on one set of shared caches (src/operator/owner-controller.ts over stub
// informers): each term's controller reconciles the owners its own kind's events name, a child's
// event wakes the owner whose label it carries, and the context is the kind's extension of the base.
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { pino } from 'pino';
import t from 'tap';
import { CHILD_VIEWS } from '../../../src/operator/cache-transforms.ts';
import { createOwnerCaches } from '../../../src/operator/owner-caches.ts';
import type { OwnerReconcileContext } from '../../../src/operator/owner-context.ts';
import { createOwnerController } from '../../../src/operator/owner-controller.ts';
import type { OwnerKind } from '../../../src/operator/owner-kind.ts';
import { stubInformers } from '../../helpers/stub-informers.ts';

const kind = (name: string): OwnerKind => ({
  kind: name,
  apiVersion: 'shipshape.dev/v1',
  plural: `${name.toLowerCase()}s`,
  ownerLabel: `shipshape.dev/${name.toLowerCase()}`,
  finalizer: 'shipshape.dev/finalizer',
  controllerName: name.toLowerCase(),
});
const SERVICES = [{ kind: 'Service', apiVersion: 'v1', plural: 'services', view: CHILD_VIEWS.Service }];

type Ctx = OwnerReconcileContext<unknown> & { kindName: string; wrappedFor?: string };

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within 2 s: ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

t.test('each kind reconciles its own owners, woken by the children that carry its label', async (t) => {
  const { informers, createInformer } = stubInformers();
  const caches = createOwnerCaches({
    kc: new KubeConfig(),
    logger: pino({ level: 'silent' }),
    namespaces: { onChange: () => {}, hasSynced: () => true, annotations: () => undefined },
    createInformer,
  });
  const reconciled: string[] = [];
  const contexts: unknown[] = [];
  const controllerOf = (owner: OwnerKind) =>
    createOwnerController<unknown, Ctx>({
      owner,
      children: SERVICES,
      caches,
      kc: new KubeConfig(),
      logger: pino({ level: 'silent' }),
      workers: 1,
      resyncMs: 60_000,
      identity: 'unit',
      reconcile: async (key, ctx) => {
        reconciled.push(`${owner.controllerName} ${key}`);
        contexts.push(ctx);
        return {};
      },
      context: (base, deps) => ({ ...base, kindName: deps.owner.kind }),
      wrapContext: (ctx, o) => ({ ...ctx, wrappedFor: o.controllerName }),
    });
  const apps = controllerOf(kind('App'));
  const databases = controllerOf(kind('Database'));
  t.equal(informers.filter((i) => i.options.path === '/api/v1/services').length, 1, 'one Service informer');
  informers.forEach((i) => i.sync());
  const owner = (path: string, name: string) =>
    informers.find((i) => i.options.path === path)!.emit({ metadata: { name, namespace: 'shop' } } as KubernetesObject);
  owner('/apis/shipshape.dev/v1/apps', 'web');
  owner('/apis/shipshape.dev/v1/databases', 'db');

  const stop = new AbortController();
  const running = apps.start(stop.signal);
  await until(() => reconciled.length === 1, 'the sweep');
  t.same(reconciled, ['app shop/web'], "the term's sweep: its own kind's owners only");
  t.match(contexts[0], { kindName: 'App', wrappedFor: 'app' }, "the kind's context, wrapped per reconcile");
  t.type((contexts[0] as OwnerReconcileContext<unknown>).create, 'function', 'the base members');

  const services = informers.find((i) => i.options.path === '/api/v1/services')!;
  const service = (name: string, labels: Record<string, string>) =>
    ({ metadata: { name, namespace: 'shop', labels } }) as KubernetesObject;
  services.emit(service('db', { 'shipshape.dev/database': 'db' }));
  services.emit(service('web', { 'shipshape.dev/app': 'web' }));
  await until(() => reconciled.length === 2, "the App's child");
  t.same(reconciled, ['app shop/web', 'app shop/web'], "the Database's Service woke nobody in this term");
  stop.abort();
  await running;

  const next = new AbortController();
  const other = databases.start(next.signal);
  await until(() => reconciled.length === 3, "the Database's sweep");
  t.same(reconciled.at(-1), 'database shop/db');
  next.abort();
  await other;
});
