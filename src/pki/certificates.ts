// A small certificate authority: for local control planes, test servers and the dev loop, and, in
// a cluster without cert-manager, for the webhook's own CA and serving pairs (tls/issuer.ts, #32).
// Node's crypto verifies certificates but cannot make them, hence @peculiar/x509 (a kept library).
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

export type KeyPairPem = { certPem: string; keyPem: string };

export type CertificateAuthority = KeyPairPem & {
  /** Issues a leaf certificate signed by this CA. */
  issue(options: LeafOptions): Promise<KeyPairPem>;
};

export type LeafOptions = {
  commonName: string;
  /** Subject organizations; Kubernetes reads these as the client's groups. */
  organizations?: string[];
  /** DNS names and IP addresses for the subjectAltName extension. */
  hosts?: string[];
  usage: 'server' | 'client' | 'server-and-client';
  validDays?: number;
  /** An explicit validity, instead of from a minute ago for `validDays`. */
  validity?: ValidityWindow;
};

export type ValidityWindow = { notBefore: Date; notAfter: Date };

const window = (validDays: number): ValidityWindow => ({
  notBefore: new Date(Date.now() - 60_000),
  notAfter: new Date(Date.now() + validDays * DAY_MS),
});

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function toKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

function toName(commonName: string, organizations: string[] = []): string {
  const escapeRdn = (v: string) => v.replace(/([,+"\\<>;=])/g, '\\$1');
  return [`CN=${escapeRdn(commonName)}`, ...organizations.map((o) => `O=${escapeRdn(o)}`)].join(', ');
}

/** Creates a self-signed CA valid for `validity` days (default 365) or in the window given. */
export async function createCertificateAuthority(
  commonName: string,
  validity: number | ValidityWindow = 365,
): Promise<CertificateAuthority> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: toName(commonName),
    ...(typeof validity === 'number' ? window(validity) : validity),
    signingAlgorithm: algorithm,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = cert.toString('pem');
  return {
    certPem,
    keyPem: await toKeyPem(keys.privateKey),
    issue: (options) => issueLeaf(cert, keys.privateKey, options),
  };
}

/** The CA of a stored certificate and PKCS#8 key (PEM, ECDSA P-256). Throws when either is unreadable. */
export async function loadCertificateAuthority(pair: KeyPairPem): Promise<CertificateAuthority> {
  const cert = new x509.X509Certificate(pair.certPem);
  const der = x509.PemConverter.decode(pair.keyPem)[0];
  if (!der) throw new Error('no PEM private key');
  const key = await webcrypto.subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
  return { ...pair, issue: (options) => issueLeaf(cert, key, options) };
}

async function issueLeaf(ca: x509.X509Certificate, caKey: CryptoKey, options: LeafOptions): Promise<KeyPairPem> {
  const keys = await generateKeys();
  const usages: string[] = [];
  if (options.usage !== 'client') usages.push(x509.ExtendedKeyUsage.serverAuth);
  if (options.usage !== 'server') usages.push(x509.ExtendedKeyUsage.clientAuth);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(usages, false),
    await x509.AuthorityKeyIdentifierExtension.create(ca, false),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (options.hosts?.length) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        options.hosts.map((h) => ({ type: isIP(h) ? ('ip' as const) : ('dns' as const), value: h })),
        false,
      ),
    );
  }
  const cert = await x509.X509CertificateGenerator.create({
    subject: toName(options.commonName, options.organizations),
    issuer: ca.subject,
    ...(options.validity ?? window(options.validDays ?? 365)),
    signingAlgorithm: algorithm,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions,
  });
  return { certPem: cert.toString('pem'), keyPem: await toKeyPem(keys.privateKey) };
}
