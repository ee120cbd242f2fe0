// The one place with side effects: reads flags and environment, opens sockets, installs signal
// handlers, and wires the parts together.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ConfigError, parseConfig, toPolicyConfig, usage } from './config/config.ts';
import { type KubeConnection, findKubeConnection, PreflightError, toCertificateError } from './config/preflight.ts';
import { loadInClusterConfig } from './kube/kubeconfig.ts';
import { createNamespaceCache } from './kube/namespace-cache.ts';
import { TimeoutKubeConfig } from './kube/timeout-kubeconfig.ts';
import { createLeaseClient } from './leader/lease-client.ts';
import { createLeaseElector } from './leader/lease-elector.ts';
import { createWebAppController } from './operator/webapp-controller.ts';
import type { Runnable } from './runtime/runnable.ts';
import { buildServer } from './server/build-server.ts';
import { traceLogMixin } from './telemetry/log-context.ts';
import { createMetricsServer } from './telemetry/metrics-server.ts';
import { setLeader, workQueueMetrics } from './telemetry/metrics.ts';
import { shutdownTelemetry } from './telemetry/sdk.ts';
import { createCertificateReloader } from './tls/certificate-reloader.ts';
import { assertUsable, readKeyPair, toSecureContextOptions } from './tls/key-pair.ts';

let parsed;
try {
  parsed = parseConfig(process.argv.slice(2), process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`shipshape: ${err.message}\n\nRun with --help for every setting.\n`);
  process.exit(2);
}
if (parsed.help) {
  process.stdout.write(`${usage()}\n`);
  process.exit(0);
}
const { config } = parsed;
// client-go's convention: the holder identity is the pod name plus a random suffix, so a restarted
// pod with the same name is a new candidate.
const identity = `${config.podName}_${randomBytes(4).toString('hex')}`;
// The OpenTelemetry SDK was started by `--import ./src/telemetry/register.ts`, before this module;
// traceLogMixin adds trace_id and span_id to every line logged inside a span.
const logger = pino({ level: config.logLevel, base: { pod: config.podName, identity }, mixin: traceLogMixin });

// Exit 2 with one line, as for a bad setting: nothing can start without a cluster or a certificate.
let tls;
let connection: KubeConnection;
try {
  connection = findKubeConnection(process.env, homedir(), existsSync, join(config.serviceAccountDir, 'token'));
  try {
    tls = await readKeyPair(config.tlsCertFile, config.tlsKeyFile);
    assertUsable(tls);
  } catch (err) {
    throw toCertificateError(config, err);
  }
} catch (err) {
  if (!(err instanceof PreflightError)) throw err;
  process.stderr.write(`shipshape: ${err.message}\n`);
  process.exit(2);
}

const kc = new TimeoutKubeConfig();
if (connection.source === 'in-cluster') {
  loadInClusterConfig(kc, {
    host: process.env.KUBERNETES_SERVICE_HOST,
    port: process.env.KUBERNETES_SERVICE_PORT,
    serviceAccountDir: config.serviceAccountDir,
  });
} else {
  kc.loadFromDefault();
}
kc.requestTimeoutMs = config.apiTimeoutSeconds * 1000;

const policyConfig = toPolicyConfig(config);
const namespaceCache = createNamespaceCache(kc, logger);
const app = await buildServer({
  tls,
  logger,
  policyConfig,
  namespaceAnnotations: namespaceCache.annotations,
  // Never leadership: every replica serves admission.
  readiness: [
    { name: 'tls', ready: () => true },
    { name: 'namespace-cache', ready: namespaceCache.hasSynced },
  ],
  bodyLimit: config.bodyLimitBytes,
});
const reloader = createCertificateReloader({
  certFile: config.tlsCertFile,
  keyFile: config.tlsKeyFile,
  current: tls,
  logger,
  onChange: (pair) => app.server.setSecureContext(toSecureContextOptions(pair)),
});
const controller = createWebAppController({
  kc,
  logger,
  policyConfig,
  namespaceAnnotations: namespaceCache.annotations,
  workers: config.workers,
  resyncMs: config.resyncSeconds * 1000,
  identity,
  queueMetrics: workQueueMetrics('webapp'),
});
const metricsServer = createMetricsServer({ host: config.host, port: config.metricsPort, logger });

const runnables: Runnable[] = [namespaceCache, reloader, metricsServer, controller];
const leaderOnly = (term: AbortSignal) => {
  setLeader(true);
  return Promise.all(runnables.filter((r) => r.needsLeaderElection).map((r) => r.start(term)))
    .then(() => {})
    .finally(() => setLeader(false));
};
const elector = config.leaderElection
  ? createLeaseElector({
      client: createLeaseClient(kc, config.namespace, config.leaseName),
      identity,
      leaseDurationMs: config.leaseDurationSeconds * 1000,
      renewDeadlineMs: config.renewDeadlineSeconds * 1000,
      retryPeriodMs: config.retryPeriodSeconds * 1000,
      logger,
      onStartedLeading: leaderOnly,
      onNewLeader: (holder) => logger.info({ leader: holder || '(released)' }, 'observed a new Lease holder'),
    })
  : { needsLeaderElection: false, start: leaderOnly };

const stopping = new AbortController();
const running = [...runnables.filter((r) => !r.needsLeaderElection), elector].map((r) =>
  r.start(stopping.signal).catch((err: unknown) => {
    logger.fatal({ err }, 'a component failed');
    process.exitCode = 1;
    stopping.abort();
  }),
);

await app.listen({ host: config.host, port: config.port });

let shuttingDown = false;
async function shutdown(reason: string) {
  if (shuttingDown) return;
  shuttingDown = true;
  logger.info({ reason }, 'shutting down');
  // Leader-only work stops and the Lease is released (inside the elector) before the listener
  // closes; in-flight admission requests finish.
  stopping.abort();
  await Promise.all(running);
  await app.close();
  // Flushes the last spans and metrics (bounded: a dead collector cannot hold up the exit).
  await shutdownTelemetry(logger);
  logger.info('stopped');
  process.exit(process.exitCode ?? 0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
stopping.signal.addEventListener('abort', () => void shutdown('component failure'), { once: true });
