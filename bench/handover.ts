// Leader handover benchmark: time from killing the Lease holder to another replica holding the
// Lease, over several runs. SIGTERM (we release the Lease) is compared with SIGKILL (the lease must
// expire), which is also what a SIGTERM costs without release-on-cancel, controller-runtime's
// default. Prints figures and a final `RESULT <json>` line.
//
//   node bench/handover.ts [--runs 5] [--lease 15 --renew 10 --retry 2]
import { parseArgs } from 'node:util';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { startDevEnvironment } from '../src/dev/dev-environment.ts';
import { sleep } from '../src/runtime/sleep.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    lease: { type: 'string', default: '15' },
    renew: { type: 'string', default: '10' },
    retry: { type: 'string', default: '2' },
  },
});
const runs = Number(values.runs);

const env = await startDevEnvironment({
  replicas: 3,
  env: {
    SHIPSHAPE_LEASE_DURATION_SECONDS: values.lease,
    SHIPSHAPE_RENEW_DEADLINE_SECONDS: values.renew,
    SHIPSHAPE_RETRY_PERIOD_SECONDS: values.retry,
    SHIPSHAPE_LOG_LEVEL: 'warn',
  },
});
const leases = env.kc.makeApiClient(CoordinationV1Api);
const holder = async () =>
  (await leases.readNamespacedLease({ namespace: 'shipshape-system', name: 'shipshape-leader' })).spec
    ?.holderIdentity ?? '';

async function leader() {
  for (;;) {
    const h = await holder().catch(() => '');
    const replica = env.replicas.find((r) => h.startsWith(`${r.name}_`) && r.isRunning());
    if (replica) return replica;
    await sleep(20);
  }
}

async function handover(signal: 'SIGTERM' | 'SIGKILL'): Promise<number> {
  const current = await leader();
  const started = performance.now();
  process.kill(current.pid, signal);
  for (;;) {
    const next = await leader();
    if (next !== current) break;
  }
  const ms = performance.now() - started;
  await env.addReplica();
  return ms;
}

const stats = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return {
    runs: xs.length,
    minMs: Math.round(sorted[0]!),
    medianMs: Math.round(sorted[Math.floor(sorted.length / 2)]!),
    maxMs: Math.round(sorted.at(-1)!),
  };
};

try {
  console.log(
    `handover benchmark: ${runs} runs each, lease ${values.lease} s, renew ${values.renew} s, retry ${values.retry} s`,
  );
  const term: number[] = [];
  const kill: number[] = [];
  for (let i = 0; i < runs; i++) {
    term.push(await handover('SIGTERM'));
    console.log(`  SIGTERM run ${i + 1}: ${Math.round(term.at(-1)!)} ms`);
    kill.push(await handover('SIGKILL'));
    console.log(`  SIGKILL run ${i + 1}: ${Math.round(kill.at(-1)!)} ms`);
  }
  const sigterm = stats(term);
  const sigkill = stats(kill);
  console.log(`SIGTERM (Lease released)  median ${sigterm.medianMs} ms, max ${sigterm.maxMs} ms`);
  console.log(`SIGKILL (lease expires)   median ${sigkill.medianMs} ms, max ${sigkill.maxMs} ms`);
  const ratio = sigterm.medianMs / sigkill.medianMs;
  console.log(`ratio     SIGTERM / SIGKILL median = ${ratio.toFixed(3)}`);
  console.log(
    `RESULT ${JSON.stringify({
      benchmark: 'handover',
      leaseSeconds: Number(values.lease),
      renewDeadlineSeconds: Number(values.renew),
      retryPeriodSeconds: Number(values.retry),
      sigterm,
      sigkill,
      ratioSigtermToSigkill: +ratio.toFixed(3),
    })}`,
  );
} finally {
  await env.stop();
}
