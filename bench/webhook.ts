// Webhook server benchmark: Shipshape (src/main.ts as the dev loop starts it, telemetry off and on)
// against a bare `node:https` server (same body, same TLS, parse and answer: bench/bare-webhook.ts),
// bare Fastify as Shipshape builds it answering the same way (bench/bare-fastify.ts), and a Go standard-library reference webhook with the same defaults and checks
// (bench/reference-webhook/, built here with the machine's Go), in one run, on both endpoints.
//
// - Throughput: wrk, one thread, 1, 4, 16 and 64 keep-alive connections (closed loop).
// - Latency at a fixed rate: p50/p99/p99.9 at 1,000 req/s from a client that
//   records each request from its intended send time (no coordinated omission; fixed-rate.ts, a
//   Go client).
// - Sparse latency: p50/p99 at 100 req/s over one connection (median of the rounds), the regime
//   of the apiserver benchmark's single client (one review at a time, each arriving at an idle
//   process). On this machine a request costs several times its CPU under load there (caches
//   cold, both sides woken from idle) for every server, Go's included; what a server adds over
//   the Go webhook's p50 here it adds to each of the two calls per create.
//
// CPU: each measured server runs on the last allowed core (taskset), wrk, this process and the
// control plane on the others; every server but the measured one is stopped (SIGSTOP) during a
// phase, so the measured one has its core to itself. Phases run concurrency by concurrency, the
// five servers back to back, so the ratios compare figures taken moments apart; each figure is the
// median of `rounds` such phases (this machine is shared: single phases swing up to 2x). Shipshape logs at
// warn, as in the issue's measurement; telemetry on exports every span and metric over OTLP
// http/protobuf to a sink in this process. Prints figures and a final `RESULT <json>` line.
//
//   node bench/webhook.ts [--seconds 2] [--rounds 3] [--rate 1000] [--rate-seconds 8]
//     [--sparse-seconds 6] [--no-pin]
//     [--shipshape-env KEY=VALUE ...]   (e.g. "NODE_OPTIONS=--cpu-prof --cpu-prof-dir=/tmp/prof")
import { execFileSync } from 'node:child_process';
import { request } from 'node:https';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MUTATE_PATH, VALIDATE_PATH } from '../src/constants.ts';
import { RUNTIME_ENV } from '../src/manifests/deployment.ts';
import { startDevEnvironment } from '../src/dev/dev-environment.ts';
import { type ShipshapeProcess, startShipshapeProcess } from '../src/dev/shipshape-process.ts';
import { webAppCreateReview } from './admission-review.ts';
import { cpuPlan, cpuSeconds, pin } from './cpu.ts';
import { fixedRate, type FixedRateResult } from './fixed-rate.ts';
import { alone as runAlone } from './alone.ts';
import { envPairs } from './env-pairs.ts';
import { median } from './median.ts';
import { startSink } from './otlp-sink.ts';
import { type BenchServer, onCpus, startBareFastify, startBareWebhook, startReferenceWebhook } from './servers.ts';
import { wrk } from './wrk.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    rate: { type: 'string', default: '1000' },
    'rate-seconds': { type: 'string', default: '8' },
    'sparse-seconds': { type: 'string', default: '6' },
    'no-pin': { type: 'boolean', default: false },
    'shipshape-env': { type: 'string', multiple: true, default: [] },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const rate = Number(values.rate);
const rateSeconds = Number(values['rate-seconds']);
const sparseSeconds = Number(values['sparse-seconds']);
const SPARSE_RATE = 100;
const shipshapeEnv = envPairs(values['shipshape-env'], '--shipshape-env');
const CONNECTIONS = [1, 4, 16, 64];
const SETTLE_MS = 1000;
const ENDPOINTS = { mutate: MUTATE_PATH, validate: VALIDATE_PATH } as const;
type Endpoint = keyof typeof ENDPOINTS;
const body = webAppCreateReview('00000000-0000-4000-8000-000000000001');

function post(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(body);
  });
}

