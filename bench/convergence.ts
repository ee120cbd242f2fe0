// Convergence benchmark: N WebApps created at once; time until every one has its children and a
// status for its current generation. Baseline, in the same run against the same apiserver: a plain
// script that server-side-applies the same children with the same concurrency (the apiserver's
// own ceiling here). Prints figures and a final `RESULT <json>` line.
//
//   node bench/convergence.ts [--count 1000] [--workers 4]
import { parseArgs } from 'node:util';
import { CoreV1Api, type KubeConfig, Watch } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, WEBAPP_KIND, WEBAPP_PLURAL } from '../src/constants.ts';
import { startDevEnvironment } from '../src/dev/dev-environment.ts';
import { serverSideApply } from '../src/kube/apply.ts';
import { createJsonClient, isNotFound } from '../src/kube/json-client.ts';
import { CHILD_KINDS } from '../src/operator/child-kinds.ts';
import { pollUntil } from '../src/runtime/poll.ts';
import { DEFAULTS, type DefaultedSpec, type DefaultedWebApp } from '../src/api/defaults.ts';
import { apiserverRequestCounts, countsBetween, waitForQuiet } from './apiserver-requests.ts';
import { cpuByProgram } from './cpu.ts';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '1000' }, workers: { type: 'string', default: '4' } },
});
const count = Number(values.count);
const workers = Number(values.workers);

