import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CertificateAuthority, createCertificateAuthority } from '../pki/certificates.ts';

export type DevCertificates = {
  caPem: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Issues further certificates (rotation tests). */
  ca: CertificateAuthority;
};

/**
 * Writes a dev CA and a serving certificate for 127.0.0.1/localhost into `dir` (ca.crt, tls.crt,
 * tls.key: the file names of a cert-manager Secret). The apiserver trusts it through caBundle.
 */
export async function writeDevCertificates(dir: string, validDays = 30): Promise<DevCertificates> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await createCertificateAuthority('shipshape-dev-ca', validDays);
  const serving = await ca.issue({
    commonName: 'shipshape-webhook',
    hosts: ['127.0.0.1', 'localhost'],
    usage: 'server',
    validDays,
  });
  const files = { caFile: join(dir, 'ca.crt'), certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') };
  await writeFile(files.caFile, ca.certPem);
  await writeFile(files.certFile, serving.certPem);
  await writeFile(files.keyFile, serving.keyPem, { mode: 0o600 });
  return { caPem: ca.certPem, ca, ...files };
}
