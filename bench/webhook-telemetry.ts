// What telemetry costs the webhook: admission throughput of two real Shipshape processes (src/main.ts
// started with --import ./src/telemetry/register.ts, as in production) against the same control
// plane, one with OTEL_SDK_DISABLED=true (the baseline), one exporting every span and metric over
// OTLP http/protobuf to a sink in this process. HTTPS, keep-alive, no pipelining, `concurrency`
// clients each waiting for its answer before the next request. Each round measures both, in
// alternating order; the ratio is the median of the rounds' on/off ratios, so noise from the rest
// of the machine, which moves both figures of a round alike, mostly cancels. Prints figures and a
// final `RESULT <json>` line; the goal is a ratio >= 0.85.
//
// CPU: with two or more cores (and taskset), both measured processes run on the last allowed core
// and everything else (this process with its clients and the OTLP sink, etcd, kube-apiserver) on
// the others, so a replica's figure is what one core of webhook does and the load generator and
// the collector, which live elsewhere in a cluster, do not take their CPU from it. --no-pin turns
// it off. While one replica is measured the other is stopped (SIGSTOP), so leftover work of one
// never runs during the other's phase. Each phase also reports the measured replica's CPU time per
// request and how busy its core was: below 90% the replica was not the bottleneck, and the
// benchmark says so.
//
//   node bench/webhook-telemetry.ts [--seconds 3] [--rounds 16] [--concurrency 16] [--on-env KEY=VALUE ...]
//     [--off-env KEY=VALUE ...]
//
// --on-env adds OTEL_* settings to the telemetry process, e.g. a sampler:
//   --on-env OTEL_TRACES_SAMPLER=parentbased_traceidratio --on-env OTEL_TRACES_SAMPLER_ARG=0.1
// --on-env and --off-env also profile: --on-env "NODE_OPTIONS=--cpu-prof --cpu-prof-dir=/tmp/on"
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MUTATE_PATH, VALIDATE_PATH } from '../src/constants.ts';
import { startDevEnvironment } from '../src/dev/dev-environment.ts';
import { type ShipshapeProcess, startShipshapeProcess } from '../src/dev/shipshape-process.ts';
import { alone } from './alone.ts';
import { cpuPlan, cpuSeconds, pin } from './cpu.ts';
import { envPairs } from './env-pairs.ts';
import { startSink } from './otlp-sink.ts';
import { median } from './median.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '16' },
    concurrency: { type: 'string', default: '16' },
    'on-env': { type: 'string', multiple: true, default: [] },
    'off-env': { type: 'string', multiple: true, default: [] },
    'no-pin': { type: 'boolean', default: false },
    'no-pause': { type: 'boolean', default: false },
  },
});
const onEnv = envPairs(values['on-env'], '--on-env');
const offEnv = envPairs(values['off-env'], '--off-env');
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const concurrency = Number(values.concurrency);
const GOAL = 0.85;

const review = (uid: string) =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: 'shipshape.dev', version: 'v1', kind: 'WebApp' },
      resource: { group: 'shipshape.dev', version: 'v1', resource: 'webapps' },
      name: 'shop',
      namespace: 'bench',
      operation: 'CREATE',
      userInfo: { username: 'bench' },
      object: {
        apiVersion: 'shipshape.dev/v1',
        kind: 'WebApp',
        metadata: { name: 'shop', namespace: 'bench' },
        spec: { image: 'nginx:1.27', env: [{ name: 'GREETING', value: 'hello' }] },
      },
      oldObject: null,
      dryRun: false,
    },
  });
const calls = [
  { path: MUTATE_PATH, body: review('00000000-0000-4000-8000-000000000001') },
  { path: VALIDATE_PATH, body: review('00000000-0000-4000-8000-000000000002') },
];

