// Reading X.509 certificates for their health: validity, when renewal is due, and whether a CA
// bundle (a webhook configuration's caBundle) verifies a served chain. node:crypto's
// X509Certificate does the parsing and signature checks; there is no chain builder in Node's API,
// so verifiesChain walks issuer links itself (leaf, then any intermediates served with it, up to an
// anchor of the bundle), which is all a caBundle check needs.
import { X509Certificate } from 'node:crypto';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The PEM certificate blocks of a text, in order. */
export function pemBlocks(pem: string): string[] {
  return pem.match(PEM_BLOCK) ?? [];
}

/** Every certificate of a PEM text, in order (a served file: the leaf first). Throws on bad PEM. */
export function parseCertificates(pem: string): X509Certificate[] {
  return pemBlocks(pem).map((block) => new X509Certificate(block));
}

export type Validity = { subject: string; serialNumber: string; notBefore: Date; notAfter: Date };

export function toValidity(cert: X509Certificate): Validity {
  return {
    subject: cert.subject,
    serialNumber: cert.serialNumber,
    notBefore: cert.validFromDate,
    notAfter: cert.validToDate,
  };
}

/**
 * When renewal is due: `renewBeforeMs` before expiry when given (cert-manager's renewBefore), else
 * when a third of the validity is left (cert-manager's default).
 */
export function renewalDueAt(validity: Validity, renewBeforeMs?: number): Date {
  const { notBefore, notAfter } = validity;
  const before = renewBeforeMs ?? (notAfter.getTime() - notBefore.getTime()) / 3;
  return new Date(notAfter.getTime() - before);
}

export type ChainVerdict = { verified: true } | { verified: false; reason: string };

/**
 * Whether `bundle` (PEM anchors) verifies `chain` (leaf first, then intermediates) at `now`: every
 * link is signed by the next and valid at `now`, ending at a certificate of the bundle. A chain
 * whose leaf is itself in the bundle verifies too (a self-signed dev pair).
 */
export function verifiesChain(chain: X509Certificate[], bundle: X509Certificate[], now: Date): ChainVerdict {
  const leaf = chain[0];
  if (!leaf) return { verified: false, reason: 'no certificate is served' };
  if (!bundle.length) return { verified: false, reason: 'the caBundle is empty' };
  const valid = (c: X509Certificate) => c.validFromDate <= now && now <= c.validToDate;
  const issuedBy = (child: X509Certificate, parent: X509Certificate) =>
    child.checkIssued(parent) && child.verify(parent.publicKey);
  let current = leaf;
  const seen = new Set<X509Certificate>();
  for (;;) {
    if (!valid(current)) return { verified: false, reason: `${current.subject} is not valid now` };
    if (bundle.some((b) => b.fingerprint256 === current.fingerprint256)) return { verified: true };
    const anchor = bundle.find((b) => issuedBy(current, b));
    if (anchor) {
      if (!valid(anchor)) return { verified: false, reason: `the caBundle's ${anchor.subject} is not valid now` };
      return { verified: true };
    }
    const next = chain.find((c) => !seen.has(c) && c !== current && issuedBy(current, c));
    if (!next) return { verified: false, reason: `no certificate of the caBundle signed ${current.subject}` };
    seen.add(current);
    current = next;
  }
}
