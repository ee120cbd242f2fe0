// The self-managed certificates' Secret as the API server stores it: a new one of cert-manager's
// type with every PEM base64-encoded under its key, a read one changed only in those keys and the
// signer-trusted annotation, what is written reading back the same, and a Secret cert-manager
// wrote reading as a pair and a bundle without a signing CA.
import t from 'tap';
import type { V1Secret } from '@kubernetes/client-node';
import {
  SECRET_KEYS,
  SIGNER_TRUSTED_ANNOTATION,
  servingPairOf,
  storedPemOf,
  toSecret,
} from '../../../src/tls/certificate-secret.ts';
import { issueCa, issueServingPair, serviceDnsNames } from '../../../src/tls/issuer.ts';
import type { StoredPem } from '../../../src/tls/stored-certificates.ts';

const HOUR = 60 * 60 * 1000;
const now = Math.floor(Date.now() / 1000) * 1000;
const ca = await issueCa({ notBefore: now - HOUR, notAfter: now + 1000 * HOUR });
const pair = await issueServingPair(ca, {
  notBefore: now - HOUR,
  notAfter: now + 100 * HOUR,
  dnsNames: serviceDnsNames('shipshape-webhook', 'shipshape-system'),
});
const fingerprint = 'AB:CD:EF:01:23';
// Not on a whole second: the annotation must keep the milliseconds.
const trustedAt = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
const full: StoredPem = {
  caCert: ca.certPem,
  caKey: ca.keyPem,
  bundle: ca.certPem,
  servingCert: pair.certPem,
  servingKey: pair.keyPem,
  signerTrusted: { fingerprint, at: trustedAt },
};
const fresh = {
  name: 'shipshape-webhook-tls',
  namespace: 'shipshape-system',
  labels: { 'app.kubernetes.io/name': 'shipshape' },
};
const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

t.test(
  'a new Secret is of type kubernetes.io/tls, named and labelled, with tls.crt and tls.key before any pair',
  async (t) => {
    const secret = toSecret(fresh, {});
    t.equal(secret.apiVersion, 'v1');
    t.equal(secret.kind, 'Secret');
    t.equal(secret.type, 'kubernetes.io/tls');
    t.equal(secret.metadata?.name, 'shipshape-webhook-tls');
    t.equal(secret.metadata?.namespace, 'shipshape-system');
    t.strictSame(secret.metadata?.labels, { 'app.kubernetes.io/name': 'shipshape' });
    t.not(secret.metadata?.labels, fresh.labels, 'the labels are a copy');
    t.equal(secret.data?.['tls.crt'], '', 'tls.crt present, empty');
    t.equal(secret.data?.['tls.key'], '', 'tls.key present, empty');
    t.notOk(secret.metadata?.annotations?.[SIGNER_TRUSTED_ANNOTATION], 'no signer-trusted record');
    t.equal(servingPairOf(secret), undefined, 'no serving pair yet');
  },
);

t.test('every PEM is base64-encoded under its key, with the signer-trusted annotation', async (t) => {
  const secret = toSecret(fresh, full);
  t.strictSame(Object.keys(secret.data ?? {}).sort(), [
    'ca-signer.crt',
    'ca-signer.key',
    'ca.crt',
    'tls.crt',
    'tls.key',
  ]);
  t.equal(secret.data?.['tls.crt'], b64(pair.certPem));
  t.equal(secret.data?.['tls.key'], b64(pair.keyPem));
  t.equal(secret.data?.['ca.crt'], b64(ca.certPem));
  t.equal(secret.data?.['ca-signer.crt'], b64(ca.certPem));
  t.equal(secret.data?.['ca-signer.key'], b64(ca.keyPem));
  t.equal(SIGNER_TRUSTED_ANNOTATION, 'shipshape.dev/signer-trusted');
  t.equal(secret.metadata?.annotations?.[SIGNER_TRUSTED_ANNOTATION], `${fingerprint} 2025-01-02T03:04:05.678Z`);
  t.strictSame(servingPairOf(secret), { cert: pair.certPem, key: pair.keyPem });
});

