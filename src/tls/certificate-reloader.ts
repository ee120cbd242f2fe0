// Serves a rotated certificate without a restart: polls the certificate and key files (cert-manager
// and kubelet replace a Secret volume's files by swapping a symlink, which fs.watch misses), and
// hands each new usable pair, with the client CA when one is required, to `onChange`
// (server.setSecureContext keeps open connections). A bad new pair keeps the old one and logs an
// error once per distinct bad content.
import type { Logger } from 'pino';
import { sleep } from '../runtime/sleep.ts';
import { type KeyPair, assertUsable, digest, readKeyPair } from './key-pair.ts';

export type CertificateReloaderOptions = {
  certFile: string;
  keyFile: string;
  /** The CA of client certificates, re-read with the pair; '' or absent: none. */
  clientCaFile?: string;
  /** The pair being served now; changes are measured against it. */
  current: KeyPair;
  onChange(pair: KeyPair): void;
  logger: Logger;
  intervalMs?: number;
};

export function createCertificateReloader(options: CertificateReloaderOptions) {
  const { certFile, keyFile, logger } = options;
  let served = digest(options.current);
  let lastBad = '';

  async function check(): Promise<void> {
    let pair: KeyPair;
    try {
      pair = await readKeyPair(certFile, keyFile, options.clientCaFile);
    } catch (err) {
      if (lastBad !== 'unreadable')
        logger.error({ err, certFile, keyFile }, 'certificate files unreadable; keeping the current certificate');
      lastBad = 'unreadable';
      return;
    }
    const next = digest(pair);
    if (next === served || next === lastBad) return;
    try {
      assertUsable(pair);
    } catch (err) {
      // Files are often written one after the other; a mismatch seen once may be mid-rotation.
      logger.error({ err, certFile, keyFile }, 'new certificate is not usable; keeping the current certificate');
      lastBad = next;
      return;
    }
    options.onChange(pair);
    served = next;
    lastBad = '';
    logger.info({ certFile }, 'serving certificate reloaded');
  }

  return {
    needsLeaderElection: false,
    /** With the webhook server whose certificate it swaps (the Manager's `servers` group). */
    group: 'servers' as const,
    /** Polls until `signal` aborts. */
    async start(signal: AbortSignal): Promise<void> {
      const interval = options.intervalMs ?? 1000;
      while (!signal.aborted) {
        await check();
        await sleep(interval, signal);
      }
    },
  };
}
