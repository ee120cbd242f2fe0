// Which CA signed what each replica serves, read as the apiserver would: from the certificate a
// real TLS server on 127.0.0.1 presents for the Service's name. A CA with the same name as the
// signer but another key is not taken for it; an endpoint that refuses or never completes the
// handshake is `unknown`, and reports come back in endpoint order however long each one took.
import { X509Certificate } from 'node:crypto';
import { type AddressInfo, type Server, type Socket, createServer as createNetServer } from 'node:net';
import { createSecureContext, createServer as createTlsServer } from 'node:tls';
import t, { type Test } from 'tap';
import { issueCa, issueServingPair, serviceDnsNames } from '../../../src/tls/issuer.ts';
import { type Endpoint, probeReplicas, servedCertificate, toReport } from '../../../src/tls/replica-issuers.ts';
import { readBundle } from '../../../src/tls/stored-certificates.ts';
import type { CaCertificate } from '../../../src/tls/rotation.ts';

const HOUR = 60 * 60 * 1000;
const now = Math.floor(Date.now() / 1000) * 1000;
const dnsNames = serviceDnsNames('shipshape-webhook', 'shipshape-system');
const serverName = dnsNames[0]!;
const caWindow = { notBefore: now - HOUR, notAfter: now + 1000 * HOUR };
// Two known CAs of the same subject (every CA Shipshape makes is shipshape-webhook-ca): the issuer
// is told apart by its key, not its name.
const oldCa = await issueCa(caWindow);
const newCa = await issueCa(caWindow);
const strangerCa = await issueCa(caWindow);
const servingNotAfter = now + 100 * HOUR;
const pairOf = (ca: typeof oldCa, names = dnsNames) =>
  issueServingPair(ca, { notBefore: now - HOUR, notAfter: servingNotAfter, dnsNames: names });
const newPair = await pairOf(newCa);
const strangerPair = await pairOf(strangerCa);
const defaultPair = await pairOf(oldCa, ['default.invalid']);

const caOf = (pem: string): CaCertificate => {
  const read = readBundle(pem);
  if (!Array.isArray(read)) throw new Error(`not a CA: ${read}`);
  return read[0]!;
};
const known = [caOf(oldCa.certPem), caOf(newCa.certPem)];
const fingerprintOf = (pem: string) => new X509Certificate(pem).fingerprint256;

/** Listens on 127.0.0.1 on a free port, closed (with its open connections) in teardown. */
async function listen(t: Test, server: Server, name: string): Promise<Endpoint> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { name, host: '127.0.0.1', port: (server.address() as AddressInfo).port };
}

/** Serves `pair` to a client asking for the Service's name, another certificate otherwise. */
const tlsServer = (t: Test, pair: typeof newPair, name: string) =>
  listen(
    t,
    createTlsServer({
      cert: defaultPair.certPem,
      key: defaultPair.keyPem,
      SNICallback: (servername, cb) =>
        cb(null, servername === serverName ? createSecureContext({ cert: pair.certPem, key: pair.keyPem }) : undefined),
    }),
    name,
  );

/** Accepts connections and never says a word. */
const silentServer = (t: Test, name: string) => listen(t, createNetServer(), name);

/** A port nothing listens on: one that was free a moment ago. */
async function closedPort(name: string): Promise<Endpoint> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { name, host: '127.0.0.1', port };
}

t.test('toReport names the known CA that signed the pair, and when the pair ends', async (t) => {
  const served = new X509Certificate(newPair.certPem);
  t.strictSame(toReport('r0', served, known), {
    name: 'r0',
    issuer: fingerprintOf(newCa.certPem),
    notAfter: servingNotAfter,
  });
  t.not(fingerprintOf(newCa.certPem), fingerprintOf(oldCa.certPem));
  t.equal(
    toReport('r0', new X509Certificate((await pairOf(oldCa)).certPem), known).issuer,
    fingerprintOf(oldCa.certPem),
  );
  t.strictSame(toReport('r1', new X509Certificate(strangerPair.certPem), known), {
    name: 'r1',
    issuer: 'none',
    notAfter: servingNotAfter,
  });
  t.equal(toReport('r2', served, []).issuer, 'none', 'no CA known');
});

t.test('servedCertificate reads what a TLS server presents for the server name', async (t) => {
  const endpoint = await tlsServer(t, newPair, 'r0');
  const served = await servedCertificate(endpoint, serverName, 2000);
  t.equal(served.fingerprint256, fingerprintOf(newPair.certPem), 'the pair for the Service name');
  t.ok(served.verify(new X509Certificate(newCa.certPem).publicKey), 'signed by the new CA');
  const other = await servedCertificate(endpoint, 'elsewhere.invalid', 2000);
  t.equal(other.fingerprint256, fingerprintOf(defaultPair.certPem), 'another name, another certificate');
});

t.test('servedCertificate rejects for a closed port', async (t) => {
  const endpoint = await closedPort('gone');
  await t.rejects(servedCertificate(endpoint, serverName, 2000), { code: 'ECONNREFUSED' });
});

t.test('servedCertificate rejects after the timeout when the handshake never completes', async (t) => {
  const endpoint = await silentServer(t, 'mute');
  const started = performance.now();
  await t.rejects(servedCertificate(endpoint, serverName, 300), { message: 'no TLS handshake within 300 ms' });
  const elapsed = performance.now() - started;
  t.ok(elapsed >= 250, `not before the timeout (${Math.round(elapsed)} ms)`);
  t.ok(elapsed < 2000, `soon after it (${Math.round(elapsed)} ms)`);
});

t.test(
  'probeReplicas: unknown for an endpoint that does not answer, the issuer for one that does, in order',
  async (t) => {
    const endpoints = [
      await silentServer(t, 'shipshape-0'),
      await tlsServer(t, newPair, 'shipshape-1'),
      await closedPort('shipshape-2'),
      await tlsServer(t, strangerPair, 'shipshape-3'),
    ];
    t.strictSame(await probeReplicas(endpoints, serverName, known, 300), [
      { name: 'shipshape-0', issuer: 'unknown' },
      { name: 'shipshape-1', issuer: fingerprintOf(newCa.certPem), notAfter: servingNotAfter },
      { name: 'shipshape-2', issuer: 'unknown' },
      { name: 'shipshape-3', issuer: 'none', notAfter: servingNotAfter },
    ]);
    t.strictSame(await probeReplicas([], serverName, known, 300), [], 'no endpoints, no reports');
  },
);
