// Latency Shipshape adds to a WebApp create through the real apiserver, next to the Go reference
// webhook (bench/reference-webhook/) registered in its place and to no webhooks at all, at 1 and
// 16 concurrent clients. Each create is a POST of a WebApp with every default already set (so the
// mutating webhook returns no patch and the object stored is the one sent), over keep-alive
// connections with the admin client certificate, timed in this process; the apiserver calls the
// mutating, then the validating webhook of whichever target is registered.
//
// Targets: `none`; `go`; `bare-node` (bench/bare-webhook.ts: what Node's TLS and HTTP cost alone);
// `bare-fastify` (bench/bare-fastify.ts: the same through Fastify as Shipshape builds it);
// `shipshape-leader` (the replica holding the Lease, which also reconciles
// every WebApp created: one replica in a cluster, or the leader of several); `shipshape-follower`
// (a replica that does not lead, so only admits); `shipshape-leader-proxy` (the leader behind the
// dev loop's TCP balancer, src/dev/tcp-proxy.ts). Each switch deletes the webhook configurations,
// waits until a dry-run create comes back undefaulted, registers the new target and waits until it
// comes back defaulted, so no create is admitted by the previous target. After each phase its
// WebApps are deleted and the next waits until they are gone, so every phase meets the same
// cluster. Rounds rotate the order of the targets; figures are over all rounds. Added latency = target - none, at p50 and p99.
// Nothing is pinned: the apiserver, etcd and the webhooks share the machine as in a small cluster.
// Prints figures and a final `RESULT <json>` line; the goal is Shipshape's added p50 and p99 at most
// 1.2 x the Go webhook's.
//
//   node bench/apiserver-latency.ts [--rounds 5] [--creates 30] [--concurrency 1,16]
//
// Five short rounds rather than three long ones: one target's p50 at 1 client moves by up to 2x
// between phases minutes apart on this shared machine, so more, shorter phases per target, spread
// over the run, average that drift out of the comparison.
import { Agent, type RequestOptions, request } from 'node:https';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AdmissionregistrationV1Api, CoordinationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, WEBAPP_KIND, WEBAPP_PLURAL } from '../src/constants.ts';
import { RUNTIME_ENV } from '../src/manifests/deployment.ts';
import { startDevEnvironment } from '../src/dev/dev-environment.ts';
import { startShipshapeProcess } from '../src/dev/shipshape-process.ts';
import { dryRunIsDefaulted, registerWebhooks } from '../src/dev/install.ts';
import { startTcpProxy } from '../src/dev/tcp-proxy.ts';
import { createJsonClient } from '../src/kube/json-client.ts';
import {
  toMutatingWebhookConfiguration,
  toValidatingWebhookConfiguration,
} from '../src/manifests/webhook-configurations.ts';
import { pollUntil } from '../src/runtime/poll.ts';
import { sleep } from '../src/runtime/sleep.ts';
import { startBareFastify, startBareWebhook, startReferenceWebhook } from './servers.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    creates: { type: 'string', default: '30', short: 'n' },
    concurrency: { type: 'string', default: '1,16' },
  },
});
const rounds = Number(values.rounds);
/** Creates per client per round and target. */
const creates = Number(values.creates);
const concurrencies = values.concurrency.split(',').map(Number);
const GOAL = 1.2;

