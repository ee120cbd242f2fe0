// Footprint of one Shipshape process: time from process start to serving TLS and to holding the
// Lease, and resident memory (RSS) idle, under sustained admission load, 30 s after the load, and
// with 1,000 WebApps and their children in its caches. Start times are taken for the compiled
// server (`npm start`, the image) and for the TypeScript sources (the dev loop), each started
// `--starts` times with the Lease free (the previous process released it on SIGTERM); the memory
// figures are of the compiled server. Next to them, the RSS of the bare `node:https` baseline
// (bench/bare-webhook.ts) idle. Every Shipshape process gets the Deployment's runtime environment
// (src/manifests/deployment.ts RUNTIME_ENV: heap bounds, V8's worker pool, jemalloc preloaded), as
// in a cluster; `--shipshape-env LD_PRELOAD= --shipshape-env MALLOC_CONF=` measures glibc's malloc
// instead. Prints figures and a final `RESULT <json>` line.
//
// Start: the kernel's start time of the process (/proc/<pid>/stat); serving TLS: Fastify's
// "Server listening" line, holding the Lease: "became the leader" (log level info, pino's epoch
// milliseconds). Load: wrk, 16 connections on the validating webhook, the server on its own core
// as in bench/webhook.ts. The 1,000 WebApps are created through the webhooks, registered straight
// at the measured process (which reconciles them), and counted once each has its Deployment.
//
//   node bench/footprint.ts [--starts 3] [--idle-seconds 10] [--load-seconds 30] [--after-seconds 30]
//     [--count 1000] [--shipshape-env KEY=VALUE ...]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AppsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, VALIDATE_PATH, WEBAPP_KIND, WEBAPP_PLURAL } from '../src/constants.ts';
import { startDevEnvironment } from '../src/dev/dev-environment.ts';
import { registerWebhooks } from '../src/dev/install.ts';
import { RUNTIME_ENV } from '../src/manifests/deployment.ts';
import { type ShipshapeProcess, startShipshapeProcess } from '../src/dev/shipshape-process.ts';
import { sleep } from '../src/runtime/sleep.ts';
import { webAppCreateReview } from './admission-review.ts';
import { buildCompiled } from './compiled.ts';
import { cpuPlan, pin } from './cpu.ts';
import { envPairs } from './env-pairs.ts';
import { startBareWebhook } from './servers.ts';
import { wrk } from './wrk.ts';

const { values } = parseArgs({
  options: {
    starts: { type: 'string', default: '3' },
    'idle-seconds': { type: 'string', default: '10' },
    'load-seconds': { type: 'string', default: '30' },
    'after-seconds': { type: 'string', default: '30' },
    count: { type: 'string', default: '1000' },
    'shipshape-env': { type: 'string', multiple: true, default: [] },
  },
});
const starts = Number(values.starts);
const idleSeconds = Number(values['idle-seconds']);
const loadSeconds = Number(values['load-seconds']);
const afterSeconds = Number(values['after-seconds']);
const count = Number(values.count);
const shipshapeEnv = envPairs(values['shipshape-env'], '--shipshape-env');

