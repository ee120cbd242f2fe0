// Over at least 20 random kills (SIGKILL, SIGTERM) and network cut-offs of the leader, while
// WebApps keep changing, no two processes ever act as leader at the same time. The evidence is
// the apiserver's audit log: each replica writes with its own client certificate, and every one of
// its writes must fall inside its own Lease term (see checkSingleWriter).
import t from 'tap';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { useNamespace } from '../helpers/control-plane.ts';
import { eventually } from '../helpers/eventually.ts';
import { checkSingleWriter, FAST_ELECTION, readAudit, waitForLeader } from '../helpers/leadership.ts';
import { clients } from '../helpers/webapps.ts';

const ROUNDS = 21;
const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 100_000);
let state = seed;
const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

const env = await startDevEnvironment({ replicas: 3, linkProxies: true, audit: true, env: FAST_ELECTION });
t.teardown(() => env.stop());
const { apps, createWebApp, patchSpec } = clients(env.kc);

t.test(`${ROUNDS} random failures of the leader (seed ${seed})`, async (t) => {
  const ns = await useNamespace(t, env.kc);
  const names = ['a', 'b', 'c', 'd'];
  for (const name of names) await createWebApp(ns, name, { image: 'nginx:1.27', replicas: 1 });
  let churning = true;
  let generation = 0;
  const churn = (async () => {
    while (churning) {
      const name = names[generation % names.length]!;
      await patchSpec(ns, name, { replicas: 1 + (generation++ % 5) }).catch(() => {});
      await new Promise((r) => setTimeout(r, 150));
    }
  })();

  const counts = { SIGKILL: 0, SIGTERM: 0, cutoff: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const { replica: leader } = await waitForLeader(env, undefined, 40_000);
    const pick = random();
    if (pick < 1 / 3) {
      counts.SIGKILL++;
      process.kill(leader.pid, 'SIGKILL');
      await waitForLeader(env, leader, 40_000);
      await env.addReplica();
    } else if (pick < 2 / 3) {
      counts.SIGTERM++;
      process.kill(leader.pid, 'SIGTERM');
      await waitForLeader(env, leader, 40_000);
      await env.addReplica();
    } else {
      counts.cutoff++;
      const link = env.links.get(leader.name)!;
      link.setForwarding(false);
      await waitForLeader(env, leader, 40_000);
      link.setForwarding(true);
    }
  }
  churning = false;
  await churn;
  t.pass(`failures: ${JSON.stringify(counts)}`);

  // Everything still converges to the last change after the storm.
  await eventually(
    'the WebApps converged',
    async () => {
      for (const name of names) {
        const d = await apps.readNamespacedDeployment({ namespace: ns, name });
        const w = (await env.kc
          .makeApiClient((await import('@kubernetes/client-node')).CustomObjectsApi)
          .getNamespacedCustomObject({
            group: 'shipshape.dev',
            version: 'v1',
            plural: 'webapps',
            namespace: ns,
            name,
          })) as {
          spec: { replicas: number };
          metadata: { generation: number };
          status?: { observedGeneration?: number };
        };
        if (d.spec?.replicas !== w.spec.replicas || w.status?.observedGeneration !== w.metadata.generation)
          return false;
      }
      return true;
    },
    40_000,
  );
  t.pass('the WebApps converged to their last change');

  const { violations, writes, terms } = checkSingleWriter(await readAudit(env.cp.auditLogPath!));
  t.ok(terms >= ROUNDS, `${terms} leadership terms recorded in the audit log`);
  t.ok(writes > 50, `${writes} writes by replicas checked`);
  t.same(violations, [], 'every write by a replica fell inside its own Lease term');
});
