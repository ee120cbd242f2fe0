// Scale benchmark (issue #34): three replicas of the compiled server with the Deployment's runtime
// environment (bench/scale-cluster.ts) and N WebApps over many namespaces, grown in steps. At
// each step, for the WebApps the step adds:
// - baseline: a plain script server-side-applies the same children (CHILD_KINDS, with
//   `--workers` in flight, Shipshape's default) into namespaces of its own, timed; the namespaces
//   are then deleted and the controllers left to go quiet (not timed), as in bench/convergence.ts;
// - convergence: the WebApps are created through the webhooks (16 in flight) and timed until every
//   one has a status for its generation (a watch); the apiserver's request counters over that
//   phase, per WebApp added;
// - memory, once the apiserver is quiet: RSS (/proc) of the leader and of the longest-running
//   standby, heap used (bench/scale-cluster.ts's probe);
// - relist: kube-apiserver restarted on the same etcd. Its new watch cache starts at etcd's
//   current revision, so every informer's resume from an older resourceVersion is answered 410
//   Gone ("too old resource version") and it relists; each replica's
//   shipshape_watch_restarts_total{reason="gone"} shows it did. RSS peak (sampled every 250 ms)
//   over the RSS before, until the apiserver is quiet again;
// - handover: SIGTERM of the leader, then at once a change to a WebApp's replicas; the time until
//   its Deployment shows them, from the SIGTERM and from the new leader's acquireTime on the Lease.
//   A new replica replaces the old leader.
// WebApps have replicas: 0 (and one env var, so a ConfigMap): Deployments and ReplicaSets exist
// and get their status from the controller manager, but no Pods, which at this count would have
// the scheduler and kwok take the two cores (SHIPSHAPE_MIN_REPLICAS=0 admits them). The Lease lasts 60 s (renew deadline 40 s) so the
// leader keeps it through the apiserver's restart; a SIGTERM releases it whatever its duration.
//
// `--revision` builds that commit (a temporary git worktree) instead of the working tree, which may
// hold someone's uncommitted changes.
//
//   node bench/scale.ts [--steps 1000,5000,10000] [--per-namespace 100] [--workers 4] [--revision HEAD]
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, WEBAPP_KIND, WEBAPP_PLURAL } from '../src/constants.ts';
import { objectPath, serverSideApply } from '../src/kube/apply.ts';
import { createJsonClient } from '../src/kube/json-client.ts';
import { RUNTIME_ENV } from '../src/manifests/deployment.ts';
import { CHILD_KINDS } from '../src/operator/child-kinds.ts';
import { pollUntil } from '../src/runtime/poll.ts';
import { sleep } from '../src/runtime/sleep.ts';
import { apiserverRequestCounts, countsBetween, waitForQuiet } from './apiserver-requests.ts';
import { buildCompiled, buildCompiledRevision } from './compiled.ts';
import {
  type Replica,
  type ScaleCluster,
  heapMiB,
  heapPeakMiB,
  holderOf,
  readLease,
  rssMiB,
  startScaleCluster,
  watchRestarts,
} from './scale-cluster.ts';
import { type ScaleRow, formatTable, perThousand } from './scale-report.ts';
import { type Workload, baseline, converge, createNamespaces, deleteNamespaces, spec } from './scale-workload.ts';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '1000,5000,10000' },
    'per-namespace': { type: 'string', default: '100' },
    workers: { type: 'string', default: '4' },
    revision: { type: 'string' },
  },
});
const steps = values.steps.split(',').map(Number);
const perNamespace = Number(values['per-namespace']);
const workers = Number(values.workers);

type Memory = {
  leader: string;
  standby: string;
  leaderRss: number;
  standbyRss: number;
  leaderHeap: number;
  standbyHeap: number;
  /** V8's committed heap and the memory held outside it (external), MiB: where RSS beside the used heap goes. */
  leaderHeapTotal: number;
  standbyHeapTotal: number;
  leaderExternal: number;
  standbyExternal: number;
};

