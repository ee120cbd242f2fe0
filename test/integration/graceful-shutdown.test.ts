// SIGTERM, as Kubernetes sends it, to real replicas: under admission load through the real
// apiserver none fails, a request in flight when the listener closes still gets its answer, the
// Lease is released at once, and the process exits within shutdown delay + a bound, also with the
// apiserver stopped and with etcd stopped.
import { connect } from 'node:tls';
import t from 'tap';
import { VALIDATE_PATH } from '../../src/constants.ts';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { dryRunIsDefaulted } from '../../src/dev/install.ts';
import type { ShipshapeProcess } from '../../src/dev/shipshape-process.ts';
import { probeStatus } from '../../src/net/probe-status.ts';
import { FAST_ELECTION, waitForLeader } from '../helpers/leadership.ts';
import { admissionReview, minimalWebApp } from '../helpers/server.ts';

const DELAY_S = 2;
const TIMEOUT_S = 5;
/** What the process promises: delay + shutdown timeout + the telemetry flush bound (5 s). */
const BOUND_MS = (DELAY_S + TIMEOUT_S + 5) * 1000;

const env = await startDevEnvironment({
  replicas: 2,
  nodes: 0,
  env: {
    ...FAST_ELECTION,
    SHIPSHAPE_SHUTDOWN_DELAY_SECONDS: String(DELAY_S),
    SHIPSHAPE_SHUTDOWN_TIMEOUT_SECONDS: String(TIMEOUT_S),
  },
});
t.teardown(() => env.stop());

/** SIGTERM, then the exit code and how long the process took to exit. */
async function terminate(replica: ShipshapeProcess): Promise<{ code: number | string; ms: number }> {
  const sent = Date.now();
  process.kill(replica.pid, 'SIGTERM');
  const code = await replica.exited;
  return { code, ms: Date.now() - sent };
}

/** Admission through the apiserver, as kubectl's `--dry-run=server` does it: defaulted, validated. */
function admissionLoad(workers: number) {
  let stop = false;
  let ok = 0;
  const failures: string[] = [];
  const one = async (i: number) => {
    if (!(await dryRunIsDefaulted(env.kc, 'default', `load-${i}`))) throw new Error('not defaulted');
  };
  const running = [...Array(workers)].map(async (_, w) => {
    for (let i = 0; !stop; i++) {
      try {
        await one(w * 1_000_000 + i);
        ok++;
      } catch (err) {
        failures.push(String((err as { body?: string }).body ?? (err as Error).message).slice(0, 300));
      }
    }
  });
  return {
    ok: () => ok,
    async stop() {
      stop = true;
      await Promise.all(running);
      return { ok, failures };
    },
  };
}

/**
 * An AdmissionReview sent over one TLS connection in two halves, `gapMs` apart: a request that is
 * in flight for that long. Resolves with the HTTP status line and the body.
 */
function slowRequest(replica: ShipshapeProcess, gapMs: number): Promise<{ head: string; body: string }> {
  const payload = Buffer.from(JSON.stringify(admissionReview(minimalWebApp())));
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: replica.port, ca: env.certs.caPem }, () => {
      socket.write(
        `POST ${VALIDATE_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${payload.length}\r\nConnection: close\r\n\r\n`,
      );
      socket.write(payload.subarray(0, 100));
      setTimeout(() => socket.end(payload.subarray(100)), gapMs);
    });
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('end', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n');
      resolve({ head: head.split('\r\n')[0]!, body });
    });
    socket.on('error', reject);
  });
}

