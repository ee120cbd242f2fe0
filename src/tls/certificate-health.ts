// The expiry of the certificate this replica serves and of its CA, as metrics, and a warning in the
// log while renewal is overdue: a certificate still served after its renewal time means cert-manager
// (or whoever rotates it) has stopped, weeks before the apiserver starts failing calls.
//
// The served certificate comes from the reloader (observe(), at start and after each reload); the
// CA is re-read from its file (a cert-manager Secret's ca.crt) on every check, since the Secret
// volume swaps it the same way, or, with self-managed certificates, taken from the Secret as last
// read.
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { createReadyLatch } from '../runtime/ready-latch.ts';
import type { Runnable } from '../runtime/runnable.ts';
import { sleep } from '../runtime/sleep.ts';
import { type Validity, parseCertificates, renewalDueAt, toValidity } from './certificate-chain.ts';

export type CertificateKind = 'serving' | 'ca';

export type CertificateHealthMetrics = {
  setCertificateExpiry(attributes: { certificate: CertificateKind }, unixSeconds: number | undefined): void;
  setRenewalOverdue(attributes: { certificate: CertificateKind }, overdue: number | undefined): void;
};

export type CertificateHealthOptions = {
  logger: Logger;
  metrics: CertificateHealthMetrics;
  /** The CA's PEM file; '' or a missing file: no CA series. */
  caFile: string;
  /** The CA's PEM from elsewhere (self-managed: the Secret's signing CA); used instead of caFile. */
  caPem?: () => string | undefined;
  /** Renewal is due this long before expiry; undefined: when a third of the validity is left. */
  renewBeforeMs?: { serving?: number; ca?: number };
  /** Between checks; default 60 s. */
  intervalMs?: number;
  /** How often an overdue renewal is logged again; default 1 h. */
  warnEveryMs?: number;
  now?: () => Date;
};

export type CertificateHealth = Runnable & {
  /** The certificate (PEM, leaf first) now served. */
  observe(certPem: string): void;
};

export function createCertificateHealth(options: CertificateHealthOptions): CertificateHealth {
  const { logger, metrics } = options;
  const now = options.now ?? (() => new Date());
  const current: Partial<Record<CertificateKind, Validity>> = {};
  const warned = new Map<string, number>();
  let caProblem = '';

  function evaluate(kind: CertificateKind): void {
    const validity = current[kind];
    const attributes = { certificate: kind };
    metrics.setCertificateExpiry(attributes, validity && validity.notAfter.getTime() / 1000);
    if (!validity) return metrics.setRenewalOverdue(attributes, undefined);
    const dueAt = renewalDueAt(validity, options.renewBeforeMs?.[kind]);
    const at = now();
    const overdue = at >= dueAt;
    metrics.setRenewalOverdue(attributes, overdue ? 1 : 0);
    if (!overdue) return;
    const key = `${kind}/${validity.serialNumber}`;
    const last = warned.get(key);
    if (last !== undefined && at.getTime() - last < (options.warnEveryMs ?? 3_600_000)) return;
    warned.set(key, at.getTime());
    const expired = at >= validity.notAfter;
    const fields = {
      certificate: kind,
      subject: validity.subject,
      serialNumber: validity.serialNumber,
      notAfter: validity.notAfter.toISOString(),
      renewalDueAt: dueAt.toISOString(),
      secondsLeft: Math.round((validity.notAfter.getTime() - at.getTime()) / 1000),
    };
    if (expired) logger.error(fields, `the ${kind} certificate has expired and has not been replaced`);
    else logger.warn(fields, `renewal of the ${kind} certificate is overdue: it is past its renewal time`);
  }

  async function readCa(): Promise<void> {
    if (!options.caFile && !options.caPem) return;
    try {
      const pem = options.caPem ? options.caPem() : await readFile(options.caFile, 'utf8');
      if (pem === undefined) throw new Error('the CA has not been read yet');
      const [ca] = parseCertificates(pem);
      if (!ca) throw new Error('no PEM certificate in the file');
      current.ca = toValidity(ca);
      caProblem = '';
    } catch (err) {
      const problem = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      if (problem !== caProblem) logger.info({ err, caFile: options.caFile }, 'CA certificate not read; no CA expiry');
      caProblem = problem;
      delete current.ca;
    }
  }

  const firstCheck = createReadyLatch();
  return {
    needsLeaderElection: false,
    // With the webhook server it watches (the Manager's `servers` group), and ready once both
    // certificates were first checked: their series exist before the caches, and so /readyz, come.
    group: 'servers' as const,
    ready: firstCheck.ready,
    observe(certPem) {
      const [leaf] = parseCertificates(certPem);
      if (leaf) current.serving = toValidity(leaf);
      evaluate('serving');
    },
    /** Re-reads the CA and re-evaluates both until `signal` aborts. */
    async start(signal) {
      while (!signal.aborted) {
        await readCa();
        evaluate('serving');
        evaluate('ca');
        firstCheck.open();
        await sleep(options.intervalMs ?? 60_000, signal);
      }
    },
  };
}