/** Leader and the longest-running standby, measured now. */
async function memory(cluster: ScaleCluster): Promise<Memory> {
  const leader = holderOf(cluster, await readLease(cluster.kc));
  if (!leader) throw new Error('no running replica holds the Lease');
  const standby = cluster.running().find((r) => r !== leader)!;
  return {
    leader: leader.name,
    standby: standby.name,
    leaderRss: rssMiB(leader.pid),
    standbyRss: rssMiB(standby.pid),
    leaderHeap: heapMiB(leader).used,
    standbyHeap: heapMiB(standby).used,
    leaderHeapTotal: heapMiB(leader).total,
    standbyHeapTotal: heapMiB(standby).total,
    leaderExternal: heapMiB(leader).external,
    standbyExternal: heapMiB(standby).external,
  };
}

type Relist = {
  downSeconds: number;
  leaderRatio: number;
  standbyRatio: number;
  leaderPeak: number;
  standbyPeak: number;
  leaderHeapPeak: number;
  leaseKept: boolean;
  /** Relists after 410 Gone (shipshape_watch_restarts_total{reason="gone"}) per replica. */
  relisted: number[];
};

/** Restarts kube-apiserver; every watch resumes into 410 Gone and relists. RSS peak over before. */
async function relist(cluster: ScaleCluster, before: Memory): Promise<Relist> {
  const replicas = cluster.running();
  const lease = await readLease(cluster.kc);
  const gone = await Promise.all(replicas.map((r) => watchRestarts(r, 'gone')));
  const peak = new Map<Replica, number>(replicas.map((r) => [r, rssMiB(r.pid)]));
  const sampler = setInterval(() => {
    for (const r of replicas) if (r.isRunning()) peak.set(r, Math.max(peak.get(r)!, rssMiB(r.pid)));
  }, 250);
  const since = Date.now();
  try {
    const stopped = performance.now();
    await cluster.cp.stopApiserver();
    await cluster.cp.startApiserver();
    const downSeconds = (performance.now() - stopped) / 1000;
    await pollUntil(
      'every replica relisted after 410 Gone',
      async () =>
        (await Promise.all(replicas.map((r, k) => watchRestarts(r, 'gone').then((n) => n > gone[k]!)))).every(Boolean),
      { timeoutMs: 300_000, intervalMs: 500 },
    );
    await waitForQuiet(cluster.kc);
    await sleep(10_000);
    const relisted = await Promise.all(replicas.map(async (r, k) => (await watchRestarts(r, 'gone')) - gone[k]!));
    const leader = replicas.find((r) => r.name === before.leader)!;
    const standby = replicas.find((r) => r.name === before.standby)!;
    return {
      downSeconds,
      leaderPeak: peak.get(leader)!,
      standbyPeak: peak.get(standby)!,
      leaderRatio: peak.get(leader)! / before.leaderRss,
      standbyRatio: peak.get(standby)! / before.standbyRss,
      leaderHeapPeak: heapPeakMiB(leader, since),
      leaseKept: (await readLease(cluster.kc)).holder === lease.holder,
      relisted,
    };
  } finally {
    clearInterval(sampler);
  }
}

const TAKEOVER = { namespace: 'scale-takeover', name: 'takeover' };
let takeoverReplicas = 0;
const applyTakeover = (kc: KubeConfig, replicas: number) =>
  serverSideApply(
    createJsonClient(kc),
    {
      apiVersion: `${API_GROUP}/${API_VERSION}`,
      kind: WEBAPP_KIND,
      metadata: TAKEOVER,
      spec: spec(-1, replicas),
    },
    { plural: WEBAPP_PLURAL, fieldManager: 'bench' },
  );
const takeoverDeploymentReplicas = (kc: KubeConfig) =>
  createJsonClient(kc)
    .request<{ spec?: { replicas?: number } }>(
      'GET',
      objectPath('apps/v1', 'deployments', TAKEOVER.namespace, TAKEOVER.name),
    )
    .then(
      (d) => d.spec?.replicas,
      () => undefined,
    );

