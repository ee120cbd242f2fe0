// The one place with side effects, in three steps: configuration (flags, environment, the cluster
// connection and the certificate, each failure one line and exit 2), wiring (the parts built from
// explicit arguments, telemetry wrapped around them) and run (the Manager, until a signal or a
// failure, then the telemetry flush).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ConfigError, parseConfig, toPolicyConfig, toRotationSettings, usage } from './config/config.ts';
import { MUTATING_CONFIGURATION_NAME, VALIDATING_CONFIGURATION_NAME } from './constants.ts';
import { type KubeConnection, findKubeConnection, PreflightError, toCertificateError } from './config/preflight.ts';
import { loadInClusterConfig } from './kube/kubeconfig.ts';
import { createCaBundleCheck } from './kube/ca-bundle-check.ts';
import { WEBAPP_CRD_REF } from './kube/ca-bundle-targets.ts';
import { createJsonClient } from './kube/json-client.ts';
import { createNamespaceCache } from './kube/namespace-cache.ts';
import { TimeoutKubeConfig } from './kube/timeout-kubeconfig.ts';
import { createLeaseClient } from './leader/lease-client.ts';
import { createLeaseElector } from './leader/lease-elector.ts';
import { LABELS } from './manifests/install-names.ts';
import { createOwnerCaches } from './operator/owner-caches.ts';
import { createWebAppController } from './operator/webapp-controller.ts';
import { createMySQLController } from './mysql/mysql-controller.ts';
import { MYSQLCLUSTER_OWNER } from './mysql/mysql-kind.ts';
import { WEBAPP_OWNER } from './operator/webapp-kind.ts';
import { readContainerMemoryLimit } from './runtime/container-memory-limit.ts';
import { DEFAULT_MEMORY_WATCH, createMemoryWatch, readHeap } from './runtime/memory-watch.ts';
import { createManager } from './runtime/manager.ts';
import { buildServer } from './server/build-server.ts';
import { toServerRunnable } from './server/server-runnable.ts';
import { createAdmissionTelemetry } from './telemetry/admission-telemetry.ts';
import { createConversionTelemetry } from './telemetry/conversion-telemetry.ts';
import { traceLogMixin } from './telemetry/log-context.ts';
import { createMetricsServer } from './telemetry/metrics-server.ts';
import { createProcessMetrics } from './telemetry/process-metrics.ts';
import { createReconcileTelemetry, traceReconcileContext } from './telemetry/reconcile-telemetry.ts';
import {
  countFailedTerm,
  setLeader,
  watchRestartCounter,
  shipshapeMetrics,
  workQueueMetrics,
} from './telemetry/metrics.ts';
import { shutdownTelemetry } from './telemetry/sdk.ts';
import { createCertificateHealth } from './tls/certificate-health.ts';
import { createCertificateReloader } from './tls/certificate-reloader.ts';
import { type KeyPair, assertUsable, readKeyPair, toSecureContextOptions } from './tls/key-pair.ts';
import { createSecretPairSource, placeholderPair } from './tls/secret-pair-source.ts';
import { createSelfManagedCertificates } from './tls/self-managed-certificates.ts';

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
    if (config.certificates === 'self-managed') {
      // The pair comes from the Secret once the leader has made it; a placeholder until then.
      const clientCa = config.clientCaFile ? await readFile(config.clientCaFile, 'utf8') : undefined;
      tls = { ...(await placeholderPair()), ...(clientCa !== undefined && { clientCa }) };
    } else tls = await readKeyPair(config.tlsCertFile, config.tlsKeyFile, config.clientCaFile);
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

