// The issuer and the reading of what it stored: a serving pair verifies against its CA (as the
// apiserver will check it), names the Service, lasts the window decided (backdated); and the
// rotation decisions, run on real certificates read back from PEM, converge from nothing.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import t from 'tap';
import { CA_COMMON_NAME, issueCa, issueServingPair, serviceDnsNames } from '../../../src/tls/issuer.ts';
import { decideRotation } from '../../../src/tls/rotation.ts';
import { DEFAULT_ROTATION_SETTINGS as S } from '../../../src/tls/rotation-settings.ts';
import { type StoredPem, readBundle, readStoredCertificates } from '../../../src/tls/stored-certificates.ts';

const now = Math.floor(Date.now() / 1000) * 1000;
const dnsNames = serviceDnsNames('shipshape-webhook', 'shipshape-system');
const ca = await issueCa({ notBefore: now - S.backdateMs, notAfter: now + S.caLifetimeMs });
const window = { notBefore: now - S.backdateMs, notAfter: now + S.servingLifetimeMs };
const pair = await issueServingPair(ca, { ...window, dnsNames });

t.test('the pair verifies against the CA, names the Service and lasts the window', async (t) => {
  const caCert = new X509Certificate(ca.certPem);
  const leaf = new X509Certificate(pair.certPem);
  t.ok(caCert.ca, 'the CA is a CA');
  t.match(caCert.subject, CA_COMMON_NAME);
  t.ok(leaf.checkIssued(caCert) && leaf.verify(caCert.publicKey), 'signed by the CA');
  t.notOk(leaf.ca, 'the pair is not a CA');
  t.ok(leaf.checkPrivateKey(createPrivateKey(pair.keyPem)), 'its key matches');
  t.equal(
    leaf.subjectAltName,
    'DNS:shipshape-webhook.shipshape-system.svc, DNS:shipshape-webhook.shipshape-system.svc.cluster.local',
  );
  t.equal(leaf.validFromDate.getTime(), now - S.backdateMs, 'backdated');
  t.equal(leaf.validToDate.getTime(), now + S.servingLifetimeMs);
  t.equal(caCert.validFromDate.getTime(), now - S.backdateMs);
  t.equal(caCert.validToDate.getTime(), now + S.caLifetimeMs);
  const other = await issueCa({ notBefore: now, notAfter: now + S.caLifetimeMs });
  t.notOk(leaf.verify(new X509Certificate(other.certPem).publicKey), 'another CA does not verify it');
});

t.test('what is stored reads back, or says what is wrong with it', async (t) => {
  const stored = readStoredCertificates({
    caCert: ca.certPem,
    caKey: ca.keyPem,
    bundle: ca.certPem,
    servingCert: pair.certPem,
    servingKey: pair.keyPem,
  });
  const fingerprint = new X509Certificate(ca.certPem).fingerprint256;
  t.match(stored, { ca: { fingerprint, notAfter: now + S.caLifetimeMs }, bundle: [{ fingerprint }] });
  t.match(stored.serving, { issuer: fingerprint, dnsNames, notBefore: now - S.backdateMs });
  const other = await issueCa({ notBefore: now, notAfter: now + S.caLifetimeMs });
  t.equal(readStoredCertificates({ servingCert: pair.certPem, servingKey: other.keyPem }).serving, 'key-mismatch');
  t.equal(readStoredCertificates({ caCert: ca.certPem, caKey: other.keyPem }).ca, 'corrupt', 'a CA key of another');
  t.equal(readStoredCertificates({ caCert: 'garbage', caKey: ca.keyPem }).ca, 'corrupt');
  t.equal(readStoredCertificates({ caCert: pair.certPem, caKey: pair.keyPem }).ca, 'corrupt', 'not a CA');
  t.equal(readStoredCertificates({ servingCert: 'x' }).serving, 'corrupt');
  t.match(readStoredCertificates({ servingCert: pair.certPem, servingKey: pair.keyPem }).serving, {
    issuer: undefined,
  });
  const known = readBundle(ca.certPem);
  t.match(readStoredCertificates({ servingCert: pair.certPem, servingKey: pair.keyPem }, known as []).serving, {
    issuer: fingerprint,
  });
  t.equal(readBundle('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'), 'corrupt');
  t.equal(readBundle(pair.certPem), 'corrupt', 'a bundle of a leaf');
  t.equal(readBundle(''), 'absent');
});

t.test('decisions on real certificates converge from nothing', async (t) => {
  const pem: StoredPem = {};
  let injected = '';
  const seen: string[] = [];
  for (let i = 0; i < 8; i++) {
    const secret = readStoredCertificates(pem);
    const bundle = readBundle(injected);
    const { action } = decideRotation({
      now,
      settings: S,
      dnsNames,
      state: {
        secret: Object.keys(pem).length ? secret : 'absent',
        injected: [{ target: 'shipshape-defaults', bundle }],
        replicas: [{ name: 'r0', issuer: 'none' }],
      },
    });
    if (!action) break;
    seen.push(action.type);
    if (action.type === 'issue-ca') {
      const made = await issueCa(action);
      Object.assign(pem, { caCert: made.certPem, caKey: made.keyPem });
      pem.bundle = [...action.keep.map((c) => c.pem), made.certPem].join('');
    } else if (action.type === 'inject') injected = action.bundle.map((c) => c.pem).join('');
    else if (action.type === 'write-bundle') pem.bundle = action.bundle.map((c) => c.pem).join('');
    else if (action.type === 'record-signer-trusted') pem.signerTrusted = action.signerTrusted;
    else {
      const made = await issueServingPair({ certPem: pem.caCert!, keyPem: pem.caKey! }, action);
      Object.assign(pem, { servingCert: made.certPem, servingKey: made.keyPem });
    }
  }
  t.strictSame(seen, ['issue-ca', 'inject', 'record-signer-trusted', 'issue-serving']);
  const leaf = new X509Certificate(pem.servingCert!);
  t.ok(leaf.verify(new X509Certificate(injected).publicKey), 'the injected bundle verifies the stored pair');
});
