// The harness against the real etcd and kube-apiserver it starts: core objects, Leases with
// optimistic concurrency, custom resources, kubectl, and clean shutdown.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import {
  ApiException,
  ApiextensionsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import t from 'tap';
import { startControlPlane } from '../../src/control-plane/control-plane.ts';
import { useControlPlane, useNamespace } from '../helpers/control-plane.ts';

const run = promisify(execFile);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const { cp, kc } = await useControlPlane(t);

t.test('creates and reads back a Namespace, a ConfigMap and a Lease; a stale Lease update conflicts', async (t) => {
  const core = kc.makeApiClient(CoreV1Api);
  const coordination = kc.makeApiClient(CoordinationV1Api);
  const namespace = await useNamespace(t, kc);
  t.equal((await core.readNamespace({ name: namespace })).metadata?.name, namespace);

  await core.createNamespacedConfigMap({
    namespace,
    body: { metadata: { name: 'settings' }, data: { greeting: 'hello' } },
  });
  const cm = await core.readNamespacedConfigMap({ namespace, name: 'settings' });
  t.same(cm.data, { greeting: 'hello' });

  const created = await coordination.createNamespacedLease({
    namespace,
    body: { metadata: { name: 'leader' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } },
  });
  const read = await coordination.readNamespacedLease({ namespace, name: 'leader' });
  t.equal(read.spec?.holderIdentity, 'a');
  t.equal(read.metadata?.resourceVersion, created.metadata?.resourceVersion);

  await coordination.replaceNamespacedLease({
    namespace,
    name: 'leader',
    body: { ...read, spec: { ...read.spec, holderIdentity: 'b' } },
  });
  const stale = coordination.replaceNamespacedLease({
    namespace,
    name: 'leader',
    body: { ...read, spec: { ...read.spec, holderIdentity: 'c' } },
  });
  const err = await stale.then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(err instanceof ApiException, 'the stale update is rejected by the API server');
  t.equal((err as ApiException<unknown>).code, 409, 'with 409 Conflict');
  t.equal((await coordination.readNamespacedLease({ namespace, name: 'leader' })).spec?.holderIdentity, 'b');
});

t.test('stores and encodes a custom resource', async (t) => {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const namespace = await useNamespace(t, kc);
  const crd: V1CustomResourceDefinition = {
    metadata: { name: 'widgets.harness.shipshape.dev' },
    spec: {
      group: 'harness.shipshape.dev',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
            },
          },
        },
      ],
    },
  };
  await ext.createCustomResourceDefinition({ body: crd });
  for (let i = 0; i < 100; i++) {
    const got = await ext.readCustomResourceDefinition({ name: crd.metadata!.name! });
    if (got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const target = { group: 'harness.shipshape.dev', version: 'v1', namespace, plural: 'widgets' };
  await custom.createNamespacedCustomObject({
    ...target,
    body: { apiVersion: 'harness.shipshape.dev/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } },
  });
  const got = (await custom.getNamespacedCustomObject({ ...target, name: 'w1' })) as { spec: { size: number } };
  t.equal(got.spec.size, 3);
  const list = (await custom.listNamespacedCustomObject(target)) as { items: unknown[] };
  t.equal(list.items.length, 1);
  t.ok(cp.apiserver.isRunning(), 'the apiserver survived encoding a custom resource');
});

t.test('kubectl works with the harness kubeconfig', async (t) => {
  const { stdout } = await run(cp.kubectl, ['--kubeconfig', cp.kubeconfigPath, 'get', 'ns', '-o', 'name']);
  t.match(stdout, /namespace\/default/);
  t.match(stdout, /namespace\/kube-system/);
});

t.test('stop() ends etcd, kube-apiserver and the controllers and removes the folder', async (t) => {
  const other = await startControlPlane();
  const pids = [other.etcd.pid, other.apiserver.pid, ...other.controllers.map((p) => p.pid)];
  t.equal(pids.length, 5, 'etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok');
  t.ok(pids.every(isAlive), 'all run while started');
  await other.stop();
  t.notOk(pids.some(isAlive), 'none runs after stop()');
  t.notOk(existsSync(other.dir), 'the folder is gone');
  await t.resolves(other.stop(), 'a second stop() resolves');
  t.notOk(existsSync(other.dir), 'and leaves no folder behind');
});

t.test('a start failure reports the tail of the logs and leaves nothing behind', async (t) => {
  const err = await startControlPlane({ apiserverArgs: ['--no-such-flag=1'] }).then(
    () => undefined,
    (e: unknown) => e as Error & { code: string },
  );
  t.ok(err, 'startControlPlane rejects');
  t.equal(err?.code, 'CP_START_FAILED');
  t.match(err?.message, /--- kube-apiserver/);
  t.match(err?.message, /unknown flag: --no-such-flag/);
  t.match(err?.message, /--- etcd/);
});

t.test('the apiserver can be stopped and started again on the same port, keeping the data', async (t) => {
  const core = kc.makeApiClient(CoreV1Api);
  const namespace = await useNamespace(t, kc);
  const before = cp.apiserver.pid;
  await cp.stopApiserver();
  t.notOk(isAlive(before), 'the apiserver process ended');
  t.ok(cp.etcd.isRunning(), 'etcd keeps running');
  await t.rejects(core.readNamespace({ name: namespace }), 'the API is unreachable while stopped');
  await cp.startApiserver();
  t.not(cp.apiserver.pid, before, 'a new apiserver process');
  t.equal((await core.readNamespace({ name: namespace })).metadata?.name, namespace, 'same server, same data');
});
