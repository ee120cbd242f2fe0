// One Shipshape server process (src/main.ts) against a local control plane, for the dev loop and
// the integration tests, which must exercise the real entry point.
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type ManagedProcess, startProcess } from '../runtime/child-process.ts';
import { findFreePort } from '../net/free-port.ts';
import { probeStatus } from '../net/probe-status.ts';
import { PollTimeoutError, pollUntil } from '../runtime/poll.ts';
import type { DevCertificates } from './dev-certificates.ts';

const mainPath = fileURLToPath(new URL('../main.ts', import.meta.url));
// As `npm start`: the OpenTelemetry SDK starts before main.ts loads. OTEL_* come with the parent's
// environment, so pointing the dev loop at a collector is one exported variable.
const telemetryRegister = new URL('../telemetry/register.ts', import.meta.url).href;

export type ShipshapeProcessOptions = {
  kubeconfigPath: string;
  /** Files to serve, or 'self-managed': the pair comes from the Secret (the process's settings say which). */
  certs: DevCertificates | 'self-managed';
  /** The address it listens on and is probed at; default 127.0.0.1. */
  host?: string;
  /** Default true: resolve once /readyz answers 200; false: once the process has started. */
  waitForReady?: boolean;
  podName: string;
  logPath: string;
  /** Extra environment (settings, OTEL_*); the parent's environment is passed through first. */
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
  /** The client certificate the readiness probe presents (replicas started with a client CA). */
  probeClient?: { cert: string; key: string };
  /**
   * Run a compiled build (the output folder of `tsc -p tsconfig.build.json`, e.g. dist/) as
   * `npm start` and the image do, instead of the TypeScript sources.
   */
  compiledDir?: string;
};

/** `metricsPort`: the plain-HTTP Prometheus endpoint, GET /metrics (0 when options.env turned it off). */
export type ShipshapeProcess = ManagedProcess & { port: number; baseUrl: string; metricsPort: number };

/** Starts src/main.ts on free loopback ports and resolves once its /readyz answers 200. */
export async function startShipshapeProcess(options: ShipshapeProcessOptions): Promise<ShipshapeProcess> {
  const port = await findFreePort();
  const host = options.host ?? '127.0.0.1';
  const certs = options.certs === 'self-managed' ? undefined : options.certs;
  const env = {
    ...process.env,
    KUBECONFIG: options.kubeconfigPath,
    SHIPSHAPE_HOST: host,
    SHIPSHAPE_PORT: String(port),
    // Its own port per replica: several replicas share the loopback interface.
    SHIPSHAPE_METRICS_PORT: String(await findFreePort()),
    ...(certs && {
      SHIPSHAPE_TLS_CERT_FILE: certs.certFile,
      SHIPSHAPE_TLS_KEY_FILE: certs.keyFile,
      SHIPSHAPE_TLS_CA_FILE: certs.caFile,
    }),
    POD_NAME: options.podName,
    POD_NAMESPACE: 'shipshape-system',
    ...options.env,
  };
  const metricsPort = Number(env.SHIPSHAPE_METRICS_PORT);
  const args = options.compiledDir
    ? [
        '--import',
        pathToFileURL(join(options.compiledDir, 'src/telemetry/register.js')).href,
        join(options.compiledDir, 'src/main.js'),
      ]
    : ['--import', telemetryRegister, mainPath];
  const proc = await startProcess(options.podName, process.execPath, args, options.logPath, { env });
  const baseUrl = `https://${host}:${port}`;
  if (options.waitForReady === false) return { ...proc, port, baseUrl, metricsPort };
  const giveUp = async () =>
    proc.isRunning() ? undefined : new Error(`${options.podName} exited (${await proc.exited}):\n${await proc.tail()}`);
  const trust = certs ? { ca: certs.caPem } : { rejectUnauthorized: false };
  const ready = async () => (await probeStatus(`${baseUrl}/readyz`, { ...trust, ...options.probeClient })) === 200;
  try {
    await pollUntil(`${options.podName} ready`, ready, {
      timeoutMs: options.readyTimeoutMs ?? 30_000,
      intervalMs: 100,
      giveUp,
    });
  } catch (err) {
    if (!(err instanceof PollTimeoutError)) throw err;
    await proc.stop();
    throw new Error(`${options.podName} not ready within the timeout:\n${await proc.tail()}`, { cause: err });
  }
  return { ...proc, port, baseUrl, metricsPort };
}
