// Slow and idle clients against a real Shipshape process: TCP connections that never start TLS,
// TLS connections that never send a request, headers and bodies dribbled a byte at a time, a body
// that stops halfway, and hundreds of idle connections at once. The server keeps answering the
// apiserver meanwhile, cuts each of them off within --request-timeout-seconds (plus the 1 s
// connection check), and stays up.
import { readdir } from 'node:fs/promises';
import { type Socket, connect as tcpConnect } from 'node:net';
import { request } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import t from 'tap';
import { VALIDATE_PATH, WEBHOOK_TIMEOUT_SECONDS } from '../../src/constants.ts';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { eventually } from '../helpers/eventually.ts';
import { admissionReview, minimalWebApp } from '../helpers/server.ts';

const TIMEOUT_S = 3;
/** The timeout, Node's connection check (every second) and slack for a loaded 2-core machine. */
const BOUND_MS = (TIMEOUT_S + 1 + 3) * 1000;
const IDLE_CONNECTIONS = 200;

const env = await startDevEnvironment({ nodes: 0, env: { SHIPSHAPE_REQUEST_TIMEOUT_SECONDS: String(TIMEOUT_S) } });
t.teardown(() => env.stop());
const shipshape = env.replicas[0]!;
const { port } = shipshape;

type Slow = { name: string; socket: Socket; opened: number; closed: Promise<number> };

/** Opens a connection and resolves `closed` with the ms until the server ended it (Infinity: never). */
function open(name: string, tls: boolean, start: (s: Socket) => void, dripMs?: number, drip?: string): Slow {
  const opened = Date.now();
  const socket: Socket = tls
    ? tlsConnect({ port, host: '127.0.0.1', ca: env.certs.caPem, servername: 'localhost' }, () => start(socket))
    : tcpConnect(port, '127.0.0.1', () => start(socket));
  socket.on('error', () => {});
  socket.resume();
  let i = 0;
  const timer = drip
    ? setInterval(() => {
        if (socket.writable) socket.write(drip[i++ % drip.length]!);
      }, dripMs)
    : undefined;
  const closed = new Promise<number>((resolve) => {
    const giveUp = setTimeout(() => {
      resolve(Infinity);
      socket.destroy();
    }, BOUND_MS + 10_000);
    socket.once('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve(Date.now() - opened);
    });
  });
  return { name, socket, opened, closed };
}

function admit(): Promise<{ ms: number; allowed: boolean }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const r = request(
      `${shipshape.baseUrl}${VALIDATE_PATH}`,
      { method: 'POST', ca: env.certs.caPem, agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ ms: Date.now() - started, allowed: JSON.parse(body).response.allowed }));
      },
    );
    r.on('error', reject);
    r.end(JSON.stringify(admissionReview(minimalWebApp())));
  });
}

const headers = (length: number) =>
  `POST ${VALIDATE_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
const review = JSON.stringify(admissionReview(minimalWebApp()));

t.test('slow and idle clients are cut off while the apiserver is still answered', async (t) => {
  const fds = async () => (await readdir(`/proc/${shipshape.pid}/fd`)).length;
  const fdsBefore = await fds();
  const slow: Slow[] = [
    open('TCP, never starts TLS', false, () => {}),
    open('TLS, never sends a request', true, () => {}),
    // Each byte resets no timer: the deadline is for the whole request.
    open(
      'headers, a byte every 500 ms',
      true,
      () => {},
      500,
      `POST ${VALIDATE_PATH} HTTP/1.1\r\nX-Slow: ${'a'.repeat(500)}`,
    ),
    open('body, a byte every 500 ms', true, (s) => s.write(headers(100_000)), 500, ' '),
    open('half a body, then nothing', true, (s) =>
      s.write(headers(review.length) + review.slice(0, review.length / 2)),
    ),
  ];
  const idle: Slow[] = [];
  for (let i = 0; i < IDLE_CONNECTIONS; i++) {
    idle.push(open(`idle ${i}`, i % 2 === 0, () => {}));
  }
  // While they are all held open, an AdmissionReview is answered within the webhook's timeout.
  const answers = [];
  for (let i = 0; i < 5; i++) answers.push(await admit());
  t.ok(
    answers.every((a) => a.allowed),
    'the apiserver is answered meanwhile',
  );
  const slowest = Math.max(...answers.map((a) => a.ms));
  t.ok(
    slowest < WEBHOOK_TIMEOUT_SECONDS * 1000,
    `slowest answer ${slowest} ms, within the ${WEBHOOK_TIMEOUT_SECONDS} s webhook timeout`,
  );

  const fdsHeld = await fds();
  for (const s of slow) {
    const ms = await s.closed;
    t.ok(ms <= BOUND_MS, `${s.name}: cut off after ${ms} ms (bound ${BOUND_MS})`);
    t.ok(ms >= TIMEOUT_S * 1000 - 200, `${s.name}: not before the ${TIMEOUT_S} s timeout`);
  }
  const idleMs = await Promise.all(idle.map((s) => s.closed));
  const late = idleMs.filter((ms) => ms > BOUND_MS);
  t.same(
    late,
    [],
    `all ${IDLE_CONNECTIONS} idle connections cut off within ${BOUND_MS} ms (slowest ${Math.max(...idleMs)})`,
  );
  // A few descriptors of the kubeconfig client may come and go meanwhile.
  const fdsAfter = await eventually('the sockets are released', async () => (await fds()) <= fdsBefore + 5 && fds());
  t.comment(`server file descriptors: ${fdsBefore} before, ${fdsHeld} while held, ${fdsAfter} after`);
  t.ok(shipshape.isRunning(), 'the process is still running');
  t.ok((await admit()).allowed, 'and still admits');
});
