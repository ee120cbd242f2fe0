// Telemetry's tail at a fixed rate, by runtime setting: Shipshape replicas that differ only in
// their environment (each a variant), answering the webhook benchmark's review at 1,000 req/s from
// the Go fixed-rate client (fixed-rate.ts: latency from the intended send time), one replica at a
// time alone on the measured core. The baseline, measured in the same rounds, is a replica with
// telemetry off; every other variant exports every span and metric over OTLP http/protobuf to a
// sink in this process, with the Deployment's runtime environment plus the variant's. The first
// round warms the replicas (JIT) and is not counted; each figure is the median of the rest.
// Also prints each replica's CPU per request split by thread (main thread against V8's workers).
//
//   node bench/telemetry-tail.ts [--rounds 6] [--rate 1000] [--seconds 8]
//     [--variant 'name=KEY=VALUE;KEY=VALUE' ...]
//
// Default variants: V8's worker pool at the Deployment's size (RUNTIME_ENV) and at Node's default
// of four, which is what an unconfigured container on any node gets.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MUTATE_PATH, VALIDATE_PATH } from '../src/constants.ts';
import { NODE_OPTIONS, RUNTIME_ENV } from '../src/manifests/deployment.ts';
import { startDevEnvironment } from '../src/dev/dev-environment.ts';
import { type ShipshapeProcess, startShipshapeProcess } from '../src/dev/shipshape-process.ts';
import { webAppCreateReview } from './admission-review.ts';
import { alone } from './alone.ts';
import { cpuByThread, cpuPlan, pin } from './cpu.ts';
import { envPairs } from './env-pairs.ts';
import { type FixedRateResult, fixedRate } from './fixed-rate.ts';
import { median } from './median.ts';
import { startSink } from './otlp-sink.ts';

const withoutPool = NODE_OPTIONS.replace(/\s*--v8-pool-size=\d+/, '');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '8' },
    variant: {
      type: 'string',
      multiple: true,
      default: ['deployment=', `pool-4=NODE_OPTIONS=${withoutPool} --v8-pool-size=4`],
    },
  },
});
const rounds = Number(values.rounds);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
if (!(rounds >= 2)) throw new Error('--rounds must be at least 2: the first one only warms up');
const variants: Record<string, Record<string, string>> = { 'telemetry-off': { OTEL_SDK_DISABLED: 'true' } };
for (const spec of values.variant) {
  const [name, settings = ''] = spec.split(/=(.*)/s, 2) as [string, string?];
  variants[name] = envPairs(settings.split(';').filter(Boolean), `--variant ${name}`);
}
const ENDPOINTS = { mutate: MUTATE_PATH, validate: VALIDATE_PATH } as const;
const body = webAppCreateReview('00000000-0000-4000-8000-000000000001');

const cpus = cpuPlan(true);
if (!cpus) throw new Error('needs two cores or more (taskset): the measured replica gets one to itself');
const sink = await startSink();
const deployed = { SHIPSHAPE_LOG_LEVEL: 'warn', ...RUNTIME_ENV };
const env = await startDevEnvironment({ nodes: 0, env: { ...deployed, OTEL_SDK_DISABLED: 'true' } });
const replicas: Record<string, ShipshapeProcess> = {};
try {
  for (const [name, extra] of Object.entries(variants)) {
    replicas[name] = await startShipshapeProcess({
      kubeconfigPath: env.cp.kubeconfigPath,
      certs: env.certs,
      podName: `shipshape-${name}`,
      logPath: join(env.cp.dir, `shipshape-${name}.log`),
      env: {
        ...deployed,
        OTEL_SDK_DISABLED: 'false',
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_METRIC_EXPORT_INTERVAL: '10000',
        ...extra,
      },
    });
  }
  for (const pid of [process.pid, env.cp.etcd.pid, env.cp.apiserver.pid, ...env.replicas.map((r) => r.pid)]) {
    pin(pid, cpus.rest);
  }
  for (const replica of Object.values(replicas)) pin(replica.pid, cpus.measured);
  console.log(`telemetry tail: ${rate} req/s for ${seconds} s per phase, ${rounds} rounds (the first warms up)`);
  for (const [name, extra] of Object.entries(variants)) console.log(`  ${name.padEnd(14)} ${JSON.stringify(extra)}`);

  const samples: Record<string, Record<string, FixedRateResult[]>> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [endpoint, path] of Object.entries(ENDPOINTS)) {
      for (const [name, replica] of Object.entries(replicas)) {
        const others = Object.entries(replicas)
          .filter(([n]) => n !== name)
          .map(([, other]) => other.pid);
        const { r, threads } = await alone(others, 1000, async () => {
          const before = cpuByThread(replica.pid);
          const r = await fixedRate({ url: `${replica.baseUrl}${path}`, body, ca: env.certs.caPem, rate, seconds });
          const threads = [...cpuByThread(replica.pid)]
            .map(([thread, s]) => [thread, ((s - (before.get(thread) ?? 0)) / r.requests) * 1e6] as const)
            .filter(([, us]) => us >= 1)
            .map(([thread, us]) => `${thread} ${us.toFixed(0)}`)
            .join(', ');
          return { r, threads };
        });
        if (round > 0) ((samples[name] ??= {})[endpoint] ??= []).push(r);
        console.log(
          `  round ${round + 1}${round === 0 ? ' (warm-up)' : ''} ${endpoint.padEnd(8)} ${name.padEnd(14)}` +
            ` p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  p99.9 ${r.p999.toFixed(2)} ms` +
            `  CPU us/request by thread: ${threads}` +
            (r.errors ? `  ERRORS ${r.errors}` : ''),
        );
      }
    }
  }
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const figures: Record<string, Record<string, { p50: number; p99: number; p999: number }>> = {};
  console.log(`medians of rounds 2-${rounds}:`);
  for (const endpoint of Object.keys(ENDPOINTS)) {
    for (const name of Object.keys(replicas)) {
      const runs = samples[name]![endpoint]!;
      const f = {
        p50: r2(median(runs.map((r) => r.p50))),
        p99: r2(median(runs.map((r) => r.p99))),
        p999: r2(median(runs.map((r) => r.p999))),
      };
      (figures[name] ??= {})[endpoint] = f;
      const ratio = f.p99 / figures['telemetry-off']![endpoint]!.p99;
      console.log(
        `  ${endpoint.padEnd(8)} ${name.padEnd(14)} p50 ${f.p50} ms  p99 ${f.p99} ms  p99.9 ${f.p999} ms` +
          `  p99 / telemetry off ${ratio.toFixed(2)}`,
      );
    }
  }
  console.log(
    `RESULT ${JSON.stringify({ benchmark: 'telemetry-tail', rate, seconds, rounds, variants, figures, otlp_exports: sink.stats().exports })}`,
  );
} finally {
  for (const replica of Object.values(replicas)) await replica.stop().catch(() => {});
  await env.stop();
  await sink.close();
}
