// The layout of the self-managed certificates' Secret (issue #32): one Secret, of cert-manager's
// type and keys where they mean the same (tls.crt, tls.key, ca.crt: the trust bundle), plus the
// signing CA's pair and the signer-trusted record rotation.ts depends on. One Secret keeps the
// RBAC to one name, and a Secret written by cert-manager under the same name reads as a pair
// without a signing CA: moving from cert-manager to self-managed starts with a CA rotation that
// keeps cert-manager's CA trusted until no replica serves its pair.
import type { V1ObjectMeta, V1Secret } from '@kubernetes/client-node';
import { API_GROUP } from '../constants.ts';
import type { SignerTrusted } from './rotation.ts';
import type { StoredPem } from './stored-certificates.ts';

export const SECRET_KEYS = {
  servingCert: 'tls.crt',
  servingKey: 'tls.key',
  bundle: 'ca.crt',
  caCert: 'ca-signer.crt',
  caKey: 'ca-signer.key',
} as const;

/** When the leader first saw the signing CA in every caBundle: `<fingerprint> <ISO time>`. */
export const SIGNER_TRUSTED_ANNOTATION = `${API_GROUP}/signer-trusted`;

type PemKey = keyof typeof SECRET_KEYS;
type NewSecret = { name: string; namespace: string; labels: Record<string, string> };

const decode = (value: string | undefined) => (value ? Buffer.from(value, 'base64').toString('utf8') : undefined);

/** As toSecret writes it, else undefined (a hand edit): the signer is then trusted anew. */
function parseSignerTrusted(value: string | undefined): SignerTrusted | undefined {
  const match = /^(\S+) (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)$/.exec(value ?? '');
  const at = match ? Date.parse(match[2]!) : NaN;
  return match && Number.isFinite(at) ? { fingerprint: match[1]!, at } : undefined;
}

/** What rotation.ts reads from the Secret (stored-certificates.ts parses the PEM). */
export function storedPemOf(secret: V1Secret): StoredPem {
  const pem: StoredPem = {};
  for (const [field, key] of Object.entries(SECRET_KEYS) as [PemKey, string][]) {
    const value = decode(secret.data?.[key]);
    if (value !== undefined) pem[field] = value;
  }
  const signerTrusted = parseSignerTrusted(secret.metadata?.annotations?.[SIGNER_TRUSTED_ANNOTATION]);
  return { ...pem, ...(signerTrusted && { signerTrusted }) };
}

/** The serving pair as stored, or undefined while either half is missing or empty. */
export function servingPairOf(secret: V1Secret): { cert: string; key: string } | undefined {
  const cert = decode(secret.data?.[SECRET_KEYS.servingCert]);
  const key = decode(secret.data?.[SECRET_KEYS.servingKey]);
  return cert?.trim() && key?.trim() ? { cert, key } : undefined;
}

/**
 * `base` (the Secret as read, or a new one named `name`) holding `pem`. Type kubernetes.io/tls, as
 * cert-manager writes it: its tls.crt and tls.key must exist, so they are written empty until the
 * first pair is issued. Other keys, labels and annotations of `base` are kept.
 */
export function toSecret(base: V1Secret | NewSecret, pem: StoredPem): V1Secret {
  const fresh = 'name' in base ? base : undefined;
  const read = 'name' in base ? undefined : base;
  const metadata: V1ObjectMeta = read?.metadata ?? {
    name: fresh?.name,
    namespace: fresh?.namespace,
    labels: { ...fresh?.labels },
  };
  const data: Record<string, string> = { ...read?.data };
  for (const [field, key] of Object.entries(SECRET_KEYS) as [PemKey, string][]) {
    data[key] = Buffer.from(pem[field] ?? '').toString('base64');
  }
  const annotations = { ...metadata.annotations };
  if (pem.signerTrusted) {
    const { fingerprint, at } = pem.signerTrusted;
    annotations[SIGNER_TRUSTED_ANNOTATION] = `${fingerprint} ${new Date(at).toISOString()}`;
  } else delete annotations[SIGNER_TRUSTED_ANNOTATION];
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: read?.type ?? 'kubernetes.io/tls',
    metadata: { ...metadata, annotations },
    data,
  };
}
