// The reconciler's JSON client against a real kube-apiserver: server-side apply creates and returns
// the stored object as the apiserver wrote it, refusals carry the apiserver's status, reason and
// message, the KubeConfig's timeout and abort signal still end a call, a call's own deadline ends
// it, and a client without connection reuse opens a connection per call.
import { KubeConfig } from '@kubernetes/client-node';
import t from 'tap';
import { serverSideApply } from '../../src/kube/apply.ts';
import { KubeApiError, KubeRequestTimeoutError, createJsonClient, isNotFound } from '../../src/kube/json-client.ts';
import { TimeoutKubeConfig } from '../../src/kube/timeout-kubeconfig.ts';
import { useControlPlane, useNamespace } from '../helpers/control-plane.ts';
import { useCountingProxy } from '../helpers/counting-proxy.ts';

const { cp, kc } = await useControlPlane(t, { nodes: 0 });
const namespace = await useNamespace(t, kc, 'json-client');
const client = createJsonClient(kc);
const configMap = (data: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'app-env', namespace, labels: { app: 'web' } },
  data,
});

t.test('server-side apply creates, then updates, and answers with the stored JSON', async (t) => {
  const created = await serverSideApply(client, configMap({ A: '1' }), { plural: 'configmaps', fieldManager: 'test' });
  t.equal(created.kind, 'ConfigMap');
  t.strictSame(created.data, { A: '1' });
  const meta = created.metadata as { uid?: string; creationTimestamp?: unknown; managedFields?: { manager: string }[] };
  t.type(meta.creationTimestamp, 'string', 'timestamps as the apiserver writes them, not Dates');
  t.match(meta.managedFields, [{ manager: 'test', operation: 'Apply' }]);
  const updated = await serverSideApply(client, configMap({ A: '2' }), { plural: 'configmaps', fieldManager: 'test' });
  t.equal((updated.metadata as { uid?: string }).uid, meta.uid, 'the same object');
  t.strictSame(updated.data, { A: '2' });
  const read = await client.request<{ data?: unknown }>('GET', `/api/v1/namespaces/${namespace}/configmaps/app-env`);
  t.strictSame(read.data, { A: '2' });
});

t.test('a dry run changes nothing', async (t) => {
  const dry = await serverSideApply(client, configMap({ A: '3' }), {
    plural: 'configmaps',
    fieldManager: 'test',
    dryRun: true,
  });
  t.strictSame(dry.data, { A: '3' });
  const read = await client.request<{ data?: unknown }>('GET', `/api/v1/namespaces/${namespace}/configmaps/app-env`);
  t.strictSame(read.data, { A: '2' });
});

t.test("a DELETE's options body reaches the apiserver, and the connection serves the next call", async (t) => {
  const path = `/api/v1/namespaces/${namespace}/configmaps/app-env`;
  // A dry-run delete: were the body lost, the ConfigMap would really be deleted.
  await client.request('DELETE', path, { body: { apiVersion: 'v1', kind: 'DeleteOptions', dryRun: ['All'] } });
  const read = await client.request<{ data?: unknown }>('GET', path);
  t.strictSame(read.data, { A: '2' }, 'still there, read over the same kept-alive connection');
});

t.test('refusals carry the HTTP status, the reason and the apiserver message', async (t) => {
  const missing = await client
    .request('DELETE', `/api/v1/namespaces/${namespace}/configmaps/nothing-here`)
    .catch((err: unknown) => err);
  t.ok(missing instanceof KubeApiError);
  t.match(missing, {
    code: 'KUBE_API',
    status: 404,
    reason: 'NotFound',
    message: 'configmaps "nothing-here" not found',
  });
  t.ok(isNotFound(missing));
  const invalid = await serverSideApply(
    client,
    { ...configMap({}), metadata: { name: 'Not_A_Name', namespace } },
    { plural: 'configmaps' },
  ).catch((err: unknown) => err);
  t.match(invalid, { status: 422, reason: 'Invalid', message: /ConfigMap "Not_A_Name" is invalid: metadata.name/ });
  t.notOk(isNotFound(invalid));
  const patch = await client
    .request('PATCH', `/api/v1/namespaces/${namespace}/configmaps/app-env`, {
      body: [{ op: 'test', path: '/data/A', value: 'not this' }],
      contentType: 'application/json-patch+json',
    })
    .catch((err: unknown) => err);
  t.match(patch, {
    status: 422,
    message: /the server rejected our request due to an error in our request|test operation/,
  });
});

