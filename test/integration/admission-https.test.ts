// The HTTPS port of a real Shipshape process: malformed bodies over TLS, and certificate rotation
// while requests flow (plain file writes, and the symlink swap of a Secret volume).
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Agent, request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import t from 'tap';
import { VALIDATE_PATH } from '../../src/constants.ts';
import { startDevEnvironment } from '../../src/dev/dev-environment.ts';
import { admissionReview, minimalWebApp } from '../helpers/server.ts';

const env = await startDevEnvironment();
t.teardown(() => env.stop());
const shipshape = env.replicas[0]!;

type Answer = { status: number; body: string; serial: string };

function post(body: string | Buffer, agent?: Agent, path = VALIDATE_PATH): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${shipshape.baseUrl}${path}`,
      { method: 'POST', ca: env.certs.caPem, agent: agent ?? false, headers: { 'content-type': 'application/json' } },
      (res) => {
        const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber;
        let data = '';
        res.on('data', (d) => (data += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data, serial }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

t.test('malformed bodies over TLS get AdmissionReview denials and the server stays up', async (t) => {
  const bodies: [string, string | Buffer, number][] = [
    ['empty', '', 400],
    ['not JSON', '{{{', 400],
    ['wrong apiVersion', JSON.stringify({ ...admissionReview(minimalWebApp()), apiVersion: 'v1' }), 400],
    ['wrong kind', JSON.stringify({ ...admissionReview(minimalWebApp()), kind: 'Pod' }), 400],
    ['missing request', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), 400],
    ['10 MB', Buffer.alloc(10 * 1024 * 1024, 'x'), 413],
  ];
  for (const [what, body, code] of bodies) {
    const answer = await post(body);
    t.equal(answer.status, 200, `${what}: HTTP 200`);
    const review = JSON.parse(answer.body);
    t.equal(review.kind, 'AdmissionReview', `${what}: an AdmissionReview`);
    t.equal(review.response.allowed, false, `${what}: not allowed`);
    t.equal(review.response.status.code, code, `${what}: code ${code}`);
    t.match(review.response.status.message, /^ADM_[A-Z_]+: /, `${what}: a coded message`);
  }
  t.ok(shipshape.isRunning(), 'the process is still running');
  const ok = JSON.parse((await post(JSON.stringify(admissionReview(minimalWebApp())))).body);
  t.equal(ok.response.allowed, true, 'and still admits');
});

t.test('rotating the certificate while requests flow fails none of them', async (t) => {
  const before = (await post(JSON.stringify(admissionReview(minimalWebApp())))).serial;
  const keepAlive = new Agent({ keepAlive: true, maxSockets: 4, ca: env.certs.caPem });
  t.teardown(() => keepAlive.destroy());
  const body = JSON.stringify(admissionReview(minimalWebApp()));
  let stop = false;
  const failures: unknown[] = [];
  const serials = new Set<string>();
  let completed = 0;
  const worker = async (agent?: Agent) => {
    while (!stop) {
      try {
        const answer = await post(body, agent);
        if (answer.status !== 200 || !JSON.parse(answer.body).response.allowed) failures.push(answer);
        serials.add(answer.serial);
        completed++;
      } catch (err) {
        failures.push(err);
      }
    }
  };
  const workers = [worker(keepAlive), worker(keepAlive), worker(), worker()];

  const writeAtomically = async (path: string, content: string) => {
    await writeFile(`${path}.tmp`, content);
    await rename(`${path}.tmp`, path);
  };
  let last = before;
  for (let i = 0; i < 3; i++) {
    const next = await env.certs.ca.issue({ commonName: `rotated-${i}`, hosts: ['127.0.0.1'], usage: 'server' });
    await writeAtomically(env.certs.keyFile, next.keyPem);
    await writeAtomically(env.certs.certFile, next.certPem);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && last === (await post(body)).serial) await new Promise((r) => setTimeout(r, 100));
    const now = (await post(body)).serial;
    t.not(now, last, `rotation ${i + 1}: new connections get the new certificate`);
    last = now;
  }

  // A broken pair (a key that does not match the certificate) keeps the current one.
  const stray = await env.certs.ca.issue({ commonName: 'stray', hosts: ['127.0.0.1'], usage: 'server' });
  const other = await env.certs.ca.issue({ commonName: 'other', hosts: ['127.0.0.1'], usage: 'server' });
  await writeAtomically(env.certs.certFile, stray.certPem);
  await writeAtomically(env.certs.keyFile, other.keyPem);
  await new Promise((r) => setTimeout(r, 2500));
  t.equal((await post(body)).serial, last, 'a mismatched pair is not served');

  stop = true;
  await Promise.all(workers);
  t.same(failures, [], `none of ${completed} requests failed`);
  t.ok(completed > 50, `requests flowed throughout (${completed})`);
  t.ok(serials.size >= 4, `requests saw ${serials.size} certificates`);
  t.match(
    await shipshape.tail(200),
    /new certificate is not usable; keeping the current certificate/,
    'the bad pair is logged',
  );
});

t.test('Secret-volume swaps (..data onto a new timestamped folder) under sustained load fail none', async (t) => {
  // kubelet's AtomicWriter layout: tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>/, and an
  // update writes a new timestamped folder, points ..data_tmp at it, renames that onto ..data and
  // removes the old folder.
  const dir = dirname(env.certs.certFile);
  let generation = 0;
  let current = '';
  const publish = async (pair: { certPem: string; keyPem: string }) => {
    const folder = `..2026_12_01_00_00_00.${String(++generation).padStart(9, '0')}`;
    await mkdir(join(dir, folder), { mode: 0o700 });
    await writeFile(join(dir, folder, 'tls.crt'), pair.certPem);
    await writeFile(join(dir, folder, 'tls.key'), pair.keyPem, { mode: 0o600 });
    await writeFile(join(dir, folder, 'ca.crt'), env.certs.caPem);
    await symlink(folder, join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    if (current) await rm(join(dir, current), { recursive: true });
    current = folder;
  };
  const issue = (name: string) => env.certs.ca.issue({ commonName: name, hosts: ['127.0.0.1'], usage: 'server' });
  const before = (await post(JSON.stringify(admissionReview(minimalWebApp())))).serial;
  const first = await issue('volume-0');
  await publish(first);
  // The plain files become the volume's symlinks (each swapped in atomically).
  for (const file of [env.certs.keyFile, env.certs.certFile]) {
    await symlink(join('..data', basename(file)), `${file}.link`);
    await rename(`${file}.link`, file);
  }

  const body = JSON.stringify(admissionReview(minimalWebApp()));
  const keepAlive = new Agent({ keepAlive: true, maxSockets: 4, ca: env.certs.caPem });
  t.teardown(() => keepAlive.destroy());
  let stop = false;
  const failures: unknown[] = [];
  let completed = 0;
  const worker = async (agent?: Agent) => {
    while (!stop) {
      try {
        const answer = await post(body, agent);
        if (answer.status !== 200 || !JSON.parse(answer.body).response.allowed) failures.push(answer);
        completed++;
      } catch (err) {
        failures.push(err);
      }
    }
  };
  // Four kept-alive connections and four that handshake on every request.
  const workers = [...Array(4)].flatMap(() => [worker(keepAlive), worker()]);
  const served = async () => (await post(body)).serial;
  const servedSoon = async (unlike: string) => {
    const deadline = Date.now() + 10_000;
    let now = await served();
    while (now === unlike && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      now = await served();
    }
    return now;
  };
  const serial = (pem: string) => new X509Certificate(pem).serialNumber;

  const started = Date.now();
  let last = await servedSoon(before);
  t.equal(last, serial(first.certPem), 'serving from the volume');
  for (let i = 1; i <= 4; i++) {
    const next = await issue(`volume-${i}`);
    await publish(next);
    const now = await servedSoon(last);
    t.equal(now, serial(next.certPem), `swap ${i}: new connections get the new certificate`);
    last = now;
  }

  // An invalid pair through the same swap (a key of another certificate) keeps the current one.
  const stray = await issue('stray');
  const other = await issue('other');
  await publish({ certPem: stray.certPem, keyPem: other.keyPem });
  await new Promise((r) => setTimeout(r, 2500));
  t.equal(await served(), last, 'an invalid pair is not served');
  // The next good one is.
  const good = await issue('volume-after-bad');
  await publish(good);
  t.equal(await servedSoon(last), serial(good.certPem), 'the next valid pair is served');
  await new Promise((r) => setTimeout(r, 1000));

  stop = true;
  await Promise.all(workers);
  const seconds = (Date.now() - started) / 1000;
  t.comment(`${completed} requests in ${seconds.toFixed(1)} s over 6 swaps, ${failures.length} failed`);
  t.same(failures, [], `none of ${completed} requests failed`);
  t.ok(completed > 200, `requests flowed throughout (${completed})`);
  t.match(await shipshape.tail(300), /new certificate is not usable; keeping the current certificate/);
});