t.test('SIGTERM to the leader under admission load: none fails, in-flight requests finish', async (t) => {
  const { replica: leader } = await waitForLeader(env);
  const standby = env.replicas.find((r) => r !== leader)!;
  const load = admissionLoad(6);
  await new Promise((r) => setTimeout(r, 2000));
  const before = load.ok();

  // In flight across the whole delay and the listener's close.
  const inFlight = slowRequest(leader, (DELAY_S + 1) * 1000);
  await new Promise((r) => setTimeout(r, 200));
  const exit = terminate(leader);
  await new Promise((r) => setTimeout(r, 500));
  t.equal(await probeStatus(`${leader.baseUrl}/readyz`, { ca: env.certs.caPem }), 503, 'not ready during the delay');
  t.equal(await probeStatus(`${leader.baseUrl}/healthz`, { ca: env.certs.caPem }), 200, 'but still serving');
  const next = await waitForLeader(env, leader, 5000);
  t.equal(next.replica, standby, 'the standby leads before the old leader has exited');

  const { code, ms } = await exit;
  t.equal(code, 0, 'exit code 0');
  t.ok(ms >= DELAY_S * 1000, `kept serving for the delay (exited after ${ms} ms)`);
  t.ok(ms < BOUND_MS, `exited within delay + bound (${ms} ms < ${BOUND_MS} ms)`);
  const answer = await inFlight;
  t.equal(answer.head, 'HTTP/1.1 200 OK', 'the in-flight request got its answer');
  t.equal(JSON.parse(answer.body).response.allowed, true, 'and was admitted');

  await new Promise((r) => setTimeout(r, 2000));
  const { ok, failures } = await load.stop();
  t.comment(
    `SIGTERM under load: ${ok} admissions through the apiserver (${ok - before} from SIGTERM on), ${failures.length} failed; exit after ${ms} ms`,
  );
  t.same(failures, [], `none of ${ok + failures.length} admissions failed`);
  t.ok(ok - before > 20, 'admissions went on through the shutdown');
  const timeline = await shutdownTimeline(leader);
  t.comment(`shutdown timeline: ${timeline}`);
  t.match(timeline, /released the Lease/);
});

/** The replica's log from "shutting down" on, as "+<ms> <message>" steps. */
async function shutdownTimeline(replica: ShipshapeProcess): Promise<string> {
  const lines = (await replica.tail(400)).split('\n').flatMap((l) => {
    try {
      return [JSON.parse(l) as { time: number; msg: string }];
    } catch {
      return [];
    }
  });
  const start = lines.findLastIndex((l) => l.msg === 'shutting down');
  if (start < 0) return '(no shutdown logged)';
  return lines
    .slice(start)
    .map((l) => `+${l.time - lines[start]!.time} ${l.msg}`)
    .join('; ');
}

t.test('SIGTERM to the leader with the apiserver stopped exits within the bound', async (t) => {
  await env.addReplica();
  const { replica: leader } = await waitForLeader(env);
  await env.cp.stopApiserver();
  t.teardown(() => env.cp.startApiserver());
  const { code, ms } = await terminate(leader);
  t.comment(`apiserver stopped: exit after ${ms} ms`);
  t.equal(code, 0, 'exit code 0');
  t.ok(ms < BOUND_MS, `exited within delay + bound (${ms} ms < ${BOUND_MS} ms)`);
  // Renewals were failing already; whether the term ended before SIGTERM or at it, the exit is clean.
  t.match(await leader.tail(200), /"msg":"stopped"/, 'a clean stop, not a kill');
  await env.cp.startApiserver();
});

t.test('SIGTERM to the leader with etcd stopped exits within the bound', async (t) => {
  await env.addReplica();
  const { replica: leader } = await waitForLeader(env, undefined, 45_000);
  await env.cp.stopEtcd();
  t.teardown(() => env.cp.startEtcd());
  const { code, ms } = await terminate(leader);
  t.comment(`etcd stopped: exit after ${ms} ms`);
  t.equal(code, 0, 'exit code 0');
  t.ok(ms < BOUND_MS, `exited within delay + bound (${ms} ms < ${BOUND_MS} ms)`);
  t.match(await leader.tail(200), /"msg":"stopped"/, 'a clean stop, not a kill');
  await env.cp.startEtcd();
});
