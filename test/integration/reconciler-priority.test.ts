// Fresh changes first, and a sweep that writes nothing where nothing differs (#34), against the real
// apiserver: two replicas, WebApps converged, then the leader dies and a WebApp changes before the
// standby takes the Lease over. The new leader sweeps every WebApp from its warm caches at low
// priority; the change made during the handover is reconciled before that sweep, and the sweep
// itself writes nothing (the apiserver's audit log counts writes).
import t from 'tap';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { createJsonClient } from '../../src/kube/json-client.ts';
import { useNamespace } from '../helpers/control-plane.ts';
import { eventually } from '../helpers/eventually.ts';
import { FAST_ELECTION, readAudit, waitForLeader } from '../helpers/leadership.ts';
import { startOtlpReceiver } from '../helpers/otlp-receiver.ts';
import { CHILD_KINDS } from '../../src/operator/child-kinds.ts';

/** Enough WebApps that one worker's sweep of them takes far longer than one reconcile. */
const N = 300;
const receiver = await startOtlpReceiver();
const env = await startDevEnvironment({
  replicas: 2,
  nodes: 0,
  audit: true,
  env: {
    ...FAST_ELECTION,
    // One worker: reconciles run one after another, in the order the queue hands them out.
    SHIPSHAPE_WORKERS: '1',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_BSP_MAX_QUEUE_SIZE: '20000',
  },
});
t.teardown(async () => {
  await env.stop();
  await receiver.close();
});
const client = createJsonClient(env.kc);
const webApps = (ns: string) => `/apis/shipshape.dev/v1/namespaces/${ns}/webapps`;
type Listed = {
  items: Array<{ metadata: { name: string; generation: number }; status?: { observedGeneration?: number } }>;
};

t.test('after a handover, a change made during it is reconciled before the sweep, which writes nothing', async (t) => {
  const ns = await useNamespace(t, env.kc);
  for (let i = 0; i < N; i += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, N - i) }, (_, j) =>
        client.request('POST', webApps(ns), {
          body: {
            apiVersion: 'shipshape.dev/v1',
            kind: 'WebApp',
            metadata: { name: `web-${i + j}` },
            spec: { image: 'nginx:1.27', replicas: 2, env: [{ name: 'GREETING', value: 'hello' }] },
          },
        }),
      ),
    );
  }
  await eventually(
    `${N} WebApps converged`,
    async () => {
      const list = await client.request<Listed>('GET', webApps(ns));
      return list.items.filter((w) => w.status?.observedGeneration === w.metadata.generation).length === N;
    },
    300_000,
  );
  // Quiet: the last status writes and their events are through.
  await new Promise((r) => setTimeout(r, 3000));
  const { replica: old } = await waitForLeader(env);
  const changed = `web-${N - 1}`;
  // The leader dies (SIGKILL: no Lease release), and the last WebApp in the sweep's order changes
  // before the standby can take the Lease over: a change no leader has seen.
  process.kill(old.pid, 'SIGKILL');
  await old.stop();
  const patchedAt = Date.now();
  // The webhook Service may still pick the dead replica for a moment: retried.
  await eventually('the change is admitted', () =>
    client
      .request('PATCH', `${webApps(ns)}/${changed}`, {
        body: [{ op: 'replace', path: '/spec/image', value: 'nginx:1.28' }],
        contentType: 'application/json-patch+json',
      })
      .then(
        () => true,
        () => false,
      ),
  );
  const { replica: leader } = await waitForLeader(env, old, 60_000);
  await eventually(`${changed}'s Deployment has the new image`, async () => {
    const d = await client.request<{ spec: { template: { spec: { containers: Array<{ image: string }> } } } }>(
      'GET',
      `/apis/apps/v1/namespaces/${ns}/deployments/${changed}`,
    );
    return d.spec.template.spec.containers[0]?.image === 'nginx:1.28';
  });
  // The new leader's reconciles of this namespace, in the order they started.
  const sweep = await eventually(
    'the new leader swept every WebApp',
    async () => {
      const spans = receiver.spans
        .filter(
          (s) =>
            s.name === 'reconcile webapp' &&
            s.resource['k8s.pod.name'] === leader.name &&
            s.attributes['shipshape.webapp.namespace'] === ns,
        )
        .sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1));
      const names = new Set(spans.map((s) => s.attributes['shipshape.webapp.name']));
      return names.size === N && spans;
    },
    120_000,
  );
  const position = sweep.findIndex((s) => s.attributes['shipshape.webapp.name'] === changed);
  t.comment(`${changed} was reconciled ${position + 1}. of the new leader's ${sweep.length} reconciles`);
  // In FIFO order it would come last: the sweep queues the WebApps in creation order.
  t.ok(position < 3, `the changed WebApp came before the sweep, not after ${N - 1} unchanged ones`);

  // Writes to WebApps and children after the patch: the change's own, and none from the sweep.
  const owned = new Set(['webapps', ...CHILD_KINDS.map((k) => k.plural)]);
  const writes = (await readAudit(env.cp.auditLogPath!)).filter(
    (e) =>
      e.user.username.startsWith('shipshape-dev-') &&
      ['create', 'update', 'patch', 'delete'].includes(e.verb) &&
      owned.has(e.objectRef?.resource ?? '') &&
      e.objectRef?.namespace === ns &&
      Date.parse(e.requestReceivedTimestamp) >= patchedAt - 1000,
  );
  const others = writes.filter((e) => e.objectRef?.name !== changed && e.objectRef?.name !== `${changed}-env`);
  t.strictSame(
    others.map((e) => `${e.verb} ${e.objectRef?.resource}/${e.objectRef?.subresource ?? ''} ${e.objectRef?.name}`),
    [],
    `the sweep of ${N - 1} unchanged WebApps wrote nothing (${writes.length} writes, all for ${changed})`,
  );
});