/** Runs `task(i)` for i in [0, n) with at most `limit` in flight. */
async function pool(n: number, limit: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

function withoutOwner<T extends { metadata?: object }>(child: T): T {
  const metadata: { ownerReferences?: unknown } = { ...child.metadata };
  delete metadata.ownerReferences;
  return { ...child, metadata };
}

async function baseline(kc: KubeConfig, namespace: string): Promise<number> {
  const client = createJsonClient(kc);
  const started = performance.now();
  await pool(count, workers, async (i) => {
    const webApp: DefaultedWebApp = {
      apiVersion: `${API_GROUP}/${API_VERSION}`,
      kind: WEBAPP_KIND,
      metadata: { name: `app-${i}`, namespace, uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` },
      spec: { image: 'nginx:1.27', ...(structuredClone(DEFAULTS) as Omit<DefaultedSpec, 'image'>) },
    };
    // The children the operator would apply (CHILD_KINDS), applied directly.
    for (const { build, plural } of CHILD_KINDS) {
      const child = build(webApp);
      // Without the owner reference to a WebApp that does not exist: the garbage collector would
      // delete these children (during the operator phase, which would pay for it).
      if (child) await serverSideApply(client, withoutOwner(child), { plural });
    }
  });
  return (performance.now() - started) / 1000;
}

/**
 * Deletes `namespace` and waits until it is gone; returns the seconds. The operator phase then
 * starts from the cluster the baseline started from: kube-apiserver allocates each Service's
 * ClusterIP by scanning every IPAddress already allocated (a CPU profile of the operator phase put
 * 18% of the apiserver's CPU there while the baseline's 1,000 Services were still allocated).
 */
async function removeNamespace(kc: KubeConfig, namespace: string): Promise<number> {
  const client = createJsonClient(kc);
  const started = performance.now();
  await client.request('DELETE', `/api/v1/namespaces/${namespace}`);
  await pollUntil(
    `namespace ${namespace} gone`,
    async () => {
      try {
        await client.request('GET', `/api/v1/namespaces/${namespace}`);
        return false;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    },
    { timeoutMs: 600_000, intervalMs: 1000 },
  );
  return (performance.now() - started) / 1000;
}

/**
 * Resolves once every one of `count` WebApps in `namespace` has a status for its generation.
 * From a watch, not by listing: listing 1,000 WebApps every 250 ms cost the apiserver, which
 * shares the machine's cores with the operator being timed, about a tenth of its requests' CPU.
 */
async function convergedWatch(kc: KubeConfig, namespace: string): Promise<{ done: Promise<void>; stop(): void }> {
  type Seen = { metadata: { name: string; generation?: number }; status?: { observedGeneration?: number } };
  const converged = new Set<string>();
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  const path = `/apis/${API_GROUP}/${API_VERSION}/namespaces/${namespace}/${WEBAPP_PLURAL}`;
  const controller = await new Watch(kc).watch(
    path,
    { allowWatchBookmarks: false },
    (phase, obj: Seen) => {
      if (phase === 'DELETED' || obj.status?.observedGeneration !== obj.metadata.generation) {
        converged.delete(obj.metadata.name);
      } else converged.add(obj.metadata.name);
      process.stderr.write(`\r  converged ${converged.size}/${count}`);
      if (converged.size === count) resolve();
    },
    (err) => reject(err ?? new Error('the WebApp watch ended before every WebApp converged')),
  );
  return { done, stop: () => controller.abort() };
}

async function operator(kc: KubeConfig, namespace: string): Promise<{ created: number; converged: number }> {
  // The baseline's client: the benchmark's own CPU shares the cores with what it measures, and
  // client-node's generated client costs about twice as much per call.
  const client = createJsonClient(kc);
  const watch = await convergedWatch(kc, namespace);
  const started = performance.now();
  try {
    await pool(count, 16, (i) =>
      client.request('POST', `/apis/${API_GROUP}/${API_VERSION}/namespaces/${namespace}/${WEBAPP_PLURAL}`, {
        body: {
          apiVersion: `${API_GROUP}/${API_VERSION}`,
          kind: WEBAPP_KIND,
          metadata: { name: `app-${i}` },
          spec: { image: 'nginx:1.27' },
        },
      }),
    );
    const created = (performance.now() - started) / 1000;
    await watch.done;
    process.stderr.write('\n');
    return { created, converged: (performance.now() - started) / 1000 };
  } finally {
    watch.stop();
  }
}

console.log(`convergence benchmark: ${count} WebApps, ${workers} workers`);
const env = await startDevEnvironment({ env: { SHIPSHAPE_WORKERS: String(workers), SHIPSHAPE_LOG_LEVEL: 'warn' } });
try {
  const core = env.kc.makeApiClient(CoreV1Api);
  for (const name of ['bench-baseline', 'bench-operator']) await core.createNamespace({ body: { metadata: { name } } });
  const before = await apiserverRequestCounts(env.kc);
  const cpu0 = cpuByProgram();
  const baselineSeconds = await baseline(env.kc, 'bench-baseline');
  console.log(`baseline  server-side apply of ${3 * count} children: ${baselineSeconds.toFixed(2)} s`);
  const cpuApplied = cpuByProgram();
  const clearedSeconds = await removeNamespace(env.kc, 'bench-baseline');
  const quietSeconds = await waitForQuiet(env.kc);
  console.log(
    `          its namespace deleted in ${clearedSeconds.toFixed(2)} s, the controllers quiet ${quietSeconds.toFixed(2)} s later (not timed)`,
  );
  const between = await apiserverRequestCounts(env.kc);
  const cpu1 = cpuByProgram();
  const result = await operator(env.kc, 'bench-operator');
  const after = await apiserverRequestCounts(env.kc);
  const cpu2 = cpuByProgram();
  const cpuLine = (a: Map<string, number>, b: Map<string, number>) =>
    [...b].map(([p, s]) => `${p} ${(s - (a.get(p) ?? 0)).toFixed(1)}`).join(', ');
  console.log(`CPU seconds, baseline: ${cpuLine(cpu0, cpuApplied)}`);
  console.log(`CPU seconds, shipshape: ${cpuLine(cpu1, cpu2)}`);
  const perWebApp = (counts: [string, number][]) =>
    counts
      .slice(0, 30)
      .map(([key, n]) => `${key} ${(n / count).toFixed(2)}`)
      .join(', ');
  console.log(`apiserver requests per WebApp, baseline: ${perWebApp(countsBetween(before, between))}`);
  console.log(`apiserver requests per WebApp, shipshape: ${perWebApp(countsBetween(between, after))}`);
  console.log(`shipshape created ${count} WebApps through the webhooks in ${result.created.toFixed(2)} s`);
  console.log(`shipshape all converged (children + status) after ${result.converged.toFixed(2)} s`);
  const ratio = result.converged / baselineSeconds;
  console.log(`ratio     shipshape / baseline = ${ratio.toFixed(2)}`);
  console.log(
    `RESULT ${JSON.stringify({
      benchmark: 'convergence',
      count,
      workers,
      baselineSeconds: +baselineSeconds.toFixed(3),
      createdSeconds: +result.created.toFixed(3),
      convergedSeconds: +result.converged.toFixed(3),
      webAppsPerSecond: +(count / result.converged).toFixed(1),
      ratioToBaseline: +ratio.toFixed(3),
    })}`,
  );
} finally {
  await env.stop();
}
