// How the fuzz tests (admission-fuzz, conversion-fuzz) send a hostile request to a real replica
// and watch its memory: the exact bytes over HTTPS with the content type as generated, and a
// connection the replica breaks (as it may for an oversized body) reported as an Answer, not thrown.
import { readFile } from 'node:fs/promises';
import { type Agent, request } from 'node:https';
import fc from 'fast-check';
import type { HostileRequest } from './hostile-admission.ts';

export type Answer = { status: number; body: string };
/** The status of an Answer whose connection broke before a response came; body is the error. */
export const CLOSED = -1;

/** Sends `req` to the replica at `baseUrl`; rejects on any other error, or no answer within 30 s. */
export function sendHostileRequest(
  baseUrl: string,
  agent: Agent,
  req: Omit<HostileRequest, 'mutations'>,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-length': req.body.length };
    if (req.contentType !== undefined) headers['content-type'] = req.contentType;
    const r = request(`${baseUrl}${req.path}`, { method: req.method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    r.setTimeout(30_000, () => r.destroy(new Error('no answer within 30 s')));
    r.on('error', (err: NodeJS.ErrnoException) =>
      ['EPIPE', 'ECONNRESET'].includes(err.code ?? '') ? resolve({ status: CLOSED, body: err.message }) : reject(err),
    );
    r.end(req.body);
  });
}

/** A process's resident memory now and at its peak (VmRSS, VmHWM), in MiB. */
export async function processMemoryMiB(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/**
 * Runs a fuzz test's property against the live replica: sequentially, so a failure shrinks against
 * the live server, and ending at the first counterexample (endOnFailure), its error in the report.
 */
export function checkAgainstReplica<T>(property: fc.IAsyncProperty<T>, numRuns: number, seed: number) {
  return fc.check(property, { numRuns, seed, endOnFailure: true, includeErrorInReport: true });
}