execFileSync('bash', [new URL('setup.sh', import.meta.url).pathname], { stdio: 'inherit' });
const cpus = cpuPlan(!values['no-pin']);
const sink = await startSink();
// As deployed: the Deployment's heap bounds and malloc arenas (src/manifests/deployment.ts).
const quiet = { SHIPSHAPE_LOG_LEVEL: 'warn', ...RUNTIME_ENV, ...shipshapeEnv };
const env = await startDevEnvironment({ nodes: 0, env: { ...quiet, OTEL_SDK_DISABLED: 'true' } });
const extra: { stop(): Promise<void> }[] = [];
try {
  const logDir = env.cp.dir;
  const telemetryOn: ShipshapeProcess = await startShipshapeProcess({
    kubeconfigPath: env.cp.kubeconfigPath,
    certs: env.certs,
    podName: 'shipshape-telemetry',
    logPath: join(logDir, 'shipshape-telemetry.log'),
    env: {
      ...quiet,
      OTEL_SDK_DISABLED: 'false',
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_METRIC_EXPORT_INTERVAL: '10000',
    },
  });
  extra.push(telemetryOn);
  const bare = await startBareWebhook(env.certs, logDir, onCpus(cpus?.measured));
  extra.push(bare);
  const fastify = await startBareFastify(env.certs, logDir, onCpus(cpus?.measured));
  extra.push(fastify);
  const plainFastify = await startBareFastify(env.certs, logDir, onCpus(cpus?.measured), { securityHeaders: false });
  extra.push(plainFastify);
  const go = await startReferenceWebhook(env.certs, logDir, onCpus(cpus?.measured));
  extra.push(go);
  const servers: Record<string, BenchServer | ShipshapeProcess> = {
    'bare-node': bare,
    'bare-fastify': fastify,
    'bare-fastify-no-headers': plainFastify,
    go,
    'shipshape-telemetry-off': env.replicas[0]!,
    'shipshape-telemetry-on': telemetryOn,
  };
  if (cpus) {
    for (const pid of [process.pid, env.cp.etcd.pid, env.cp.apiserver.pid]) pin(pid, cpus.rest);
    for (const server of Object.values(servers)) pin(server.pid, cpus.measured);
    console.log(`CPU: measured server on core ${cpus.measured}; wrk, clients and control plane on ${cpus.rest}`);
  } else {
    console.log('CPU: not pinned; load generator and servers share the cores');
  }
  console.log(`webhook benchmark: ${body.length} B AdmissionReview (WebApp CREATE), wrk ${seconds} s per phase`);
  for (const [name, server] of Object.entries(servers)) {
    for (const [endpoint, path] of Object.entries(ENDPOINTS)) {
      const answer = await post(`${server.baseUrl}${path}`, env.certs.caPem);
      const response = (JSON.parse(answer) as { response: { allowed: boolean; patch?: string; warnings?: string[] } })
        .response;
      if (!response.allowed) throw new Error(`${name} ${endpoint} did not admit the benchmark's WebApp: ${answer}`);
      const patch = response.patch ? Buffer.from(response.patch, 'base64').toString() : '';
      console.log(`  ${name.padEnd(24)} ${endpoint.padEnd(8)} allowed ${patch ? `patch ${patch}` : ''}`);
    }
  }

  /** Runs `task` with every server but `name` stopped (bench/alone.ts). */
  const alone = <T>(name: string, task: () => Promise<T>): Promise<T> =>
    runAlone(
      Object.entries(servers)
        .filter(([n]) => n !== name)
        .map(([, s]) => s.pid),
      SETTLE_MS,
      task,
    );

  console.log('warming up ...');
  for (const [name, server] of Object.entries(servers)) {
    for (const path of Object.values(ENDPOINTS)) {
      await alone(name, () =>
        wrk({ url: `${server.baseUrl}${path}`, body, connections: 16, seconds: 2, cpus: cpus?.rest }),
      );
    }
  }

  type Figure = { rps: number; p50: number; p99: number; cpuUs: number; errors: number };
  const samples: Record<string, Record<string, Record<number, Figure[]>>> = {};
  for (let round = 0; round < rounds; round++) {
    for (const connections of CONNECTIONS) {
      for (const [endpoint, path] of Object.entries(ENDPOINTS)) {
        for (const [name, server] of Object.entries(servers)) {
          const before = cpuSeconds(server.pid);
          const r = await alone(name, () =>
            wrk({ url: `${server.baseUrl}${path}`, body, connections, seconds, cpus: cpus?.rest }),
          );
          const cpuUs = ((cpuSeconds(server.pid) - before) / Math.max(1, r.requests)) * 1e6;
          (((samples[name] ??= {})[endpoint] ??= {})[connections] ??= []).push({ ...r, cpuUs });
          console.log(
            `  round ${round + 1} c=${String(connections).padEnd(3)} ${endpoint.padEnd(8)} ${name.padEnd(24)}` +
              ` ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms` +
              `  cpu ${cpuUs.toFixed(0)} us/req` +
              (r.errors ? `  ERRORS ${r.errors}` : ''),
          );
        }
      }
    }
  }
  const throughput: Record<string, Record<string, Record<number, Figure>>> = {};
  console.log(`medians of ${rounds} rounds:`);
  for (const connections of CONNECTIONS) {
    for (const endpoint of Object.keys(ENDPOINTS)) {
      for (const name of Object.keys(servers)) {
        const runs = samples[name]![endpoint]![connections]!;
        const m = (k: keyof Figure) => median(runs.map((r) => r[k]));
        const f: Figure = {
          rps: m('rps'),
          p50: m('p50'),
          p99: m('p99'),
          cpuUs: m('cpuUs'),
          errors: runs.reduce((a, r) => a + r.errors, 0),
        };
        ((throughput[name] ??= {})[endpoint] ??= {})[connections] = f;
        console.log(
          `  c=${String(connections).padEnd(3)} ${endpoint.padEnd(8)} ${name.padEnd(24)} ${f.rps.toFixed(0).padStart(6)} req/s` +
            `  p50 ${f.p50.toFixed(2)} ms  p99 ${f.p99.toFixed(2)} ms  cpu ${f.cpuUs.toFixed(0)} us/req`,
        );
      }
    }
  }

  console.log(`fixed rate: ${rate} req/s for ${rateSeconds} s, latency from the intended send time`);
  const fixed: Record<string, Record<string, FixedRateResult>> = {};
  for (const [endpoint, path] of Object.entries(ENDPOINTS)) {
    for (const [name, server] of Object.entries(servers)) {
      const r = await alone(name, () =>
        fixedRate({ url: `${server.baseUrl}${path}`, body, ca: env.certs.caPem, rate, seconds: rateSeconds }),
      );
      (fixed[name] ??= {})[endpoint] = r;
      console.log(
        `  ${endpoint.padEnd(8)} ${name.padEnd(24)} p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms` +
          `  p99.9 ${r.p999.toFixed(2)} ms  max ${r.max.toFixed(1)} ms  (${r.achievedRps.toFixed(0)} req/s)` +
          (r.errors ? `  ERRORS ${r.errors}` : ''),
      );
    }
  }

  console.log(`sparse: ${SPARSE_RATE} req/s over one connection for ${sparseSeconds} s, ${rounds} rounds`);
  // Round by round, the servers back to back, as the throughput phases: each figure the median.
  type SparseFigure = { p50: number; p99: number; errors: number };
  const sparseRuns: Record<string, Record<string, SparseFigure[]>> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [endpoint, path] of Object.entries(ENDPOINTS)) {
      for (const [name, server] of Object.entries(servers)) {
        const url = `${server.baseUrl}${path}`;
        const r = await alone(name, () =>
          fixedRate({ url, body, ca: env.certs.caPem, rate: SPARSE_RATE, seconds: sparseSeconds, connections: 1 }),
        );
        ((sparseRuns[name] ??= {})[endpoint] ??= []).push({ p50: r.p50, p99: r.p99, errors: r.errors });
        console.log(
          `  round ${round + 1} ${endpoint.padEnd(8)} ${name.padEnd(24)} p50 ${r.p50.toFixed(2)} ms` +
            `  p99 ${r.p99.toFixed(2)} ms` +
            (r.errors ? `  ERRORS ${r.errors}` : ''),
        );
      }
    }
  }
  const sparse: Record<string, Record<string, SparseFigure>> = {};
  for (const [name, byEndpoint] of Object.entries(sparseRuns)) {
    for (const [endpoint, runs] of Object.entries(byEndpoint)) {
      const f = {
        p50: median(runs.map((r) => r.p50)),
        p99: median(runs.map((r) => r.p99)),
        errors: runs.reduce((n, r) => n + r.errors, 0),
      };
      (sparse[name] ??= {})[endpoint] = f;
      console.log(`  ${endpoint.padEnd(8)} ${name.padEnd(24)} p50 ${f.p50.toFixed(2)} ms  p99 ${f.p99.toFixed(2)} ms`);
    }
  }

  const r2 = (x: number) => Math.round(x * 100) / 100;
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  const ratios: Record<string, unknown> = {};
  const targets: Record<string, unknown> = {};
  for (const shipshape of ['shipshape-telemetry-off', 'shipshape-telemetry-on']) {
    for (const endpoint of Object.keys(ENDPOINTS) as Endpoint[]) {
      const of = (name: string, c: number) => throughput[name]![endpoint]![c]!;
      const key = `${shipshape}/${endpoint}`;
      ratios[key] = Object.fromEntries(
        CONNECTIONS.map((c) => [
          c,
          {
            rps_vs_bare: r3(of(shipshape, c).rps / of('bare-node', c).rps),
            rps_vs_go: r3(of(shipshape, c).rps / of('go', c).rps),
            p99_vs_bare: r3(of(shipshape, c).p99 / of('bare-node', c).p99),
            cpu_vs_bare: r3(of(shipshape, c).cpuUs / of('bare-node', c).cpuUs),
            rps_vs_bare_fastify: r3(of(shipshape, c).rps / of('bare-fastify', c).rps),
            cpu_vs_bare_fastify: r3(of(shipshape, c).cpuUs / of('bare-fastify', c).cpuUs),
          },
        ]),
      );
      targets[key] = {
        rps_at_4_ge_0_7_bare: of(shipshape, 4).rps / of('bare-node', 4).rps >= 0.7,
        rps_at_16_ge_0_7_bare: of(shipshape, 16).rps / of('bare-node', 16).rps >= 0.7,
        p99_at_4_le_2x_bare: of(shipshape, 4).p99 <= 2 * of('bare-node', 4).p99,
        p99_at_16_le_2x_bare: of(shipshape, 16).p99 <= 2 * of('bare-node', 16).p99,
        p99_at_fixed_rate_le_2ms: fixed[shipshape]![endpoint]!.p99 <= 2,
      };
    }
  }
  // The framework's share, before any of Shipshape's work: bare Fastify with and without the
  // security headers against bare node:https.
  const framework = Object.fromEntries(
    Object.keys(ENDPOINTS).map((endpoint) => {
      const of = (name: string, c: number) => throughput[name]![endpoint]![c]!;
      return [
        endpoint,
        Object.fromEntries(
          CONNECTIONS.map((c) => [
            c,
            {
              bare_fastify_rps_vs_bare: r3(of('bare-fastify', c).rps / of('bare-node', c).rps),
              no_headers_rps_vs_bare: r3(of('bare-fastify-no-headers', c).rps / of('bare-node', c).rps),
              headers_cpu_us: r2(of('bare-fastify', c).cpuUs - of('bare-fastify-no-headers', c).cpuUs),
            },
          ]),
        ),
      ];
    }),
  );
  // What each server adds to a call over the Go webhook at the sparse rate, p50 in ms (a create
  // through the apiserver makes two calls).
  const sparseOverGo = Object.fromEntries(
    Object.keys(servers)
      .filter((name) => name !== 'go')
      .map((name) => [
        name,
        Object.fromEntries(Object.keys(ENDPOINTS).map((e) => [e, r3(sparse[name]![e]!.p50 - sparse.go![e]!.p50)])),
      ]),
  );
  const round = (o: unknown): unknown =>
    typeof o === 'number'
      ? r2(o)
      : o && typeof o === 'object'
        ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v)]))
        : o;
  const { exports } = sink.stats();
  if (exports === 0) console.log('WARNING: telemetry on exported nothing over OTLP');
  console.log(
    `RESULT ${JSON.stringify({
      benchmark: 'webhook',
      body_bytes: body.length,
      pinned: cpus ?? false,
      seconds,
      rounds,
      rate,
      rate_seconds: rateSeconds,
      shipshape_env: shipshapeEnv,
      otlp_exports: exports,
      throughput: round(throughput),
      fixed_rate: round(fixed),
      sparse_rate: SPARSE_RATE,
      sparse_seconds: sparseSeconds,
      sparse: round(sparse),
      sparse_p50_over_go_ms: sparseOverGo,
      ratios,
      framework,
      targets,
    })}`,
  );
} finally {
  for (const s of extra) await s.stop().catch(() => {});
  await env.stop();
  await sink.close();
}