/** A line of /proc/<pid>/status in MiB (VmRSS, RssAnon, RssFile). */
function statusMiB(pid: number, field: string): number {
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** Resident set size of `pid` in MiB (VmRSS). */
const rssMiB = (pid: number) => statusMiB(pid, 'VmRSS');

/**
 * Where the RSS is: anonymous memory (the V8 heap, malloc, thread stacks) and file-backed pages
 * (the node binary's and libraries' code, resident as it is first run), so that what a load
 * leaves behind can be placed.
 */
function rssParts(pid: number): string {
  return `anonymous ${statusMiB(pid, 'RssAnon').toFixed(0)}, file-backed ${statusMiB(pid, 'RssFile').toFixed(0)} MiB`;
}

const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
// Boot time in epoch seconds from /proc/uptime (to 10 ms), not /proc/stat's btime: btime is
// whole seconds, so start times read against it were early by its missing fraction (0.51 s on
// this machine: every "serving TLS after" figure before this change included it).
const bootTime = Date.now() / 1000 - Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
/** When the kernel started `pid`, in epoch milliseconds (to a clock tick). */
function startedAt(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (bootTime + Number(fields[19]) / ticks) * 1000;
}

/** The epoch-ms `time` of the first log line whose msg starts with `prefix`, waiting up to 30 s. */
async function loggedAt(logPath: string, prefix: string): Promise<number> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    for (const line of readFileSync(logPath, 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { msg?: string; time?: number };
      if (entry.msg?.startsWith(prefix) && entry.time) return entry.time;
    }
    await sleep(50);
  }
  throw new Error(`no "${prefix}" in ${logPath} within 30 s`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const r1 = (x: number) => Math.round(x * 10) / 10;

execFileSync('bash', [new URL('setup.sh', import.meta.url).pathname], { stdio: 'inherit' });
console.log(
  `footprint benchmark: ${JSON.stringify({ ...RUNTIME_ENV, ...shipshapeEnv })}; building the compiled server ...`,
);
const compiledDir = buildCompiled();
const env = await startDevEnvironment({ nodes: 0, env: { SHIPSHAPE_LOG_LEVEL: 'warn' } });
const running: { stop(): Promise<void> }[] = [];
try {
  // The dev environment's own replica releases the Lease (SIGTERM): each measured process finds it free.
  await env.replicas[0]!.stop();
  let n = 0;
  const start = async (mode: 'compiled' | 'source'): Promise<ShipshapeProcess> => {
    const podName = `shipshape-footprint-${n++}`;
    const proc = await startShipshapeProcess({
      kubeconfigPath: await env.cp.issueKubeconfig(podName),
      certs: env.certs,
      podName,
      logPath: join(env.cp.dir, `${podName}.log`),
      env: { SHIPSHAPE_LOG_LEVEL: 'info', ...RUNTIME_ENV, ...shipshapeEnv },
      ...(mode === 'compiled' && { compiledDir }),
    });
    running.push(proc);
    return proc;
  };

  const startup: Record<string, { tlsMs: number[]; leaseMs: number[]; idleRssMiB: number[] }> = {};
  for (let i = 0; i < starts; i++) {
    for (const mode of ['compiled', 'source'] as const) {
      const proc = await start(mode);
      const t0 = startedAt(proc.pid);
      const tls = (await loggedAt(proc.logPath, 'Server listening')) - t0;
      const lease = (await loggedAt(proc.logPath, 'became the leader')) - t0;
      await sleep(idleSeconds * 1000);
      const rss = rssMiB(proc.pid);
      const s = (startup[mode] ??= { tlsMs: [], leaseMs: [], idleRssMiB: [] });
      s.tlsMs.push(tls);
      s.leaseMs.push(lease);
      s.idleRssMiB.push(rss);
      console.log(
        `  start ${i + 1} ${mode.padEnd(8)} serving TLS after ${tls.toFixed(0)} ms, Lease after ${lease.toFixed(0)} ms,` +
          ` RSS ${rss.toFixed(0)} MiB after ${idleSeconds} s idle`,
      );
      await proc.stop();
    }
  }
  // The memory figures: one more compiled process, left running, idle for as long.
  const proc = await start('compiled');
  await loggedAt(proc.logPath, 'became the leader');
  await sleep(idleSeconds * 1000);
  const bare = await startBareWebhook(env.certs, env.cp.dir);
  running.push(bare);
  await sleep(2000);
  const bareRss = rssMiB(bare.pid);
  await bare.stop();

  const cpus = cpuPlan(true);
  if (cpus) {
    for (const pid of [process.pid, env.cp.etcd.pid, env.cp.apiserver.pid]) pin(pid, cpus.rest);
    pin(proc.pid, cpus.measured);
  }
  const idle = rssMiB(proc.pid);
  const idleParts = rssParts(proc.pid);
  console.log(`sustained load: wrk, 16 connections, ${loadSeconds} s on ${VALIDATE_PATH}`);
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(proc.pid))), 250);
  const load = await wrk({
    url: `${proc.baseUrl}${VALIDATE_PATH}`,
    body: webAppCreateReview('00000000-0000-4000-8000-000000000001'),
    connections: 16,
    seconds: loadSeconds,
    cpus: cpus?.rest,
  });
  clearInterval(sampler);
  const endOfLoad = rssMiB(proc.pid);
  console.log(
    `  ${load.rps.toFixed(0)} req/s; RSS peak ${peak.toFixed(0)} MiB, at the end ${endOfLoad.toFixed(0)} MiB`,
  );
  await sleep(afterSeconds * 1000);
  const after = rssMiB(proc.pid);
  console.log(
    `  ${afterSeconds} s after the load: RSS ${after.toFixed(0)} MiB, ${rssParts(proc.pid)}` +
      ` (idle before: ${idle.toFixed(0)} MiB, ${idleParts})`,
  );

  console.log(`${count} WebApps through the webhooks of the measured process ...`);
  await registerWebhooks(env.kc, { kind: 'url', baseUrl: proc.baseUrl, caPem: env.certs.caPem });
  await sleep(1000);
  const namespace = 'footprint';
  await env.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  const custom = env.kc.makeApiClient(CustomObjectsApi);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        const i = next++;
        await custom.createNamespacedCustomObject({
          group: API_GROUP,
          version: API_VERSION,
          plural: WEBAPP_PLURAL,
          namespace,
          body: {
            apiVersion: `${API_GROUP}/${API_VERSION}`,
            kind: WEBAPP_KIND,
            metadata: { name: `app-${i}` },
            spec: { image: 'nginx:1.27', env: [{ name: 'GREETING', value: `hello ${i}` }] },
          },
        });
      }
    }),
  );
  const apps = env.kc.makeApiClient(AppsV1Api);
  const started = performance.now();
  for (;;) {
    const deployments = (await apps.listNamespacedDeployment({ namespace })).items.length;
    process.stderr.write(`\r  ${deployments}/${count} Deployments`);
    if (deployments >= count) break;
    if (performance.now() - started > 600_000) throw new Error('the WebApps did not get their children in 10 minutes');
    await sleep(1000);
  }
  process.stderr.write('\n');
  await sleep(10_000);
  const cached = rssMiB(proc.pid);
  console.log(`  with ${count} WebApps and their children cached: RSS ${cached.toFixed(0)} MiB`);

  const summary = Object.fromEntries(
    Object.entries(startup).map(([mode, s]) => [
      mode,
      {
        tls_ms: r1(median(s.tlsMs)),
        lease_ms: r1(median(s.leaseMs)),
        idle_rss_mib: r1(median(s.idleRssMiB)),
        runs: { tls_ms: s.tlsMs.map(r1), lease_ms: s.leaseMs.map(r1), idle_rss_mib: s.idleRssMiB.map(r1) },
      },
    ]),
  );
  const compiled = summary.compiled!;
  console.log(
    `RESULT ${JSON.stringify({
      benchmark: 'footprint',
      starts,
      runtime_env: { ...RUNTIME_ENV, ...shipshapeEnv },
      shipshape_env: shipshapeEnv,
      startup: summary,
      bare_node_idle_rss_mib: r1(bareRss),
      rss_mib: {
        idle: r1(idle),
        load_peak: r1(peak),
        load_end: r1(endOfLoad),
        after_load: r1(after),
        after_load_vs_idle: Math.round((after / idle) * 1000) / 1000,
        webapps_cached: r1(cached),
      },
      load_rps: r1(load.rps),
      webapps: count,
      targets: {
        ready_le_1s: compiled.tls_ms <= 1000,
        idle_le_150mib: idle <= 150,
        load_le_250mib: peak <= 250,
        after_within_20pct_of_idle: after <= idle * 1.2,
      },
    })}`,
  );
} finally {
  for (const p of running) await p.stop().catch(() => {});
  await env.stop();
}
