// The comparison servers of the webhook benchmarks, started as processes of their own: the bare
// `node:https` baseline (bench/bare-webhook.ts), bare Fastify (bench/bare-fastify.ts), Shipshape's
// admission code without Fastify (bench/lean-admission.ts) and the Go standard-library reference
// webhook (bench/reference-webhook/, built by go-build.ts).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGoProgram } from './go-build.ts';
import type { DevCertificates } from '../src/dev/dev-certificates.ts';
import { findFreePort } from '../src/net/free-port.ts';
import { probeStatus } from '../src/net/probe-status.ts';
import { type ManagedProcess, startProcess } from '../src/runtime/child-process.ts';
import { PollTimeoutError, pollUntil } from '../src/runtime/poll.ts';

export type BenchServer = ManagedProcess & { port: number; baseUrl: string };

const here = fileURLToPath(new URL('.', import.meta.url));

async function waitReady(proc: ManagedProcess, baseUrl: string, path: string, ca: string): Promise<void> {
  const giveUp = async () =>
    proc.isRunning() ? undefined : new Error(`${proc.name} exited (${await proc.exited}):\n${await proc.tail()}`);
  const answers = async () => (await probeStatus(`${baseUrl}${path}`, { ca })) > 0;
  try {
    await pollUntil(`${proc.name} answering`, answers, { timeoutMs: 15_000, intervalMs: 20, giveUp });
  } catch (err) {
    if (!(err instanceof PollTimeoutError)) throw err;
    await proc.stop();
    throw new Error(`${proc.name} did not answer within 15 s:\n${await proc.tail()}`, { cause: err });
  }
}

/**
 * Starts a server on a free loopback port with the dev certificate. `prefix` runs it under a
 * command such as taskset, so it starts on its core (Go sizes GOMAXPROCS from its affinity).
 * `env`: its environment; default this process's.
 */
async function start(
  name: string,
  command: string,
  args: string[],
  certs: DevCertificates,
  logDir: string,
  prefix: string[],
  env?: NodeJS.ProcessEnv,
): Promise<BenchServer> {
  const port = await findFreePort();
  const full = [...prefix, command, ...args, '--cert', certs.certFile, '--key', certs.keyFile];
  const addressArgs = name === 'go' ? ['-addr', `127.0.0.1:${port}`] : ['--port', String(port)];
  const logPath = join(logDir, `${name}.log`);
  const proc = await startProcess(name, full[0]!, [...full.slice(1), ...addressArgs], logPath, env && { env });
  const baseUrl = `https://127.0.0.1:${port}`;
  await waitReady(proc, baseUrl, '/healthz', certs.caPem);
  return { ...proc, port, baseUrl };
}

export function startBareWebhook(certs: DevCertificates, logDir: string, prefix: string[] = []): Promise<BenchServer> {
  return start('bare-node', process.execPath, [join(here, 'bare-webhook.ts')], certs, logDir, prefix);
}

/** `securityHeaders: false`: bare Fastify without @fastify/helmet's headers (their cost alone). */
export function startBareFastify(
  certs: DevCertificates,
  logDir: string,
  prefix: string[] = [],
  { securityHeaders = true } = {},
): Promise<BenchServer> {
  const name = securityHeaders ? 'bare-fastify' : 'bare-fastify-no-headers';
  const args = [join(here, 'bare-fastify.ts'), ...(securityHeaders ? [] : ['--no-security-headers'])];
  return start(name, process.execPath, args, certs, logDir, prefix);
}

/**
 * Shipshape's admission code on bare `node:https` (bench/lean-admission.ts), with `env` (the
 * Deployment's runtime environment, as the admission servers run).
 */
export function startLeanAdmission(
  certs: DevCertificates,
  logDir: string,
  prefix: string[],
  env: NodeJS.ProcessEnv,
): Promise<BenchServer> {
  return start('lean', process.execPath, [join(here, 'lean-admission.ts')], certs, logDir, prefix, env);
}

export function startReferenceWebhook(
  certs: DevCertificates,
  logDir: string,
  prefix: string[] = [],
): Promise<BenchServer> {
  return start('go', buildGoProgram('reference-webhook'), [], certs, logDir, prefix);
}

/** The `taskset` prefix that starts a process on `cpus`, or none. */
export const onCpus = (cpus: string | undefined) => (cpus ? ['taskset', '--cpu-list', cpus] : []);

/**
 * Shipshape's admission server alone (bench/admission-server.ts) from the checkout at `root`,
 * named `name`, with `env` (the Deployment's runtime environment, as a replica runs).
 */
export function startAdmissionServer(
  name: string,
  root: string,
  certs: DevCertificates,
  logDir: string,
  prefix: string[],
  env: NodeJS.ProcessEnv,
): Promise<BenchServer> {
  const args = [join(here, 'admission-server.ts'), '--root', root];
  return start(name, process.execPath, args, certs, logDir, prefix, env);
}
