// Three real Shipshape processes against the real apiserver: one leads, all admit; failover after
// SIGKILL, SIGTERM and a network cut-off, within the bounds the Lease timings promise.
import { request } from 'node:https';
import t from 'tap';
import { VALIDATE_PATH } from '../../src/constants.ts';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import type { ShipshapeProcess } from '../../src/dev/shipshape-process.ts';
import { useNamespace } from '../helpers/control-plane.ts';
import { eventually } from '../helpers/eventually.ts';
import {
  checkSingleWriter,
  FAST_ELECTION,
  leaseHolder,
  openWatches,
  readAudit,
  replicaOf,
  waitForLeader,
} from '../helpers/leadership.ts';
import { admissionReview, minimalWebApp } from '../helpers/server.ts';
import { clients } from '../helpers/webapps.ts';

const LEASE_MS = 6000;
const RETRY_MS = 1000;
const RENEW_DEADLINE_MS = 4000;

const env = await startDevEnvironment({ replicas: 3, linkProxies: true, audit: true, env: FAST_ELECTION });
t.teardown(() => env.stop());
const { apps, createWebApp } = clients(env.kc);

function admit(replica: ShipshapeProcess): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = request(`${replica.baseUrl}${VALIDATE_PATH}`, { method: 'POST', ca: env.certs.caPem }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(JSON.parse(body).response.allowed === true));
    });
    req.on('error', reject);
    req.end(JSON.stringify(admissionReview(minimalWebApp())));
  });
}

const converges = (namespace: string, name: string, timeoutMs = 30_000) =>
  eventually(`${name} reconciled`, () => apps.readNamespacedDeployment({ namespace, name }), timeoutMs);

t.test('exactly one replica holds the Lease and reconciles; every replica admits', async (t) => {
  const { replica: leader, holder } = await waitForLeader(env);
  t.match(holder, /^shipshape-dev-\d_[0-9a-f]{8}$/, 'holderIdentity is the pod name plus a random suffix');
  for (const replica of env.replicas) t.ok(await admit(replica), `${replica.name} serves admission`);
  const ns = await useNamespace(t, env.kc);
  await createWebApp(ns, 'one', { image: 'nginx:1.27' });
  await converges(ns, 'one');
  const writers = new Set(
    (await readAudit(env.cp.auditLogPath!))
      .filter((e) => e.objectRef?.resource === 'deployments' && e.user.username.startsWith('shipshape-dev-'))
      .map((e) => e.user.username),
  );
  t.same([...writers], [leader.name], 'only the leader wrote the Deployment');
  // Warm standbys: every replica keeps the reconciler's caches, so a new leader starts synced.
  // Shipshape reads WebApps at v1; the controller manager's garbage collector watches v2 (the
  // preferred version) once it has discovered the CRD.
  const watching = await eventually('a WebApp watch per replica', async () => {
    const n = await openWatches(env.kc, 'webapps', 'v1');
    return n >= env.replicas.length ? n : undefined;
  });
  t.equal(watching, env.replicas.length, 'one WATCH on webapps (v1) per replica, standbys included');
});

t.test(
  'SIGKILL of the leader: another leads within lease + retry (+1 s) and converges a WebApp made in the gap',
  async (t) => {
    const { replica: leader } = await waitForLeader(env);
    const ns = await useNamespace(t, env.kc);
    const killedAt = Date.now();
    process.kill(leader.pid, 'SIGKILL');
    // The apiserver may reuse a kept-alive webhook connection to the killed replica once (EOF),
    // as through a real Service; a user retries, and so does this test.
    await eventually('created in the gap', async () => (await createWebApp(ns, 'gap', { image: 'nginx:1.27' }), true));
    const next = await waitForLeader(env, leader);
    const handover = next.at - killedAt;
    t.ok(
      handover <= LEASE_MS + RETRY_MS + 1000,
      `new leader after ${handover} ms (bound ${LEASE_MS + RETRY_MS + 1000})`,
    );
    const deployment = await converges(ns, 'gap');
    t.equal(deployment.metadata?.ownerReferences?.[0]?.name, 'gap', "the WebApp's Deployment exists");
    const writers = new Set(
      (await readAudit(env.cp.auditLogPath!))
        .filter((e) => e.objectRef?.resource === 'deployments' && e.objectRef.namespace === ns)
        .filter((e) => e.user.username.startsWith('shipshape-dev-') && (e.responseStatus?.code ?? 0) < 300)
        .map((e) => e.user.username),
    );
    t.same([...writers], [next.replica.name], 'written by the new leader alone');
    await env.addReplica();
  },
);

t.test('SIGTERM of the leader: another leads within 2 x retry period', async (t) => {
  const { replica: leader } = await waitForLeader(env);
  const stoppedAt = Date.now();
  process.kill(leader.pid, 'SIGTERM');
  const next = await waitForLeader(env, leader);
  const handover = next.at - stoppedAt;
  t.ok(handover <= 2 * RETRY_MS, `new leader after ${handover} ms (bound ${2 * RETRY_MS})`);
  t.equal(await leader.exited, 0, 'the old leader exited cleanly');
  t.match(await leader.tail(50), /released the Lease/);
  await env.addReplica();
});

t.test(
  'a leader cut off from the apiserver stops before its renew deadline; another takes over after the lease',
  async (t) => {
    const { replica: leader } = await waitForLeader(env);
    const link = env.links.get(leader.name)!;
    const cutAt = Date.now();
    link.setForwarding(false);
    const next = await waitForLeader(env, leader, 30_000);
    const takeover = next.at - cutAt;
    t.ok(
      takeover >= LEASE_MS - RENEW_DEADLINE_MS,
      `another replica took over after ${takeover} ms, once the lease ran out`,
    );
    t.ok(takeover <= LEASE_MS + RETRY_MS + RENEW_DEADLINE_MS, `and not much later (${takeover} ms)`);
    const log = await eventually('the cut-off leader stepped down', async () => {
      const tail = await leader.tail(200);
      return /lost the Lease; leader-only work stopped/.test(tail) && tail;
    });
    const line = log.split('\n').find((l) => l.includes('lost the Lease'))!;
    const steppedDownAt = JSON.parse(line).time as number;
    t.ok(
      steppedDownAt - cutAt <= RENEW_DEADLINE_MS + 500,
      `it stopped reconciling ${steppedDownAt - cutAt} ms after the cut (renew deadline ${RENEW_DEADLINE_MS} ms)`,
    );
    t.ok(steppedDownAt < next.at, 'before the new leader took over');
    link.setForwarding(true);
    t.ok(replicaOf(env, await leaseHolder(env.kc)) !== leader, 'the healed replica does not take the Lease back');
    const { violations } = checkSingleWriter(await readAudit(env.cp.auditLogPath!));
    t.same(violations, [], 'no write by a replica outside its own term');
  },
);