/** A keep-alive POST client for the apiserver with the kubeconfig's credentials. */
async function apiClient(kc: KubeConfig, maxSockets: number) {
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const agent = new Agent({ keepAlive: true, maxSockets, ca: opts.ca, cert: opts.cert, key: opts.key });
  const server = new URL(kc.getCurrentCluster()!.server);
  return {
    post(path: string, body: unknown): Promise<number> {
      const payload = JSON.stringify(body);
      return new Promise((resolve, reject) => {
        const req = request(
          {
            host: server.hostname,
            port: server.port,
            path,
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', accept: 'application/json' },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    },
    close: () => agent.destroy(),
  };
}

/** A WebApp the mutating webhook leaves as it is: every default and both labels set. */
const webApp = (name: string) => ({
  apiVersion: `${API_GROUP}/${API_VERSION}`,
  kind: WEBAPP_KIND,
  metadata: {
    name,
    labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': 'shipshape' },
  },
  spec: {
    image: 'registry.example.com/team/shop:1.27.3',
    replicas: 1,
    port: 8080,
    env: [{ name: 'GREETING', value: 'hello' }],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    service: { type: 'ClusterIP', port: 80 },
  },
});

// The replicas run as deployed: the Deployment's heap bounds and malloc arenas.
const env = await startDevEnvironment({ nodes: 0, replicas: 2, env: { SHIPSHAPE_LOG_LEVEL: 'warn', ...RUNTIME_ENV } });
const closers: (() => Promise<unknown>)[] = [];
try {
  const { kc } = env;
  const go = await startReferenceWebhook(env.certs, env.cp.dir);
  closers.push(() => go.stop());
  // What Node's own TLS and HTTP add: the bare node:https server answers every review allowed, which
  // is the right answer for these creates (nothing to default, nothing over a limit).
  const bare = await startBareWebhook(env.certs, env.cp.dir);
  closers.push(() => bare.stop());
  // And what Fastify adds to that (bench/bare-fastify.ts: Shipshape's server without its routes).
  const fastify = await startBareFastify(env.certs, env.cp.dir);
  closers.push(() => fastify.stop());
  const leases = kc.makeApiClient(CoordinationV1Api);
  const leader = await pollUntil(
    'a Shipshape leader',
    async () => {
      const lease = await leases.readNamespacedLease({ namespace: 'shipshape-system', name: 'shipshape-leader' });
      const holder = lease.spec?.holderIdentity ?? '';
      return env.replicas.find((r) => holder.startsWith(`${r.name}_`));
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  const follower = env.replicas.find((r) => r !== leader)!;
  // A third replica, never leading while the leader lives, with the OpenTelemetry SDK off: what
  // telemetry (metrics; no span exporter is configured here) costs a follower, in the same run.
  const quietFollower = await startShipshapeProcess({
    kubeconfigPath: await env.cp.issueKubeconfig('shipshape-dev-quiet'),
    certs: env.certs,
    podName: 'shipshape-dev-quiet',
    logPath: join(env.cp.dir, 'shipshape-dev-quiet.log'),
    env: { SHIPSHAPE_LOG_LEVEL: 'warn', ...RUNTIME_ENV, OTEL_SDK_DISABLED: 'true' },
  });
  closers.push(() => quietFollower.stop());
  const proxy = await startTcpProxy(() => [{ host: '127.0.0.1', port: leader.port }]);
  closers.push(() => proxy.close());
  const targets: Record<string, string | undefined> = {
    none: undefined,
    go: go.baseUrl,
    'bare-node': bare.baseUrl,
    'bare-fastify': fastify.baseUrl,
    'shipshape-leader': leader.baseUrl,
    'shipshape-follower': follower.baseUrl,
    'shipshape-follower-telemetry-off': quietFollower.baseUrl,
    'shipshape-leader-proxy': `https://127.0.0.1:${proxy.port}`,
  };

  const admission = kc.makeApiClient(AdmissionregistrationV1Api);
  const defaulted = () => dryRunIsDefaulted(kc, 'default', 'latency-probe');
  const use = async (target: string | undefined) => {
    const sample = { kind: 'url' as const, baseUrl: 'https://127.0.0.1', caPem: env.certs.caPem };
    await admission
      .deleteMutatingWebhookConfiguration({ name: toMutatingWebhookConfiguration(sample).metadata!.name! })
      .catch(() => {});
    await admission
      .deleteValidatingWebhookConfiguration({ name: toValidatingWebhookConfiguration(sample).metadata!.name! })
      .catch(() => {});
    await pollUntil('no webhooks', async () => !(await defaulted()) || undefined, {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    if (!target) return;
    await registerWebhooks(kc, { kind: 'url', baseUrl: target, caPem: env.certs.caPem });
    // The bare server defaults nothing, so no answer shows it is in place: the apiserver's webhook
    // configuration informer sees a change within milliseconds, and 2 s is far beyond that.
    if (target === bare.baseUrl || target === fastify.baseUrl) return sleep(2000);
    await pollUntil('webhooks admitting', async () => (await defaulted()) || undefined, {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
  };

  const core = kc.makeApiClient(CoreV1Api);
  // Every phase starts from the same cluster: its WebApps are deleted (the leader's finalizer
  // removes their children) before the next phase. Left in place, the 23,000 WebApps of a default
  // run piled up in etcd and in every replica's caches (about 20 KiB of heap per WebApp with its
  // children), so each later phase measured a bigger cluster and Shipshape's replicas, which hold
  // those caches, a fuller heap than the first.
  const json = createJsonClient(kc);
  const removeAll = async (path: string): Promise<number> => {
    const started = performance.now();
    await json.request('DELETE', path);
    await pollUntil(
      `the WebApps of ${path} gone`,
      async () => (await json.request<{ items: unknown[] }>('GET', path, { query: { limit: '1' } })).items.length === 0,
      { timeoutMs: 300_000, intervalMs: 200 },
    );
    return performance.now() - started;
  };
  const client = await apiClient(kc, Math.max(...concurrencies));
  closers.push(async () => client.close());
  const latencies: Record<string, Record<number, number[]>> = {};
  let namespaceCount = 0;
  console.log(
    `apiserver latency benchmark: ${rounds} rounds, ${creates} creates per client per target, clients ${concurrencies.join(', ')}`,
  );
  console.log(`leader ${leader.name}, follower ${follower.name}`);
  for (let round = 0; round < rounds; round++) {
    const names = Object.keys(targets);
    const order = [...names.slice(round % names.length), ...names.slice(0, round % names.length)];
    for (const name of order) {
      await use(targets[name]);
      // A moment for the apiserver's webhook clients to be built before the first timed create.
      await sleep(300);
      for (const c of concurrencies) {
        const namespace = `latency-${namespaceCount++}`;
        await core.createNamespace({ body: { metadata: { name: namespace } } });
        const path = `/apis/${API_GROUP}/${API_VERSION}/namespaces/${namespace}/${WEBAPP_PLURAL}`;
        // Two warm-up creates, not timed: connections to the webhook are opened here.
        for (let i = 0; i < 2; i++) await client.post(path, webApp(`warm-${i}`));
        const samples = ((latencies[name] ??= {})[c] ??= []);
        await Promise.all(
          Array.from({ length: c }, async (_, worker) => {
            for (let i = 0; i < creates; i++) {
              const started = performance.now();
              const status = await client.post(path, webApp(`app-${worker}-${i}`));
              samples.push(performance.now() - started);
              if (status !== 201) throw new Error(`create in ${namespace} through ${name}: HTTP ${status}`);
            }
          }),
        );
        const last = samples.slice(-c * creates).sort((a, b) => a - b);
        const cleanupMs = await removeAll(path);
        console.log(
          `  round ${round + 1}  ${name.padEnd(23)} c=${String(c).padEnd(3)} p50 ${last[Math.floor(last.length / 2)]!.toFixed(1)} ms` +
            `  (removed in ${(cleanupMs / 1000).toFixed(1)} s)`,
        );
      }
    }
  }
  await use(undefined);

  const pct = (xs: number[], q: number) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  };
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const figures: Record<string, Record<number, { p50: number; p99: number; addedP50: number; addedP99: number }>> = {};
  for (const name of Object.keys(targets)) {
    for (const c of concurrencies) {
      const xs = latencies[name]![c]!;
      const base = latencies.none![c]!;
      (figures[name] ??= {})[c] = {
        p50: r2(pct(xs, 0.5)),
        p99: r2(pct(xs, 0.99)),
        addedP50: r2(pct(xs, 0.5) - pct(base, 0.5)),
        addedP99: r2(pct(xs, 0.99) - pct(base, 0.99)),
      };
    }
  }
  console.log('latency of a create (ms), and added to no webhooks:');
  for (const c of concurrencies) {
    for (const name of Object.keys(targets)) {
      const f = figures[name]![c]!;
      console.log(
        `  c=${String(c).padEnd(3)} ${name.padEnd(23)} p50 ${f.p50.toFixed(1).padStart(6)}  p99 ${f.p99.toFixed(1).padStart(6)}` +
          `   added p50 ${f.addedP50.toFixed(1).padStart(6)}  p99 ${f.addedP99.toFixed(1).padStart(6)}`,
      );
    }
  }
  const ratios: Record<string, Record<number, { p50: number; p99: number }>> = {};
  for (const name of [
    'shipshape-leader',
    'shipshape-follower',
    'shipshape-follower-telemetry-off',
    'shipshape-leader-proxy',
  ]) {
    for (const c of concurrencies) {
      const f = figures[name]![c]!;
      const g = figures.go![c]!;
      // The Go webhook's added latency can be ~0 or below on this noisy machine; a floor of 0.1 ms
      // keeps the ratio finite (and says so in the figures).
      (ratios[name] ??= {})[c] = {
        p50: r2(f.addedP50 / Math.max(0.1, g.addedP50)),
        p99: r2(f.addedP99 / Math.max(0.1, g.addedP99)),
      };
    }
  }
  console.log(`added latency / the Go webhook's added latency: ${JSON.stringify(ratios)}`);
  console.log(
    `RESULT ${JSON.stringify({
      benchmark: 'apiserver-latency',
      rounds,
      creates_per_client: creates,
      concurrency: concurrencies,
      samples: Object.fromEntries(concurrencies.map((c) => [c, latencies.none![c]!.length])),
      figures,
      added_vs_go: ratios,
      goal: GOAL,
      pass: concurrencies.every(
        (c) => ratios['shipshape-leader']![c]!.p50 <= GOAL && ratios['shipshape-leader']![c]!.p99 <= GOAL,
      ),
    })}`,
  );
} finally {
  for (const close of closers.reverse()) await close().catch(() => {});
  await env.stop();
}
