// The one place with side effects: reads flags and environment, opens sockets, installs signal
// handlers, and wires the parts together.
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { ConfigError, parseConfig, toPolicyConfig, usage } from './config/config.ts';
import { createNamespaceCache } from './kube/namespace-cache.ts';
import { createWebAppController } from './operator/webapp-controller.ts';
import type { Runnable } from './runtime/runnable.ts';
import { buildServer } from './server/build-server.ts';
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
const logger = pino({ level: config.logLevel, base: { pod: config.podName } });

const kc = new KubeConfig();
kc.loadFromDefault();

let tls;
try {
  tls = await readKeyPair(config.tlsCertFile, config.tlsKeyFile);
  assertUsable(tls);
} catch (err) {
  logger.fatal(
    { err, certFile: config.tlsCertFile, keyFile: config.tlsKeyFile },
    'cannot load the serving certificate',
  );
  process.exit(1);
}

const policyConfig = toPolicyConfig(config);
const namespaceCache = createNamespaceCache(kc, logger);
const app = await buildServer({
  tls,
  logger,
  policyConfig,
  namespaceAnnotations: namespaceCache.annotations,
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

// Leader-only (needsLeaderElection). Until Lease election lands, every replica runs it.
const controller = createWebAppController({
  kc,
  logger,
  policyConfig,
  namespaceAnnotations: namespaceCache.annotations,
  workers: config.workers,
  resyncMs: config.resyncSeconds * 1000,
  identity: config.podName,
});

const stopping = new AbortController();
const runnables: Runnable[] = [namespaceCache, reloader, controller];
const running = runnables.map((r) =>
  r.start(stopping.signal).catch((err: unknown) => {
    logger.fatal({ err }, 'a component failed');
    process.exitCode = 1;
    stopping.abort();
  }),
);

await app.listen({ host: config.host, port: config.port });

let shuttingDown = false;
async function shutdown(signal: string) {
  if (shuttingDown) return;
  shuttingDown = true;
  logger.info({ signal }, 'shutting down');
  stopping.abort();
  // Finishes in-flight admission requests, then closes the listener.
  await app.close();
  await Promise.all(running);
  logger.info('stopped');
  process.exit(process.exitCode ?? 0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
stopping.signal.addEventListener('abort', () => void shutdown('component failure'), { once: true });