// Wiring: every part built from explicit arguments; telemetry wraps them here.
const policyConfig = toPolicyConfig(config);
const namespaceCache = createNamespaceCache(kc, logger, { onRestart: watchRestartCounter() });
// Certificate health: expiry and overdue renewal of the served pair and its CA, and whether both
// webhook configurations' and the WebApp CRD's conversion caBundle verify what is served (a
// readiness check when required).
let served = tls.cert;
const selfManaged = config.certificates === 'self-managed';
const rotationSettings = toRotationSettings(config);
// Self-managed: the Secret's signing CA; else the CA file. Renewal judged by the same windows.
let secretCaPem: () => string | undefined = () => undefined;
const certificateHealth = createCertificateHealth({
  logger,
  metrics: shipshapeMetrics(),
  caFile: selfManaged ? '' : config.tlsCaFile,
  ...(selfManaged && { caPem: () => secretCaPem() }),
  renewBeforeMs: selfManaged
    ? { serving: rotationSettings.servingRenewBeforeMs, ca: rotationSettings.caRenewBeforeMs }
    : {
        ...(config.tlsRenewBeforeSeconds > 0 && { serving: config.tlsRenewBeforeSeconds * 1000 }),
        ...(config.caRenewBeforeSeconds > 0 && { ca: config.caRenewBeforeSeconds * 1000 }),
      },
});
if (!selfManaged) certificateHealth.observe(served);
// Self-managed certificates, on the leader: issues, rotates and injects (woken by changes below).
const certificates = selfManaged
  ? createSelfManagedCertificates({
      client: createJsonClient(kc),
      namespace: config.namespace,
      secretName: config.tlsSecret,
      serviceName: config.webhookService,
      portName: 'https',
      configurations: [
        { kind: 'MutatingWebhookConfiguration', name: MUTATING_CONFIGURATION_NAME },
        { kind: 'ValidatingWebhookConfiguration', name: VALIDATING_CONFIGURATION_NAME },
        // The conversion webhook's caBundle (issue #35).
        WEBAPP_CRD_REF,
      ],
      settings: rotationSettings,
      labels: LABELS,
      logger,
      self: { name: config.podName, served: () => served },
    })
  : undefined;
const caBundleCheck = createCaBundleCheck({
  kc,
  logger,
  metrics: shipshapeMetrics(),
  served: () => served,
  ...(certificates && { onConfigurationChange: certificates.wake }),
});
if (tls.clientCa !== undefined) logger.info({ clientCaFile: config.clientCaFile }, 'client certificates required');
// Aborted by SIGTERM or SIGINT: the Manager's one stop (see Run below).
const stopping = new AbortController();
const app = await buildServer({
  tls,
  logger,
  policyConfig,
  namespaceAnnotations: namespaceCache.annotations,
  // Never leadership: every replica serves admission and conversion.
  readiness: [
    { name: 'namespace-cache', ready: namespaceCache.hasSynced },
    ...(config.requireCaBundle ? [{ name: 'ca-bundle', ready: caBundleCheck.verified }] : []),
    // Self-managed: not ready until a pair from the Secret, valid now, is served.
    ...(selfManaged ? [{ name: 'serving-certificate', ready: () => secretPairs?.serving() ?? false }] : []),
    // Not ready from SIGTERM on, while the shutdown delay keeps serving.
    { name: 'shutting-down', ready: () => !stopping.signal.aborted },
  ],
  draining: () => stopping.signal.aborted,
  bodyLimit: config.bodyLimitBytes,
  conversionBodyLimit: config.conversionBodyLimitBytes,
  requestTimeoutMs: config.requestTimeoutSeconds * 1000,
  admissionHooks: createAdmissionTelemetry(),
  conversionHooks: createConversionTelemetry(),
});
const serve = (pair: KeyPair) => {
  app.server.setSecureContext(toSecureContextOptions(pair));
  served = pair.cert;
  certificateHealth.observe(served);
  caBundleCheck.recheck();
};
// The pair's source: the Secret through the API (self-managed), else the files (polled).
const secretPairs = selfManaged
  ? createSecretPairSource({
      kc,
      namespace: config.namespace,
      name: config.tlsSecret,
      logger,
      ...(tls.clientCa !== undefined && { clientCa: tls.clientCa }),
      onChange: serve,
      ...(certificates && { onSecretChange: certificates.wake }),
      onWatchRestart: watchRestartCounter(),
    })
  : undefined;
if (secretPairs) secretCaPem = secretPairs.caPem;
const pairSource =
  secretPairs ??
  createCertificateReloader({
    certFile: config.tlsCertFile,
    keyFile: config.tlsKeyFile,
    clientCaFile: config.clientCaFile,
    current: tls,
    logger,
    onChange: serve,
  });
