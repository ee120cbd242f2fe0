// cert-manager objects for the webhook's serving certificate (certs/certificates.yaml): a
// self-signed Issuer signs a CA Certificate; a CA Issuer made from it signs the serving Certificate
// for the Service's DNS names. cert-manager's cainjector copies that CA into both webhook
// configurations (their `cert-manager.io/inject-ca-from` names the serving Certificate).
import { SHIPSHAPE_NAMESPACE, WEBHOOK_SERVICE_NAME } from '../constants.ts';
import { LABELS, TLS_SECRET_NAME } from './install-names.ts';
import { CERTIFICATE_NAME } from './webhook-configurations.ts';

export const SELF_SIGNED_ISSUER = 'shipshape-selfsigned';
export const CA_NAME = 'shipshape-ca';
/** The CA lives three years and is renewed 90 days before it ends. */
export const CA_DURATION = '26280h';
export const CA_RENEW_BEFORE = '2160h';
/** The serving certificate lives 90 days and is renewed 30 days before it ends; Shipshape reloads it. */
export const SERVING_DURATION = '2160h';
export const SERVING_RENEW_BEFORE = '720h';

const CERT_MANAGER = 'cert-manager.io/v1';
const metadata = (name: string) => ({ name, namespace: SHIPSHAPE_NAMESPACE, labels: LABELS });
const privateKey = { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' };
const issuerRef = (name: string) => ({ group: 'cert-manager.io', kind: 'Issuer', name });

export const SERVICE_DNS_NAMES = [
  `${WEBHOOK_SERVICE_NAME}.${SHIPSHAPE_NAMESPACE}.svc`,
  `${WEBHOOK_SERVICE_NAME}.${SHIPSHAPE_NAMESPACE}.svc.cluster.local`,
];

export function toCertificateObjects(): Record<string, unknown>[] {
  return [
    { apiVersion: CERT_MANAGER, kind: 'Issuer', metadata: metadata(SELF_SIGNED_ISSUER), spec: { selfSigned: {} } },
    {
      apiVersion: CERT_MANAGER,
      kind: 'Certificate',
      metadata: metadata(CA_NAME),
      spec: {
        isCA: true,
        commonName: CA_NAME,
        secretName: CA_NAME,
        duration: CA_DURATION,
        renewBefore: CA_RENEW_BEFORE,
        privateKey,
        issuerRef: issuerRef(SELF_SIGNED_ISSUER),
      },
    },
    { apiVersion: CERT_MANAGER, kind: 'Issuer', metadata: metadata(CA_NAME), spec: { ca: { secretName: CA_NAME } } },
    {
      apiVersion: CERT_MANAGER,
      kind: 'Certificate',
      metadata: metadata(CERTIFICATE_NAME),
      spec: {
        secretName: TLS_SECRET_NAME,
        commonName: SERVICE_DNS_NAMES[0],
        dnsNames: SERVICE_DNS_NAMES,
        duration: SERVING_DURATION,
        renewBefore: SERVING_RENEW_BEFORE,
        privateKey,
        usages: ['server auth', 'digital signature'],
        issuerRef: issuerRef(CA_NAME),
      },
    },
  ];
}