t.test('the KubeConfig aborts a call when its term ends', async (t) => {
  const timeoutKc = new TimeoutKubeConfig();
  timeoutKc.loadFromString(kc.exportConfig());
  const term = new AbortController();
  term.abort(new Error('term over'));
  const scoped = createJsonClient(timeoutKc.withAbortSignal(term.signal));
  const err = await scoped.request('GET', `/api/v1/namespaces/${namespace}/configmaps`).catch((e: unknown) => e);
  t.ok(err instanceof Error, 'rejected');
  t.notOk(err instanceof KubeApiError, 'not an apiserver answer');
});

t.test('a call without a complete answer ends after the KubeConfig timeout', async (t) => {
  const timeoutKc = new TimeoutKubeConfig();
  timeoutKc.loadFromString(kc.exportConfig());
  timeoutKc.requestTimeoutMs = 500;
  const started = performance.now();
  // A watch answers at once and then never ends: only the timeout can end this call.
  const err = await createJsonClient(timeoutKc)
    .request('GET', `/api/v1/namespaces/${namespace}/configmaps`, { query: { watch: true } })
    .catch((e: unknown) => e);
  const elapsed = performance.now() - started;
  t.ok(err instanceof KubeRequestTimeoutError, 'rejected with KUBE_TIMEOUT');
  t.match(err, { code: 'KUBE_TIMEOUT', message: /GET \/api\/v1\/namespaces\/.+\/configmaps: no answer within 500 ms/ });
  t.ok(elapsed >= 450 && elapsed < 5_000, `ended after ${Math.round(elapsed)} ms`);
});

t.test("a call's own deadline ends it, in place of the KubeConfig's", async (t) => {
  const longer = new TimeoutKubeConfig();
  longer.loadFromString(kc.exportConfig());
  longer.requestTimeoutMs = 60_000;
  for (const [what, config] of [
    ['a KubeConfig without a timeout', kc],
    ['a TimeoutKubeConfig of 60 s', longer],
  ] as const) {
    const started = performance.now();
    // The apiserver ends this watch after 5 s: a call that ignored its deadline would succeed then.
    const err = await createJsonClient(config)
      .request('GET', `/api/v1/namespaces/${namespace}/configmaps`, {
        query: { watch: true, timeoutSeconds: '5' },
        timeoutMs: 300,
      })
      .then(
        () => 'answered',
        (e: unknown) => e,
      );
    const elapsed = performance.now() - started;
    t.ok(err instanceof KubeRequestTimeoutError, `${what}: rejected with KUBE_TIMEOUT`);
    t.match(err, { code: 'KUBE_TIMEOUT', message: /: no answer within 300 ms$/ });
    t.ok(elapsed >= 250 && elapsed < 2_000, `${what}: ended after ${Math.round(elapsed)} ms`);
  }
});

t.test('connections: one kept-alive pool per client, or one connection per call', async (t) => {
  const proxy = await useCountingProxy(t, cp.server);
  const viaProxy = new KubeConfig();
  viaProxy.loadFromFile(await cp.issueKubeconfig('json-client-test', proxy.url));
  const path = `/api/v1/namespaces/${namespace}/configmaps`;
  const pooled = createJsonClient(viaProxy);
  for (let i = 0; i < 3; i++) await pooled.request('GET', path);
  t.equal(proxy.connections(), 1, 'three calls over one connection');
  const unpooled = createJsonClient(viaProxy, { reuseConnections: false });
  for (let i = 0; i < 3; i++) await unpooled.request('GET', path);
  t.equal(proxy.connections(), 4, 'then three calls over three new connections');
});
