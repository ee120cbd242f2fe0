// The root password of a MySQLCluster (issue #36) against the real apiserver, with two Shipshape
// processes electing a leader: the Secret is created once and keeps its data and resourceVersion
// through reconciles, resyncs, a change of the cluster and a change of leader; and the password
// appears in no log line of either process, no Event, no status and no exported
// span or metric.
import { readFile } from 'node:fs/promises';
import t from 'tap';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { useNamespace } from '../helpers/control-plane.ts';
import { eventually } from '../helpers/eventually.ts';
import { FAST_ELECTION, waitForLeader } from '../helpers/leadership.ts';
import { mysqlClients } from '../helpers/mysqlclusters.ts';
import { startOtlpReceiver } from '../helpers/otlp-receiver.ts';

const RESYNC_SECONDS = 2;
const receiver = await startOtlpReceiver();
const env = await startDevEnvironment({
  replicas: 2,
  env: {
    ...FAST_ELECTION,
    SHIPSHAPE_RESYNC_SECONDS: String(RESYNC_SECONDS),
    // The most verbose level anything logs at (nothing logs below info today).
    SHIPSHAPE_LOG_LEVEL: 'debug',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_METRIC_EXPORT_INTERVAL: '500',
  },
});
t.teardown(async () => {
  await env.stop();
  await receiver.close();
});
const kc = env.kc;
const my = mysqlClients(kc, env.cp.kubeconfigPath);
const { core } = my;

/** The reconcile spans of `namespace`'s MySQLClusters, by the pod that exported them. */
async function reconciles(namespace: string): Promise<{ pod: unknown }[]> {
  await new Promise((r) => setTimeout(r, 500));
  return receiver.spans
    .filter(
      (s) => s.name === 'reconcile mysqlcluster' && s.attributes['shipshape.mysqlcluster.namespace'] === namespace,
    )
    .map((s) => ({ pod: s.resource['k8s.pod.name'] }));
}

t.test(
  'the root password Secret: created once, unchanged by reconciles, resyncs and a leader change; never shown',
  async (t) => {
    const ns = await useNamespace(t, kc);
    t.equal((await my.apply(ns, 'vault', { storage: { size: '1Gi' } })).code, 0);
    await my.ready(ns, 'vault');
    const { replica: leader } = await waitForLeader(env);
    const secret = await core.readNamespacedSecret({ namespace: ns, name: 'vault-root-password' });
    const password = Buffer.from(secret.data?.['root-password'] ?? '', 'base64').toString();
    t.match(password, /^[A-Za-z0-9_-]{43}$/, 'a 256-bit password, base64url');
    t.same(Object.keys(secret.data ?? {}), ['root-password']);
    t.notOk(secret.metadata?.ownerReferences, 'no ownerReference: garbage collection never takes it with the cluster');
    const unchanged = async (when: string) => {
      const now = await core.readNamespacedSecret({ namespace: ns, name: 'vault-root-password' });
      t.equal(now.metadata?.uid, secret.metadata?.uid, `${when}: the same Secret`);
      t.equal(now.metadata?.resourceVersion, secret.metadata?.resourceVersion, `${when}: never written again`);
      t.same(now.data, secret.data, `${when}: the same password`);
    };

    // Resyncs: the leader reconciles the cluster every RESYNC_SECONDS.
    const before = (await reconciles(ns)).length;
    await new Promise((r) => setTimeout(r, 3 * RESYNC_SECONDS * 1000));
    const resynced = (await reconciles(ns)).length - before;
    t.ok(resynced >= 2, `${resynced} reconciles in ${3 * RESYNC_SECONDS} s of resyncs`);
    await unchanged('after the resyncs');

    t.equal((await my.patch(ns, 'vault', { settings: { max_connections: '300' } })).code, 0);
    await eventually('the settings rolled out', async () => {
      const cm = await core.readNamespacedConfigMap({ namespace: ns, name: 'vault-config' });
      return /max_connections = 300/.test(cm.data?.['my.cnf'] ?? '');
    });
    await my.ready(ns, 'vault');
    await unchanged('after a change of the cluster');

    // A change of leader: SIGTERM the leader; the other takes over and reconciles the cluster.
    process.kill(leader.pid, 'SIGTERM');
    const next = await waitForLeader(env, leader);
    t.not(next.replica, leader, `${next.replica.name} leads after ${leader.name}`);
    t.equal(await leader.exited, 0, 'the old leader exited cleanly');
    const byNext = () => reconciles(ns).then((list) => list.filter((s) => s.pod === next.replica.name).length);
    t.ok(await eventually('the new leader reconciles (its resync)', async () => (await byNext()) > 0), 'it reconciles');
    t.equal((await my.patch(ns, 'vault', { replicas: 2 })).code, 0);
    const { cluster } = await my.ready(ns, 'vault');
    t.equal(cluster.status?.readyReplicas, 2, 'the new leader scaled it');
    await unchanged('after the leader change');
    const events = (await my.events(ns, 'vault')).filter((e) => /Secret/.test(e.message ?? ''));
    t.same(
      events.map((e) => [e.reason, e.message, e.count ?? 1]),
      [
        [
          'Created',
          'Created Secret vault-root-password, ConfigMap vault-config, Service vault-members, Service vault and StatefulSet vault',
          1,
        ],
      ],
      'one Event ever names the Secret: its creation',
    );

    // Where the password must never be. Both forms: as the Pods read it, and as the Secret stores it.
    const forms = [password, secret.data!['root-password']!];
    const logs = await Promise.all(env.replicas.map((r) => readFile(r.logPath, 'utf8')));
    const places: [string, string][] = [
      ...env.replicas.map((r, i): [string, string] => [
        `${r.name}'s log (${logs[i]!.split('\n').length} lines)`,
        logs[i]!,
      ]),
      ['the Events', JSON.stringify((await core.listNamespacedEvent({ namespace: ns })).items)],
      ['the MySQLCluster and its status', JSON.stringify(await my.get(ns, 'vault'))],
      [
        `the exported spans (${receiver.spans.length})`,
        JSON.stringify(receiver.spans, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
      ],
      [`the exported metric points (${receiver.points.length})`, JSON.stringify(receiver.points)],
    ];
    for (const [where, text] of places) {
      t.ok(text.length > 0, `${where} read`);
      for (const form of forms) t.notOk(text.includes(form), `the password is not in ${where}`);
    }
    t.ok(
      logs.every((log) => log.includes('"msg":"controller started"')),
      "each log holds its process's lines, the controllers' too",
    );
    t.ok(
      receiver.spans.some(
        (s) =>
          s.name === 'create Secret' &&
          s.attributes['shipshape.object.name'] === 'vault-root-password' &&
          s.attributes['shipshape.object.namespace'] === ns,
      ),
      "the span of the Secret's create was exported, and searched",
    );
    t.same(receiver.errors, []);
  },
);
