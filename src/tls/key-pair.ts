import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type SecureContextOptions, createSecureContext } from 'node:tls';
import { parseCertificates, pemBlocks } from './certificate-chain.ts';

export type KeyPair = {
  cert: string;
  key: string;
  /** The CA that client certificates must chain to (PEM); absent: none is asked for. */
  clientCa?: string;
};

/** TLS settings for every Shipshape listener: TLS 1.2 or newer. */
export function toSecureContextOptions(pair: KeyPair): SecureContextOptions {
  return {
    cert: pair.cert,
    key: pair.key,
    minVersion: 'TLSv1.2',
    // One PEM block per entry: a bundle of several CAs as one string verified no client at all
    // after setSecureContext (Node 24).
    ...(pair.clientCa !== undefined && { ca: pemBlocks(pair.clientCa) }),
  };
}

/**
 * Reads a certificate and key (PEM), and the client CA when `clientCaFile` is not ''. Throws when a
 * file is unreadable: the first of certificate, key, CA that failed, in that order, so a start-up
 * without any of them always names the same one (with Promise.all it named whichever read failed
 * first, which under load was sometimes the key).
 */
export async function readKeyPair(certFile: string, keyFile: string, clientCaFile = ''): Promise<KeyPair> {
  const reads = await Promise.allSettled([
    readFile(certFile, 'utf8'),
    readFile(keyFile, 'utf8'),
    clientCaFile ? readFile(clientCaFile, 'utf8') : Promise.resolve(undefined),
  ]);
  const failed = reads.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  const [cert, key, clientCa] = reads.map((r) => (r as PromiseFulfilledResult<string | undefined>).value);
  return { cert: cert!, key: key!, ...(clientCa !== undefined && { clientCa }) };
}

/**
 * Throws when the pair cannot serve TLS (bad PEM, or a key that does not match the certificate), or
 * when a client CA is given that holds no certificate (OpenSSL would then accept no client at all).
 */
export function assertUsable(pair: KeyPair): void {
  createSecureContext(toSecureContextOptions(pair));
  if (pair.clientCa !== undefined && !parseCertificates(pair.clientCa).length) {
    throw new Error('the client CA file holds no PEM certificate');
  }
}

export function digest(pair: KeyPair): string {
  return createHash('sha256')
    .update(pair.cert)
    .update('\0')
    .update(pair.key)
    .update('\0')
    .update(pair.clientCa ?? '')
    .digest('hex');
}
