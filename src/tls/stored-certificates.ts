// Reads what rotation.ts decides on from PEM as stored (issue #32): a CA with its key, a bundle of
// CAs, a serving pair; each as its fingerprint and validity, or the word for what is wrong with it
// (absent, corrupt, key-mismatch). node:crypto parses and verifies; nothing here signs.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { parseCertificates } from './certificate-chain.ts';
import type { CaCertificate, ServingPair, StoredCertificates } from './rotation.ts';

export type StoredPem = {
  caCert?: string;
  caKey?: string;
  bundle?: string;
  servingCert?: string;
  servingKey?: string;
  signerTrusted?: StoredCertificates['signerTrusted'];
};

const toCa = (cert: X509Certificate): CaCertificate => ({
  fingerprint: cert.fingerprint256,
  notBefore: cert.validFromDate.getTime(),
  notAfter: cert.validToDate.getTime(),
  pem: cert.toString(),
});

/** Every certificate of a caBundle (PEM), or 'corrupt' when one cannot be parsed or none is there. */
export function readBundle(pem: string | undefined): CaCertificate[] | 'corrupt' | 'absent' {
  if (!pem?.trim()) return 'absent';
  try {
    const cas = parseCertificates(pem);
    return cas.length && cas.every((c) => c.ca) ? cas.map(toCa) : 'corrupt';
  } catch {
    return 'corrupt';
  }
}

const keyMatches = (cert: X509Certificate, keyPem: string) => {
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
};

/** The fingerprint of the CA of `cas` that signed `leaf`, if any. */
export function issuerOf(leaf: X509Certificate, cas: readonly CaCertificate[]): string | undefined {
  return cas.find((ca) => {
    const cert = new X509Certificate(ca.pem);
    return leaf.checkIssued(cert) && leaf.verify(cert.publicKey);
  })?.fingerprint;
}

/** The DNS names of a certificate's subjectAltName. */
export const dnsNamesOf = (cert: X509Certificate): string[] =>
  (cert.subjectAltName ?? '')
    .split(', ')
    .filter((n) => n.startsWith('DNS:'))
    .map((n) => n.slice(4));

/**
 * The Secret's certificates as rotation.ts reads them; `known` are CAs seen elsewhere (the
 * caBundles), so the issuer of a pair signed by a CA the Secret lost is still named.
 */
export function readStoredCertificates(pem: StoredPem, known: readonly CaCertificate[] = []): StoredCertificates {
  let ca: StoredCertificates['ca'] = 'absent';
  if (pem.caCert?.trim() || pem.caKey?.trim()) {
    const [cert] = safeParse(pem.caCert);
    ca = cert?.ca && pem.caKey && keyMatches(cert, pem.caKey) ? toCa(cert) : 'corrupt';
  }
  const read = readBundle(pem.bundle);
  const bundle = read === 'absent' ? [] : read;
  let serving: StoredCertificates['serving'] = 'absent';
  if (pem.servingCert?.trim() || pem.servingKey?.trim()) {
    const [leaf] = safeParse(pem.servingCert);
    if (!leaf || leaf.ca) serving = 'corrupt';
    else if (!pem.servingKey || !keyMatches(leaf, pem.servingKey)) serving = 'key-mismatch';
    else
      serving = toServing(leaf, [
        ...(typeof ca === 'object' ? [ca] : []),
        ...(typeof bundle === 'object' ? bundle : []),
        ...known,
      ]);
  }
  return { ca, bundle, serving, signerTrusted: pem.signerTrusted };
}

function toServing(leaf: X509Certificate, cas: readonly CaCertificate[]): ServingPair {
  return {
    fingerprint: leaf.fingerprint256,
    notBefore: leaf.validFromDate.getTime(),
    notAfter: leaf.validToDate.getTime(),
    issuer: issuerOf(leaf, cas),
    dnsNames: dnsNamesOf(leaf),
  };
}

function safeParse(pem: string | undefined): X509Certificate[] {
  try {
    return pem ? parseCertificates(pem) : [];
  } catch {
    return [];
  }
}
