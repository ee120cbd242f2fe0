// Where the leader's extra memory is: two replicas of src/main.ts over a local control plane (no
// Nodes), N WebApps created across 20 namespaces and converged, then for each replica its RSS and,
// through its inspector, what stays live after a full collection (V8's heap plus Buffers).
// A leader above its standby in RSS but not in live heap holds garbage room (the young and old
// generations grown during the sweep), not data.
//   node scripts/leader-heap.ts [N=1000] ['<NODE_OPTIONS for the replicas>']
import { readFile } from 'node:fs/promises';
import { startDevEnvironment } from '../src/dev/dev-environment.ts';
import { createJsonClient } from '../src/kube/json-client.ts';
import { connectHeapProbe } from '../test/helpers/heap-probe.ts';
import { eventually } from '../test/helpers/eventually.ts';

const n = Number(process.argv[2] ?? 1000);
const nodeOptions = process.argv[3] ?? '';
const env = await startDevEnvironment({
  replicas: 2,
  nodes: 0,
  env: { NODE_OPTIONS: `${nodeOptions} --inspect=127.0.0.1:0`.trim() },
});
try {
  const client = createJsonClient(env.kc);
  const namespaces = Array.from({ length: 20 }, (_, i) => `scale-${i}`);
  for (const name of namespaces) await client.request('POST', '/api/v1/namespaces', { body: { metadata: { name } } });
  const started = Date.now();
  const names = Array.from({ length: n }, (_, i) => ({ ns: namespaces[i % 20]!, name: `web-${i}` }));
  for (let i = 0; i < n; i += 20) {
    await Promise.all(
      names.slice(i, i + 20).map(({ ns, name }) =>
        client.request('POST', `/apis/shipshape.dev/v1/namespaces/${ns}/webapps`, {
          body: {
            apiVersion: 'shipshape.dev/v1',
            kind: 'WebApp',
            metadata: { name },
            spec: { image: 'nginx:1.27', replicas: 2, env: [{ name: 'GREETING', value: 'hello' }] },
          },
        }),
      ),
    );
  }
  await eventually(
    `${n} WebApps converged`,
    async () => {
      const list = await client.request<{
        items: Array<{ metadata: { generation: number }; status?: { observedGeneration?: number } }>;
      }>('GET', '/apis/shipshape.dev/v1/webapps');
      return list.items.filter((w) => w.status?.observedGeneration === w.metadata.generation).length === n;
    },
    600_000,
  );
  console.log(`converged in ${((Date.now() - started) / 1000).toFixed(1)} s; settling 20 s`);
  await new Promise((r) => setTimeout(r, 20_000));
  const lease = await client.request<{ spec: { holderIdentity?: string } }>(
    'GET',
    '/apis/coordination.k8s.io/v1/namespaces/shipshape-system/leases/shipshape-leader',
  );
  console.log(`N=${n} NODE_OPTIONS="${nodeOptions}"`);
  console.log('replica | role | RSS MiB | live after full GC MiB');
  for (const replica of env.replicas) {
    const role = lease.spec.holderIdentity?.startsWith(`${replica.name}_`) ? 'leader' : 'standby';
    const rss = Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${replica.pid}/status`, 'utf8'))?.[1]) / 1024;
    const probe = await connectHeapProbe(replica.logPath);
    const live = await probe.liveMiB();
    probe.close();
    console.log(`${replica.name} | ${role} | ${rss.toFixed(0)} | ${live.toFixed(1)}`);
  }
} finally {
  await env.stop();
}