type Handover = { fromSigtermMs: number; fromAcquireMs: number; acceptedAfterAcquireMs: number; sweepWrites: number };

/**
 * SIGTERM of the leader, a change at once; when the new leader's write shows it. Also Shipshape's
 * writes from the SIGTERM until the apiserver is quiet again: what the new leader's sweep of every
 * WebApp wrote (nothing differs, so ideally only the change's).
 */
async function handover(cluster: ScaleCluster): Promise<Handover> {
  const before = await readLease(cluster.kc);
  const leader = holderOf(cluster, before)!;
  const counts0 = await apiserverRequestCounts(cluster.kc);
  takeoverReplicas = 1 - takeoverReplicas;
  const killed = Date.now();
  process.kill(leader.pid, 'SIGTERM');
  for (let attempt = 0; ; attempt++) {
    try {
      await applyTakeover(cluster.kc, takeoverReplicas);
      break;
    } catch (err) {
      if (attempt >= 100) throw err;
      await sleep(100);
    }
  }
  const accepted = Date.now();
  await pollUntil(
    "the change's Deployment",
    async () => (await takeoverDeploymentReplicas(cluster.kc)) === takeoverReplicas,
    { timeoutMs: 900_000, intervalMs: 20 },
  );
  const written = Date.now();
  const after = await pollUntil(
    'a new Lease holder',
    async () => {
      const lease = await readLease(cluster.kc);
      return lease.holder !== before.holder && lease.holder !== '' ? lease : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  await leader.exited;
  await waitForQuiet(cluster.kc);
  const sweepWrites = shipshapeWrites(countsBetween(counts0, await apiserverRequestCounts(cluster.kc)));
  await cluster.addReplica();
  return {
    fromSigtermMs: written - killed,
    fromAcquireMs: written - after.acquireTime,
    acceptedAfterAcquireMs: accepted - after.acquireTime,
    sweepWrites,
  };
}

const CHILD_PLURALS = CHILD_KINDS.map((c) => c.plural).join('|');
const SHIPSHAPE_WRITE = new RegExp(
  `^(APPLY (${CHILD_PLURALS})|DELETE (${CHILD_PLURALS})|PATCH webapps(/status)?|POST events)$`,
);

/**
 * The writes only Shipshape makes: server-side applies and deletes of children (the controller
 * manager PUTs their status; the baseline's applies are counted in its own phase), patches of
 * WebApps and their status, and Events. The apiserver's counters do not say who called.
 */
function shipshapeWrites(requests: [string, number][]): number {
  return requests.reduce((sum, [key, n]) => (SHIPSHAPE_WRITE.test(key) ? sum + n : sum), 0);
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

console.log(`scale benchmark: steps ${steps.join(', ')}, ${perNamespace} WebApps a namespace, ${workers} workers`);
const build = values.revision ? buildCompiledRevision(values.revision) : undefined;
const compiledDir = build?.outDir ?? buildCompiled();
const code =
  build?.commit ??
  `working tree at ${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()}`;
console.log(`compiled server: ${code}`);
const cluster = await startScaleCluster({
  compiledDir,
  replicas: 3,
  env: {
    SHIPSHAPE_LOG_LEVEL: 'warn',
    SHIPSHAPE_WORKERS: String(workers),
    SHIPSHAPE_LEASE_DURATION_SECONDS: '60',
    SHIPSHAPE_RENEW_DEADLINE_SECONDS: '40',
    SHIPSHAPE_RETRY_PERIOD_SECONDS: '2',
    // replicas: 0 is below the default minimum (1).
    SHIPSHAPE_MIN_REPLICAS: '0',
  },
}).catch((err: unknown) => {
  build?.remove();
  throw err;
});
const workload: Workload = { kc: cluster.kc, perNamespace, workers };
let idle: Memory | undefined;
const rows: (ScaleRow & Record<string, unknown>)[] = [];
/** The table, the per-1,000 costs and the RESULT line of the steps done (`partial`: interrupted). */
function report(partial: boolean): void {
  if (!idle || rows.length === 0) return;
  console.log(formatTable(rows));
  const costs = perThousand(
    {
      webApps: 0,
      leaderRssMiB: idle.leaderRss,
      standbyRssMiB: idle.standbyRss,
      leaderHeapMiB: idle.leaderHeap,
      standbyHeapMiB: idle.standbyHeap,
    },
    rows,
  );
  for (const line of costs.lines) console.log(line);
  console.log(
    `RESULT ${JSON.stringify({
      benchmark: 'scale',
      code,
      steps,
      partial,
      perNamespace,
      workers,
      runtimeEnv: RUNTIME_ENV,
      idle: {
        leaderRssMiB: r1(idle.leaderRss),
        standbyRssMiB: r1(idle.standbyRss),
        leaderHeapMiB: r1(idle.leaderHeap),
        standbyHeapMiB: r1(idle.standbyHeap),
      },
      rows,
      perThousand: costs.figures,
    })}`,
  );
}

// Ctrl-C (or SIGTERM) between or during steps: the steps done are reported, then everything stops.
let interrupted = false;
const interrupt = () => {
  interrupted = true;
  console.log('interrupted: the steps done so far');
  report(true);
  void cluster
    .stop()
    .then(() => build?.remove())
    .finally(() => process.exit(130));
};
process.once('SIGINT', interrupt);
process.once('SIGTERM', interrupt);
try {
  console.log(`runtime environment: ${JSON.stringify(RUNTIME_ENV)}`);
  await createNamespaces(cluster.kc, [TAKEOVER.namespace]);
  await applyTakeover(cluster.kc, takeoverReplicas);
  while ((await takeoverDeploymentReplicas(cluster.kc)) !== takeoverReplicas) await sleep(100);
  await sleep(10_000);
  idle = await memory(cluster);
  console.log(
    `0 WebApps: RSS leader ${idle.leaderRss.toFixed(0)} MiB, standby ${idle.standbyRss.toFixed(0)} MiB;` +
      ` heap used ${idle.leaderHeap.toFixed(0)} / ${idle.standbyHeap.toFixed(0)} MiB` +
      ` (committed ${idle.leaderHeapTotal.toFixed(0)} / ${idle.standbyHeapTotal.toFixed(0)},` +
      ` external ${idle.leaderExternal.toFixed(0)} / ${idle.standbyExternal.toFixed(0)})`,
  );
  let from = 0;
  for (const to of steps) {
    console.log(`step ${to}: ${to - from} WebApps more`);
    const baselineCounts0 = await apiserverRequestCounts(cluster.kc);
    const { seconds: baselineSeconds, namespaces } = await baseline(workload, from, to);
    const baselineTotal = countsBetween(baselineCounts0, await apiserverRequestCounts(cluster.kc)).reduce(
      (sum, [, n]) => sum + n,
      0,
    );
    await deleteNamespaces(cluster.kc, namespaces);
    console.log(`  baseline: ${3 * (to - from)} children applied in ${baselineSeconds.toFixed(1)} s`);
    await waitForQuiet(cluster.kc);
    const counts0 = await apiserverRequestCounts(cluster.kc);
    const convergedSeconds = await converge(workload, from, to);
    const requests = countsBetween(counts0, await apiserverRequestCounts(cluster.kc));
    const total = requests.reduce((sum, [, n]) => sum + n, 0);
    console.log(
      `  shipshape: converged in ${convergedSeconds.toFixed(1)} s (${((to - from) / convergedSeconds).toFixed(1)} WebApps/s),` +
        ` ${convergedSeconds / baselineSeconds > 0 ? (convergedSeconds / baselineSeconds).toFixed(2) : '-'} x baseline;` +
        ` apiserver requests per WebApp ${(total / (to - from)).toFixed(2)}: ` +
        requests
          .slice(0, 8)
          .map(([key, n]) => `${key} ${(n / (to - from)).toFixed(2)}`)
          .join(', '),
    );
    await waitForQuiet(cluster.kc);
    await sleep(10_000);
    const mem = await memory(cluster);
    console.log(
      `  RSS leader ${mem.leaderRss.toFixed(0)} MiB (${mem.leader}), standby ${mem.standbyRss.toFixed(0)} MiB (${mem.standby});` +
        ` heap used ${mem.leaderHeap.toFixed(0)} / ${mem.standbyHeap.toFixed(0)} MiB` +
        ` (committed ${mem.leaderHeapTotal.toFixed(0)} / ${mem.standbyHeapTotal.toFixed(0)},` +
        ` external ${mem.leaderExternal.toFixed(0)} / ${mem.standbyExternal.toFixed(0)})`,
    );
    const re = await relist(cluster, mem);
    console.log(
      `  relist (apiserver down ${re.downSeconds.toFixed(1)} s): RSS peak leader ${re.leaderPeak.toFixed(0)} MiB` +
        ` (${re.leaderRatio.toFixed(2)} x), standby ${re.standbyPeak.toFixed(0)} MiB (${re.standbyRatio.toFixed(2)} x);` +
        ` leader heap peak ${re.leaderHeapPeak.toFixed(0)} MiB; Lease kept: ${re.leaseKept};` +
        ` relists after 410 by replica: ${re.relisted.join(', ')}`,
    );
    const ho = await handover(cluster);
    console.log(
      `  handover: the change's child write ${ho.fromSigtermMs} ms after SIGTERM, ${ho.fromAcquireMs} ms after the new leader's acquireTime` +
        ` (the change accepted ${ho.acceptedAfterAcquireMs} ms after it); Shipshape's writes until quiet: ${ho.sweepWrites}`,
    );
    await waitForQuiet(cluster.kc);
    rows.push({
      webApps: to,
      leaderRssMiB: r1(mem.leaderRss),
      standbyRssMiB: r1(mem.standbyRss),
      leaderHeapMiB: r1(mem.leaderHeap),
      standbyHeapMiB: r1(mem.standbyHeap),
      leaderHeapCommittedMiB: r1(mem.leaderHeapTotal),
      standbyHeapCommittedMiB: r1(mem.standbyHeapTotal),
      leaderExternalMiB: r1(mem.leaderExternal),
      standbyExternalMiB: r1(mem.standbyExternal),
      leaderOverStandby: r3(mem.leaderRss / mem.standbyRss),
      added: to - from,
      convergedSeconds: r1(convergedSeconds),
      webAppsPerSecond: r1((to - from) / convergedSeconds),
      baselineSeconds: r1(baselineSeconds),
      ratioToBaseline: r3(convergedSeconds / baselineSeconds),
      requestsPerWebApp: r1(total / (to - from)),
      shipshapeWritesPerWebApp: r3(shipshapeWrites(requests) / (to - from)),
      baselineRequestsPerWebApp: r1(baselineTotal / (to - from)),
      requests: Object.fromEntries(requests.slice(0, 12).map(([key, n]) => [key, r3(n / (to - from))])),
      handoverFromSigtermMs: ho.fromSigtermMs,
      handoverFromAcquireMs: ho.fromAcquireMs,
      handoverAcceptedAfterAcquireMs: ho.acceptedAfterAcquireMs,
      handoverShipshapeWrites: ho.sweepWrites,
      relistLeaderPeakMiB: r1(re.leaderPeak),
      relistStandbyPeakMiB: r1(re.standbyPeak),
      relistLeaderRatio: r3(re.leaderRatio),
      relistStandbyRatio: r3(re.standbyRatio),
      relistLeaderHeapPeakMiB: r1(re.leaderHeapPeak),
      relistApiserverDownSeconds: r1(re.downSeconds),
      relistLeaseKept: re.leaseKept,
      relistsAfterGone: re.relisted,
    });
    console.log(`STEP ${JSON.stringify(rows.at(-1))}`);
    from = to;
  }
  report(false);
} catch (err) {
  // The step in flight fails once the interrupt stops the cluster under it: that is no news.
  if (!interrupted) throw err;
} finally {
  if (!interrupted) {
    await cluster.stop();
    build?.remove();
  }
}
