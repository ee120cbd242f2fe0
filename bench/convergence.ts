// Convergence benchmark: N WebApps created at once; time until every one has its children and a
// status for its current generation. Baseline, in the same run against the same apiserver: a plain
// script that server-side-applies the same children with the same concurrency (the apiserver's
// own ceiling here). Prints figures and a final `RESULT <json>` line.
//
//   node bench/convergence.ts [--count 1000] [--workers 4]
import { parseArgs } from 'node:util';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, WEBAPP_KIND, WEBAPP_PLURAL } from '../src/constants.ts';
import { startDevEnvironment } from '../src/dev/dev-environment.ts';
import { serverSideApply } from '../src/kube/apply.ts';
import { createJsonClient } from '../src/kube/json-client.ts';
import { CHILD_KINDS } from '../src/operator/child-kinds.ts';
import { DEFAULTS, type DefaultedSpec, type DefaultedWebApp } from '../src/api/defaults.ts';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '1000' }, workers: { type: 'string', default: '4' } },
});
const count = Number(values.count);
const workers = Number(values.workers);
const target = { group: API_GROUP, version: API_VERSION, plural: WEBAPP_PLURAL };

/** Runs `task(i)` for i in [0, n) with at most `limit` in flight. */
async function pool(n: number, limit: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < n) await task(next++);
    }),
  );
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
      if (child) await serverSideApply(client, child, { plural });
    }
  });
  return (performance.now() - started) / 1000;
}

async function operator(kc: KubeConfig, namespace: string): Promise<{ created: number; converged: number }> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const started = performance.now();
  await pool(count, 16, (i) =>
    custom.createNamespacedCustomObject({
      ...target,
      namespace,
      body: {
        apiVersion: `${API_GROUP}/${API_VERSION}`,
        kind: WEBAPP_KIND,
        metadata: { name: `app-${i}` },
        spec: { image: 'nginx:1.27' },
      },
    }),
  );
  const created = (performance.now() - started) / 1000;
  for (;;) {
    const list = (await custom.listNamespacedCustomObject({ ...target, namespace })) as {
      items: { metadata: { generation?: number }; status?: { observedGeneration?: number } }[];
    };
    const done = list.items.filter((w) => w.status?.observedGeneration === w.metadata.generation).length;
    process.stderr.write(`\r  converged ${done}/${count}`);
    if (done === count) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  process.stderr.write('\n');
  return { created, converged: (performance.now() - started) / 1000 };
}

console.log(`convergence benchmark: ${count} WebApps, ${workers} workers`);
const env = await startDevEnvironment({ env: { SHIPSHAPE_WORKERS: String(workers), SHIPSHAPE_LOG_LEVEL: 'warn' } });
try {
  const core = env.kc.makeApiClient(CoreV1Api);
  for (const name of ['bench-baseline', 'bench-operator']) await core.createNamespace({ body: { metadata: { name } } });
  const baselineSeconds = await baseline(env.kc, 'bench-baseline');
  console.log(`baseline  server-side apply of ${3 * count} children: ${baselineSeconds.toFixed(2)} s`);
  const result = await operator(env.kc, 'bench-operator');
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