// On every replica (warm standbys): a new leader reconciles from synced caches at once. One cache
// per resource, shared by every owner kind; each controller registers its kind with it.
const caches = createOwnerCaches({ kc, logger, namespaces: namespaceCache, onWatchRestart: watchRestartCounter() });
// Each kind's controller registers it with the caches; a kind left out of --controllers is neither
// cached nor reconciled here (its CRD need not exist).
const common = {
  kc,
  caches,
  logger,
  policyConfig,
  workers: config.workers,
  resyncMs: config.resyncSeconds * 1000,
  identity,
  wrapContext: traceReconcileContext,
};
const controllers = [
  ...(config.controllers.includes('webapp')
    ? [
        createWebAppController({
          ...common,
          queueMetrics: workQueueMetrics(WEBAPP_OWNER.controllerName),
          observer: createReconcileTelemetry(WEBAPP_OWNER),
        }),
      ]
    : []),
  ...(config.controllers.includes('mysqlcluster')
    ? [
        createMySQLController({
          ...common,
          queueMetrics: workQueueMetrics(MYSQLCLUSTER_OWNER.controllerName),
          observer: createReconcileTelemetry(MYSQLCLUSTER_OWNER),
        }),
      ]
    : []),
];
const metricsServer = createMetricsServer({ host: config.host, port: config.metricsPort, logger });
// Every replica: the memory figures for sizing, and warnings before the heap bound and the
// container's memory limit are reached. The limit is read once: it holds for the container's life.
const memoryLimitBytes = readContainerMemoryLimit();
const processMetrics = createProcessMetrics(readHeap, memoryLimitBytes);
const memoryWatch = createMemoryWatch({
  settings: {
    heapRatio: config.heapWarningRatio,
    memoryRatio: config.memoryWarningRatio,
    window: DEFAULT_MEMORY_WATCH.window,
    rearmMargin: DEFAULT_MEMORY_WATCH.rearmMargin,
  },
  intervalMs: DEFAULT_MEMORY_WATCH.intervalMs,
  memoryLimitBytes,
  logger,
  onHeapNearLimit: processMetrics.setHeapNearLimit,
  onMemoryNearLimit: processMetrics.setMemoryNearLimit,
  sizingPage: 'docs/sizing.md',
});

const manager = createManager({
  shutdownDelayMs: config.shutdownDelaySeconds * 1000,
  shutdownTimeoutMs: config.shutdownTimeoutSeconds * 1000,
  // Started in their groups (servers, caches, the rest, then the election), stopped in reverse:
  // the webhook server closes last, after the Lease is released.
  runnables: [
    toServerRunnable(app, { host: config.host, port: config.port }),
    namespaceCache,
    pairSource,
    certificateHealth,
    caBundleCheck,
    metricsServer,
    memoryWatch,
    caches,
    ...controllers,
    ...(certificates ? [certificates] : []),
  ],
  ...(config.leaderElection && {
    leaderElection: (lead) =>
      createLeaseElector({
        client: createLeaseClient(kc, config.namespace, config.leaseName),
        identity,
        leaseDurationMs: config.leaseDurationSeconds * 1000,
        renewDeadlineMs: config.renewDeadlineSeconds * 1000,
        retryPeriodMs: config.retryPeriodSeconds * 1000,
        logger,
        onStartedLeading: lead,
        onNewLeader: (holder) => logger.info({ leader: holder || '(released)' }, 'observed a new Lease holder'),
      }),
  }),
  onLeadershipChange: setLeader,
  onLeaderRunnableFailed: countFailedTerm,
  logger,
});

// Run: signals, a component failure and a failed listen all end in the Manager's one stop.
process.on('SIGTERM', () => stopping.abort('SIGTERM'));
process.on('SIGINT', () => stopping.abort('SIGINT'));
const { failed, timedOut } = await manager.run(stopping.signal);
// Flushes the last spans and metrics (bounded: a dead collector cannot hold up the exit).
await shutdownTelemetry(logger);
logger.info({ timedOut: timedOut ?? false }, 'stopped');
process.exit(failed ? 1 : (process.exitCode ?? 0));
