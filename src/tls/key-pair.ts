import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type SecureContextOptions, createSecureContext } from 'node:tls';

export type KeyPair = { cert: string; key: string };

/** TLS settings for every Shipshape listener: TLS 1.2 or newer. */
export function toSecureContextOptions(pair: KeyPair): SecureContextOptions {
  return { cert: pair.cert, key: pair.key, minVersion: 'TLSv1.2' };
}

/** Reads a certificate and key (PEM). Throws when a file is unreadable. */
export async function readKeyPair(certFile: string, keyFile: string): Promise<KeyPair> {
  const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  return { cert, key };
}

/** Throws when the pair cannot serve TLS (bad PEM, or a key that does not match the certificate). */
export function assertUsable(pair: KeyPair): void {
  createSecureContext(toSecureContextOptions(pair));
}

export function digest(pair: KeyPair): string {
  return createHash('sha256').update(pair.cert).update('\0').update(pair.key).digest('hex');
}
