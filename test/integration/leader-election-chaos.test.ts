// Over 21 failures of the leader, seven each of SIGKILL, SIGTERM and a network cut-off, in a random
// order while WebApps keep changing, no two processes ever act as leader at the same time. The
// evidence is the apiserver's audit log: each replica writes with its own client certificate, and
// every one of its writes must fall inside its own Lease term (see checkSingleWriter).
//
// The order comes from a seed, printed in a comment, in the test's name and in every failure
// message. CHAOS_SEED=<seed> replays that order (which replica leads, and the timing, still vary
// from run to run):
//   CHAOS_SEED=12345 npx tap test/integration/leader-election-chaos.test.ts
import { randomInt } from 'node:crypto';
import t from 'tap';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { useNamespace } from '../helpers/control-plane.ts';
import { eventually } from '../helpers/eventually.ts';
import { checkSingleWriter, FAST_ELECTION, readAudit, waitForLeader } from '../helpers/leadership.ts';
import { clients } from '../helpers/webapps.ts';

const FAILURES = ['SIGKILL', 'SIGTERM', 'cutoff'] as const;
type Failure = (typeof FAILURES)[number];
const EACH = 7;
const ROUNDS = EACH * FAILURES.length;

function readSeed(text: string | undefined): number {
  if (text === undefined || text === '') return randomInt(1_000_000);
  const seed = Number(text);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`CHAOS_SEED must be a whole number, not "${text}"`);
  return seed;
}
const seed = readSeed(process.env.CHAOS_SEED);
const replay = `replay: CHAOS_SEED=${seed}`;

/** mulberry32: a small PRNG with a 32-bit state, the same sequence for the same seed. */
function seededRandom(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** EACH of every failure, shuffled (Fisher-Yates) by the seed. */
function schedule(): Failure[] {
  const random = seededRandom(seed);
  const order = FAILURES.flatMap((f) => Array<Failure>(EACH).fill(f));
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

t.comment(`seed ${seed} (${replay})`);
const env = await startDevEnvironment({ replicas: 3, linkProxies: true, audit: true, env: FAST_ELECTION });
t.teardown(() => env.stop());
const { apps, getWebApp, createWebApp, patchSpec } = clients(env.kc);

t.test(`${ROUNDS} random failures of the leader (seed ${seed})`, async (t) => {
  const order = schedule();
  t.comment(`order: ${order.join(', ')}`);
  /** Where the test is, for a thrown error's message. */
  let step = 'setup';
  let churning = true;
  try {
    const ns = await useNamespace(t, env.kc);
    const names = ['a', 'b', 'c', 'd'];
    for (const name of names) await createWebApp(ns, name, { image: 'nginx:1.27', replicas: 1 });
    let generation = 0;
    const churn = (async () => {
      while (churning) {
        const name = names[generation % names.length]!;
        await patchSpec(ns, name, { replicas: 1 + (generation++ % 5) }).catch(() => {});
        await new Promise((r) => setTimeout(r, 150));
      }
    })();

    for (const [round, failure] of order.entries()) {
      step = `round ${round + 1} of ${ROUNDS} (${failure}), waiting for a leader`;
      const { replica: leader } = await waitForLeader(env, undefined, 40_000);
      step = `round ${round + 1} of ${ROUNDS}: ${failure} of the leader ${leader.name}, waiting for another`;
      t.comment(step);
      if (failure === 'cutoff') {
        const link = env.links.get(leader.name)!;
        link.setForwarding(false);
        await waitForLeader(env, leader, 40_000);
        link.setForwarding(true);
      } else {
        process.kill(leader.pid, failure);
        await waitForLeader(env, leader, 40_000);
        await env.addReplica();
      }
    }
    churning = false;
    await churn;

    // Everything still converges to the last change after the storm.
    step = 'waiting for the WebApps to converge';
    const observe = async (name: string) => {
      const webApp = await getWebApp(ns, name);
      const deployment = await apps.readNamespacedDeployment({ namespace: ns, name });
      return {
        replicas: { deployment: deployment.spec?.replicas, webApp: webApp.spec.replicas },
        generation: { observed: webApp.status?.observedGeneration, current: webApp.metadata.generation },
      };
    };
    const settled = (o: Awaited<ReturnType<typeof observe>>) =>
      o.replicas.deployment === o.replicas.webApp && o.generation.observed === o.generation.current;
    await eventually(
      'the WebApps converged',
      async () => (await Promise.all(names.map(observe))).every(settled),
      40_000,
    );
    for (const name of names) {
      const { replicas, generation } = await observe(name);
      t.equal(
        replicas.deployment,
        replicas.webApp,
        `${name}: the Deployment has the WebApp's last replicas (${replay})`,
      );
      t.equal(generation.observed, generation.current, `${name}: the status observed the last generation (${replay})`);
    }

    step = 'reading the audit log';
    const { violations, writes, terms } = checkSingleWriter(await readAudit(env.cp.auditLogPath!));
    t.ok(terms >= ROUNDS, `${terms} leadership terms recorded in the audit log (${replay})`);
    t.ok(writes > 50, `${writes} writes by replicas checked (${replay})`);
    t.same(violations, [], `every write by a replica fell inside its own Lease term (${replay})`);
  } catch (err) {
    throw new Error(`${step}: ${err instanceof Error ? err.message : String(err)} (${replay})`, { cause: err });
  } finally {
    churning = false;
  }
});
