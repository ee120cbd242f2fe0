// A change's cost per AdmissionReview, against the code before it, in one run: the admission
// server alone (bench/admission-server.ts) of a git revision and of this working tree, with the
// bare `node:https` server and bare Fastify (bench/bare-webhook.ts, bench/bare-fastify.ts) beside
// them, and this tree's admission code served without Fastify (bench/lean-admission.ts: what the
// framework costs Shipshape, for the decision on a leaner HTTP path). On this shared machine a
// server's throughput moves by up to 2x from one minute to the next, so figures from runs apart
// say little about a change of 10%; here each round measures the five servers back to back,
// each alone on the measured core (the others SIGSTOPped, as bench/webhook.ts does), and the
// ratios are taken within a round.
//
// Per server and round: wrk (one thread, keep-alive, on the other cores) for a 1 s warm-up, then
// `seconds` measured, with the server's CPU time per request from /proc. Printed: medians over
// the rounds, and the median of the per-round ratios to the revision's server and to bare
// `node:https`; then one `RESULT <json>` line.
//
//   node bench/compare.ts [--against HEAD] [--rounds 8] [--seconds 3] [--connections 16]
//     [--endpoint validate|mutate]
//
// The revision is checked out into a temporary git worktree that shares this tree's node_modules,
// so it must run with today's dependencies. The admission servers run with the Deployment's
// runtime environment (RUNTIME_ENV); the baselines with Node's defaults, as in bench/webhook.ts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MUTATE_PATH, VALIDATE_PATH } from '../src/constants.ts';
import { writeDevCertificates } from '../src/dev/dev-certificates.ts';
import { RUNTIME_ENV } from '../src/manifests/deployment.ts';
import { webAppCreateReview } from './admission-review.ts';
import { alone } from './alone.ts';
import { cpuPlan, cpuSeconds } from './cpu.ts';
import { median } from './median.ts';
import {
  type BenchServer,
  onCpus,
  startAdmissionServer,
  startBareFastify,
  startBareWebhook,
  startLeanAdmission,
} from './servers.ts';
import { wrk } from './wrk.ts';

const { values } = parseArgs({
  options: {
    against: { type: 'string', default: 'HEAD' },
    rounds: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' },
    endpoint: { type: 'string', default: 'validate' },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const path = { validate: VALIDATE_PATH, mutate: MUTATE_PATH }[values.endpoint as 'validate' | 'mutate'];
if (!path) throw new Error(`--endpoint is validate or mutate, not ${values.endpoint}`);
const SETTLE_MS = 300;

const root = fileURLToPath(new URL('..', import.meta.url));
const git = (...args: string[]) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim();
const revision = git('rev-parse', '--short', values.against);
const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';

execFileSync('bash', [join(root, 'bench/setup.sh')], { stdio: 'inherit' });
const cpus = cpuPlan(true);
if (!cpus) throw new Error('bench/compare.ts needs two cores and taskset: it pins each server to a core of its own');

const work = mkdtempSync(join(tmpdir(), 'shipshape-compare-'));
const tree = join(work, 'tree');
git('worktree', 'add', '--detach', tree, revision);
const servers: BenchServer[] = [];
try {
  symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'));
  const certs = await writeDevCertificates(join(work, 'certs'));
  const prefix = onCpus(cpus.measured);
  const env = { ...process.env, SHIPSHAPE_LOG_LEVEL: 'warn', OTEL_SDK_DISABLED: 'true', ...RUNTIME_ENV };
  const working = `shipshape-working-tree${dirty ? '*' : ''}`;
  const names = ['bare-node', 'bare-fastify', `shipshape@${revision}`, working, `${working}-without-fastify`];
  servers.push(await startBareWebhook(certs, work, prefix));
  servers.push(await startBareFastify(certs, work, prefix));
  servers.push(await startAdmissionServer('against', tree, certs, work, prefix, env));
  servers.push(await startAdmissionServer('working', root, certs, work, prefix, env));
  servers.push(await startLeanAdmission(certs, work, prefix, env));
  const body = webAppCreateReview('00000000-0000-4000-8000-000000000001');
  console.log(
    `compare: ${values.endpoint}, ${connections} connections, ${rounds} rounds of ${seconds} s; servers on core ` +
      `${cpus.measured}, wrk on ${cpus.rest}; ${revision} against the working tree${dirty ? ' (uncommitted changes)' : ''}`,
  );

  const rps = servers.map((): number[] => []);
  const cpuUs = servers.map((): number[] => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, server] of servers.entries()) {
      const others = servers.filter((s) => s !== server).map((s) => s.pid);
      await alone(others, SETTLE_MS, async () => {
        const load = { url: `${server.baseUrl}${path}`, body, connections, cpus: cpus.rest };
        await wrk({ ...load, seconds: 1 });
        const before = cpuSeconds(server.pid);
        const result = await wrk({ ...load, seconds });
        if (result.errors) throw new Error(`${names[i]}: ${result.errors} failed requests`);
        rps[i]!.push(result.rps);
        cpuUs[i]!.push((1e6 * (cpuSeconds(server.pid) - before)) / result.requests);
      });
    }
    console.log(
      `  round ${round + 1}: ` +
        names.map((name, i) => `${name} ${rps[i]!.at(-1)!.toFixed(0)}/s ${cpuUs[i]!.at(-1)!.toFixed(1)} us`).join(', '),
    );
  }

  /** The median over the rounds of server i's figure divided by server j's in the same round. */
  const paired = (xs: number[][], i: number, j: number) => median(xs[i]!.map((x, r) => x / xs[j]![r]!));
  const AGAINST = 2;
  const BARE = 0;
  const figures = names.map((name, i) => ({
    name,
    rps: Math.round(median(rps[i]!)),
    cpuUs: Number(median(cpuUs[i]!).toFixed(1)),
    rpsVsAgainst: Number(paired(rps, i, AGAINST).toFixed(3)),
    cpuVsAgainst: Number(paired(cpuUs, i, AGAINST).toFixed(3)),
    rpsVsBare: Number(paired(rps, i, BARE).toFixed(3)),
  }));
  console.log(`medians of ${rounds} rounds; ratios are medians of the per-round ratios`);
  for (const f of figures) {
    console.log(
      `  ${f.name.padEnd(40)} ${String(f.rps).padStart(6)} req/s  ${f.cpuUs.toFixed(1).padStart(6)} us/req  ` +
        `req/s ${f.rpsVsAgainst.toFixed(3)} and CPU ${f.cpuVsAgainst.toFixed(3)} x ${revision}'s, req/s ${f.rpsVsBare.toFixed(3)} x bare`,
    );
  }
  const result = {
    benchmark: 'compare',
    against: revision,
    dirty,
    endpoint: values.endpoint,
    connections,
    rounds,
    seconds,
    servers: figures,
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  git('worktree', 'remove', '--force', tree);
  rmSync(work, { recursive: true, force: true });
}
