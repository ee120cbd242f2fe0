// The Lease client against a real kube-apiserver: a missing Lease reads as undefined, a lost race
// (409) resolves undefined, every other refusal is the apiserver's KubeApiError, and each call has
// its own connection and deadline, so a partition costs one call's deadline and no more.
import { KubeConfig } from '@kubernetes/client-node';
import t from 'tap';
import { KubeApiError, KubeRequestTimeoutError } from '../../src/kube/json-client.ts';
import { createLeaseClient } from '../../src/leader/lease-client.ts';
import { nextLeaseSpec } from '../../src/leader/lease-record.ts';
import { useControlPlane, useNamespace } from '../helpers/control-plane.ts';
import { useCountingProxy } from '../helpers/counting-proxy.ts';

const { cp, kc } = await useControlPlane(t, { nodes: 0 });
const namespace = await useNamespace(t, kc, 'lease-client');
const spec = (holder: string) => nextLeaseSpec(undefined, holder, 6, new Date());

t.test('reads, creates and replaces the Lease; a lost race resolves undefined', async (t) => {
  const client = createLeaseClient(kc, namespace, 'race');
  t.equal(await client.get(2_000), undefined, 'no Lease yet');
  const created = await client.create(spec('a'), 2_000);
  t.match(created, { resourceVersion: /^\d+$/, spec: { holderIdentity: 'a', leaseDurationSeconds: 6 } });
  t.equal(await client.create(spec('b'), 2_000), undefined, 'created by someone else first (409)');
  const read = await client.get(2_000);
  t.strictSame(read, created, 'as stored');
  const updated = await client.update(created!.resourceVersion, spec('b'), 2_000);
  t.equal(updated?.spec.holderIdentity, 'b');
  t.not(updated?.resourceVersion, created!.resourceVersion);
  t.equal(
    await client.update(created!.resourceVersion, spec('c'), 2_000),
    undefined,
    'replaced by someone else since that resourceVersion (409)',
  );
  t.equal((await client.get(2_000))?.spec.holderIdentity, 'b', 'the stale update changed nothing');
});

t.test('any other refusal rejects with the apiserver status, reason and message', async (t) => {
  const client = createLeaseClient(kc, namespace, 'invalid');
  const err = await client.create({ ...spec('a'), leaseDurationSeconds: 0 }, 2_000).catch((e: unknown) => e);
  t.ok(err instanceof KubeApiError, 'the JSON client error type');
  t.match(err, {
    code: 'KUBE_API',
    status: 422,
    reason: 'Invalid',
    message: /Lease\.coordination\.k8s\.io "invalid" is invalid: spec\.leaseDurationSeconds/,
  });
});

t.test('each call opens its own connection; one without an answer ends at its deadline', async (t) => {
  const proxy = await useCountingProxy(t, cp.server);
  const viaProxy = new KubeConfig();
  viaProxy.loadFromFile(await cp.issueKubeconfig('lease-client-test', proxy.url));
  const client = createLeaseClient(viaProxy, namespace, 'partition');
  const created = await client.create(spec('a'), 2_000);
  await client.get(2_000);
  await client.update(created!.resourceVersion, spec('a'), 2_000);
  t.equal(proxy.connections(), 3, 'no kept connection that could have died unnoticed');

  proxy.setForwarding(false);
  const started = performance.now();
  const err = await client.get(500).catch((e: unknown) => e);
  const elapsed = performance.now() - started;
  t.ok(err instanceof KubeRequestTimeoutError, 'KUBE_TIMEOUT, the one timeout error');
  t.match(err, { code: 'KUBE_TIMEOUT', message: /GET \/apis\/coordination\.k8s\.io\/v1\/.+: no answer within 500 ms/ });
  t.ok(elapsed >= 450 && elapsed < 2_000, `ended after ${Math.round(elapsed)} ms`);

  proxy.setForwarding(true);
  t.equal((await client.get(2_000))?.spec.holderIdentity, 'a', 'the next call, on a new connection, is answered');
});