function post(agent: Agent, port: number, path: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

type Phase = {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** The measured replica's CPU time per answered request, all threads. */
  cpuUs: number;
  /** The measured replica's CPU time over the phase's wall time. */
  busy: number;
};

/** `concurrency` keep-alive clients for `ms` against one replica. */
async function load(replica: ShipshapeProcess, ca: string, ms: number): Promise<Phase> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, ca });
  const latencies: number[] = [];
  const cpuBefore = cpuSeconds(replica.pid);
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, client) => {
      for (let i = client; performance.now() < deadline; i++) {
        const { path, body } = calls[i % calls.length]!;
        const sent = performance.now();
        const answer = await post(agent, replica.port, path, body);
        latencies.push(performance.now() - sent);
        if (i === client && !answer.includes('"allowed":true')) throw new Error(`not admitted: ${answer}`);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(replica.pid) - cpuBefore;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return {
    rps: latencies.length / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    requests: latencies.length,
    cpuUs: (cpu / latencies.length) * 1e6,
    busy: cpu / elapsed,
  };
}

const fmt = (p: Phase) =>
  `${p.rps.toFixed(0).padStart(6)} req/s  p50 ${p.p50.toFixed(2)} ms  p99 ${p.p99.toFixed(2)} ms  ` +
  `cpu ${p.cpuUs.toFixed(0)} us/req  busy ${(p.busy * 100).toFixed(0)}%  (${p.requests})`;

/** Measures `replica` with `idle` stopped, so that nothing of the idle one runs meanwhile. */
async function measure(replica: ShipshapeProcess, idle: ShipshapeProcess, ca: string, ms: number) {
  if (values['no-pause']) return load(replica, ca, ms);
  return alone([idle.pid], 0, () => load(replica, ca, ms));
}

console.log(`webhook telemetry benchmark: ${rounds} rounds of ${seconds} s per mode, ${concurrency} clients`);
const sink = await startSink();
const env = await startDevEnvironment({ env: { ...offEnv, OTEL_SDK_DISABLED: 'true' } });
// Not one of env's replicas: stopped here, whatever happens, so no process outlives the bench.
let on: ShipshapeProcess | undefined;
try {
  const off = env.replicas[0]!;
  on = await startShipshapeProcess({
    kubeconfigPath: env.cp.kubeconfigPath,
    certs: env.certs,
    podName: 'shipshape-telemetry',
    logPath: join(env.cp.dir, 'shipshape-telemetry.log'),
    env: {
      OTEL_SDK_DISABLED: 'false',
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      // Shorter than the 60 s default, so that metric pushes happen while it is measured.
      OTEL_METRIC_EXPORT_INTERVAL: '10000',
      ...onEnv,
    },
  });
  const modes = { off, on };
  const cpus = cpuPlan(!values['no-pin']);
  if (cpus) {
    for (const pid of [process.pid, env.cp.etcd.pid, env.cp.apiserver.pid]) pin(pid, cpus.rest);
    for (const replica of [off, on]) pin(replica.pid, cpus.measured);
    console.log(`CPU: measured replicas on core ${cpus.measured}; clients, sink and control plane on ${cpus.rest}`);
  } else {
    console.log('CPU: not pinned; the clients and the sink share the cores with the measured replicas');
  }
  console.log('warming up both processes ...');
  await measure(off, on, env.certs.caPem, 2000);
  await measure(on, off, env.certs.caPem, 2000);
  const results: Record<'off' | 'on', Phase[]> = { off: [], on: [] };
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const order: ('off' | 'on')[] = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
    for (const mode of order) {
      const idle = modes[mode === 'on' ? 'off' : 'on'];
      const phase = await measure(modes[mode], idle, env.certs.caPem, seconds * 1000);
      results[mode].push(phase);
      console.log(`  round ${round + 1}  telemetry ${mode.padEnd(3)}  ${fmt(phase)}`);
    }
    ratios.push(results.on[round]!.rps / results.off[round]!.rps);
  }
  const rpsOff = median(results.off.map((p) => p.rps));
  const rpsOn = median(results.on.map((p) => p.rps));
  const ratio = median(ratios);
  const cpuOff = median(results.off.map((p) => p.cpuUs));
  const cpuOn = median(results.on.map((p) => p.cpuUs));
  const leastBusy = Math.min(...[...results.off, ...results.on].map((p) => p.busy));
  const { exports, bytes } = sink.stats();
  console.log(`median: telemetry off ${rpsOff.toFixed(0)} req/s, on ${rpsOn.toFixed(0)} req/s`);
  console.log(`on/off per round: ${ratios.map((r) => r.toFixed(3)).join(' ')}; median ${ratio.toFixed(3)}`);
  console.log(
    `CPU per request: off ${cpuOff.toFixed(0)} us, on ${cpuOn.toFixed(0)} us (telemetry adds ` +
      `${(cpuOn - cpuOff).toFixed(0)} us, off/on ${(cpuOff / cpuOn).toFixed(3)})`,
  );
  if (leastBusy < 0.9) {
    console.log(
      `WARNING: a measured replica's core was only ${(leastBusy * 100).toFixed(0)}% busy in some phase: ` +
        'the clients, not the replica, limited it there, and the throughput ratio understates the cost',
    );
  }
  console.log(`the sink received ${exports} OTLP exports, ${(bytes / 1e6).toFixed(1)} MB`);
  if (exports === 0) throw new Error('telemetry on exported nothing: the comparison would be meaningless');
  const round2 = (x: number) => Math.round(x * 100) / 100;
  console.log(
    `RESULT ${JSON.stringify({
      benchmark: 'webhook-telemetry',
      concurrency,
      seconds,
      on_env: onEnv,
      off_env: offEnv,
      pinned: cpus ?? false,
      rounds,
      rps_off: round2(rpsOff),
      rps_on: round2(rpsOn),
      p50_ms_off: round2(median(results.off.map((p) => p.p50))),
      p50_ms_on: round2(median(results.on.map((p) => p.p50))),
      p99_ms_off: round2(median(results.off.map((p) => p.p99))),
      p99_ms_on: round2(median(results.on.map((p) => p.p99))),
      cpu_us_per_request_off: round2(cpuOff),
      cpu_us_per_request_on: round2(cpuOn),
      cpu_ratio: Math.round((cpuOff / cpuOn) * 1000) / 1000,
      least_busy: round2(leastBusy),
      otlp_exports: exports,
      ratios: ratios.map((r) => Math.round(r * 1000) / 1000),
      ratio: Math.round(ratio * 1000) / 1000,
      goal: GOAL,
      pass: ratio >= GOAL,
    })}`,
  );
} finally {
  await on?.stop();
  await env.stop();
  await sink.close();
}