t.test('a read Secret keeps its other keys, labels, annotations, resourceVersion and type', async (t) => {
  const read: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: 'shipshape-webhook-tls',
      namespace: 'shipshape-system',
      resourceVersion: '4711',
      uid: 'a-uid',
      labels: { team: 'platform' },
      annotations: { 'example.com/note': 'kept', [SIGNER_TRUSTED_ANNOTATION]: `OLD:FP ${new Date(now).toISOString()}` },
    },
    data: { 'extra.txt': b64('kept'), 'tls.crt': b64('old cert'), 'ca-signer.key': b64('old key') },
  };
  const before = structuredClone(read);
  const withRecord = toSecret(read, full);
  t.equal(withRecord.type, 'Opaque');
  t.equal(withRecord.metadata?.resourceVersion, '4711', 'an update conflicts if the Secret changed since');
  t.equal(withRecord.metadata?.uid, 'a-uid');
  t.equal(withRecord.metadata?.name, 'shipshape-webhook-tls');
  t.strictSame(withRecord.metadata?.labels, { team: 'platform' });
  t.strictSame(withRecord.metadata?.annotations, {
    'example.com/note': 'kept',
    [SIGNER_TRUSTED_ANNOTATION]: `${fingerprint} 2025-01-02T03:04:05.678Z`,
  });
  t.equal(unb64(withRecord.data?.['extra.txt']), 'kept');
  t.equal(unb64(withRecord.data?.['tls.crt']), pair.certPem, 'replaced');
  t.equal(unb64(withRecord.data?.['ca-signer.key']), ca.keyPem, 'replaced');

  const withoutRecord = toSecret(read, { servingCert: pair.certPem, servingKey: pair.keyPem });
  t.strictSame(withoutRecord.metadata?.annotations, { 'example.com/note': 'kept' }, 'the record is removed');
  t.equal(withoutRecord.data?.['ca-signer.key'], '', 'a PEM no longer held is emptied');
  t.equal(unb64(withoutRecord.data?.['extra.txt']), 'kept');
  t.strictSame(read, before, 'the Secret as read is not changed');
});

t.test('what toSecret writes, storedPemOf reads back', async (t) => {
  t.strictSame(storedPemOf(toSecret(fresh, full)), full);
  t.equal(storedPemOf(toSecret(fresh, full)).signerTrusted?.at, trustedAt, 'to the millisecond');
  t.strictSame(storedPemOf(toSecret(fresh, {})), {}, 'empty keys read as absent');
  const partial: StoredPem = { caCert: ca.certPem, caKey: ca.keyPem, bundle: ca.certPem };
  t.strictSame(storedPemOf(toSecret(fresh, partial)), partial);
  const read = toSecret(fresh, full);
  t.strictSame(storedPemOf(toSecret(read, partial)), partial, 'over a read Secret too');
});

t.test('a Secret cert-manager wrote reads as a pair and a bundle, without a signing CA', async (t) => {
  const certManager: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: {
      name: 'shipshape-webhook-tls',
      namespace: 'shipshape-system',
      annotations: {
        'cert-manager.io/alt-names': 'shipshape-webhook.shipshape-system.svc',
        'cert-manager.io/certificate-name': 'shipshape-webhook',
        'cert-manager.io/common-name': 'shipshape-webhook.shipshape-system.svc',
        'cert-manager.io/issuer-kind': 'Issuer',
        'cert-manager.io/issuer-name': 'shipshape-selfsigned',
      },
    },
    data: { 'tls.crt': b64(pair.certPem), 'tls.key': b64(pair.keyPem), 'ca.crt': b64(ca.certPem) },
  };
  t.strictSame(storedPemOf(certManager), { servingCert: pair.certPem, servingKey: pair.keyPem, bundle: ca.certPem });
  t.strictSame(servingPairOf(certManager), { cert: pair.certPem, key: pair.keyPem });
});

t.test('a malformed signer-trusted annotation is ignored', async (t) => {
  const iso = new Date(trustedAt).toISOString();
  const annotated = (value: string) =>
    storedPemOf({
      metadata: { annotations: { [SIGNER_TRUSTED_ANNOTATION]: value } },
      data: { 'ca.crt': b64(ca.certPem) },
    });
  const loose = [`${fingerprint} 1`, `${fingerprint} ${iso} trailing`, `${fingerprint} ${iso.slice(0, 10)}`];
  for (const value of ['', fingerprint, `${fingerprint} `, `${fingerprint} not-a-time`, ` ${iso}`, iso, ...loose]) {
    t.strictSame(annotated(value), { bundle: ca.certPem }, JSON.stringify(value));
  }
  t.strictSame(
    annotated(`${fingerprint} ${iso}`).signerTrusted,
    { fingerprint, at: trustedAt },
    'a well-formed one is read',
  );
});

t.test('no serving pair while either half is missing or whitespace', async (t) => {
  const withData = (data: Record<string, string>): V1Secret => ({ data });
  const cert = b64(pair.certPem);
  const key = b64(pair.keyPem);
  t.equal(servingPairOf({}), undefined, 'no data');
  t.equal(servingPairOf(withData({ 'tls.key': key })), undefined, 'no tls.crt');
  t.equal(servingPairOf(withData({ 'tls.crt': cert })), undefined, 'no tls.key');
  t.equal(servingPairOf(withData({ 'tls.crt': '', 'tls.key': key })), undefined, 'empty tls.crt');
  t.equal(servingPairOf(withData({ 'tls.crt': cert, 'tls.key': '' })), undefined, 'empty tls.key');
  t.equal(servingPairOf(withData({ 'tls.crt': b64(' \n\t'), 'tls.key': key })), undefined, 'whitespace tls.crt');
  t.equal(servingPairOf(withData({ 'tls.crt': cert, 'tls.key': b64('\n \n') })), undefined, 'whitespace tls.key');
  t.strictSame(servingPairOf(withData({ [SECRET_KEYS.servingCert]: cert, [SECRET_KEYS.servingKey]: key })), {
    cert: pair.certPem,
    key: pair.keyPem,
  });
});
