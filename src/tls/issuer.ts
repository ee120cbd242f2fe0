// Issues what rotation.ts decides (issue #32): the webhook's own CA and serving pairs signed by it,
// in the validity windows the decision computed (backdated; a pair never outlives its CA). Built on
// pki/certificates.ts (@peculiar/x509): ECDSA P-256 keys, as cert-manager's manifests here ask for.
import { type KeyPairPem, createCertificateAuthority, loadCertificateAuthority } from '../pki/certificates.ts';

export type IssuedPair = KeyPairPem;
export type ValidityMs = { notBefore: number; notAfter: number };

/** The subject of every CA Shipshape makes; stored-certificates.ts reads any CA, not only these. */
export const CA_COMMON_NAME = 'shipshape-webhook-ca';

const toWindow = (v: ValidityMs) => ({ notBefore: new Date(v.notBefore), notAfter: new Date(v.notAfter) });

/** The names the apiserver dials: `<service>.<namespace>.svc`, and with the cluster domain. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [`${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

/** A new CA (self-signed, path length 0) for `validity` (the `issue-ca` action's window). */
export async function issueCa(validity: ValidityMs): Promise<IssuedPair> {
  const { certPem, keyPem } = await createCertificateAuthority(CA_COMMON_NAME, toWindow(validity));
  return { certPem, keyPem };
}

/**
 * A serving pair for `dnsNames` (the first is the common name) signed by the stored CA, for
 * `validity` (the `issue-serving` action's window). Throws when the CA's PEM cannot be read.
 */
export async function issueServingPair(
  ca: KeyPairPem,
  request: ValidityMs & { dnsNames: readonly string[] },
): Promise<IssuedPair> {
  const authority = await loadCertificateAuthority(ca);
  return authority.issue({
    commonName: request.dnsNames[0] ?? 'shipshape',
    hosts: [...request.dnsNames],
    usage: 'server',
    validity: toWindow(request),
  });
}
