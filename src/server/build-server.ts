// buildServer(deps) returns the Fastify app and never listens (src/main.ts does), so tests use
// app.inject(). HTTPS only: there is no way to build it without a key pair.
import Fastify, { LogController } from 'fastify';
import type { Logger } from 'pino';
import type { PolicyContext } from '../../webhooks/policy.ts';
import type { PolicyConfig } from '../../webhooks/limits.ts';
import { ADMISSION_ROUTES } from '../admission/routes.ts';
import { DEFAULT_CONVERSION_BODY_LIMIT_BYTES } from '../conversion/conversion-review.ts';
import { type KeyPair, toSecureContextOptions } from '../tls/key-pair.ts';
import type { AdmissionHooks } from './admission-hooks.ts';
import { admissionPlugin } from './admission-plugin.ts';
import { closeConnectionWhileDraining } from './connection-drain.ts';
import type { ConversionHooks } from './conversion-hooks.ts';
import { conversionPlugin } from './conversion-plugin.ts';
import { type ReadinessCheck, healthPlugin } from './health-plugin.ts';
import { addSecurityHeaders, helmetHeaders } from './security-headers.ts';

export type ServerDeps = {
  tls: KeyPair;
  logger: Logger;
  policyConfig: PolicyConfig;
  /** Annotations of a Namespace from the watched cache; undefined when unknown. */
  namespaceAnnotations(namespace: string): Record<string, string> | undefined;
  readiness: ReadinessCheck[];
  /** The largest AdmissionReview read, in bytes. */
  bodyLimit: number;
  /** The largest ConversionReview read, in bytes; default DEFAULT_CONVERSION_BODY_LIMIT_BYTES. */
  conversionBodyLimit?: number;
  /**
   * A client must finish its TLS handshake, then send its whole request (headers and body), each
   * within this; slower ones get 408 or are disconnected. Default 10 s.
   */
  requestTimeoutMs?: number;
  /** What observes each AdmissionReview (src/telemetry/admission-telemetry.ts); default: logs only. */
  admissionHooks?: AdmissionHooks;
  /** What observes each ConversionReview (src/telemetry/conversion-telemetry.ts); default: logs only. */
  conversionHooks?: ConversionHooks;
  /** True once the process is shutting down: answers then close their connection. */
  draining?: () => boolean;
};

/** Twice the webhooks' timeoutSeconds (5): the apiserver has given up on a request by then. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export async function buildServer(deps: ServerDeps) {
  const requestTimeout = deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const app = Fastify({
    loggerInstance: deps.logger,
    logController: new LogController({ disableRequestLogging: true }),
    // With a client CA, a client without a certificate it signed is refused in the TLS handshake.
    https: {
      ...toSecureContextOptions(deps.tls),
      ...(deps.tls.clientCa !== undefined && { requestCert: true, rejectUnauthorized: true }),
      // Slow clients are cut off (slowloris: each holds a socket and a parser). Node's defaults
      // are 120 s for the handshake, 60 s for the headers checked every 30 s, and, as Fastify sets
      // requestTimeout to 0, no limit at all for a body that never ends.
      handshakeTimeout: requestTimeout,
      headersTimeout: requestTimeout,
      requestTimeout,
      connectionsCheckingInterval: Math.min(1000, requestTimeout),
    },
    requestTimeout,
    // Slightly above the admission limit so oversized bodies reach the admission error handler.
    // The webhook plugins' parsers carry their own limits (raw-body.ts), the conversion one higher.
    bodyLimit: deps.bodyLimit + 1,
    // A request that reaches the server once it is closing (its headers began before the listener
    // closed, on a connection Node therefore keeps) is answered, with Connection: close, not
    // refused: the apiserver fails a conversion or an admission on a 503 ("the server is currently
    // unable to handle the request", seen in test/integration/conversion-rollout.test.ts) and does
    // not retry it. Closing waits for it; the shutdown timeout bounds that.
    return503OnClosing: false,
  });
  // @fastify/helmet's headers, from a table built once (src/server/security-headers.ts says why).
  addSecurityHeaders(app, await helmetHeaders());
  if (deps.draining) app.addHook('onSend', closeConnectionWhileDraining(deps.draining));
  await app.register(healthPlugin, { checks: deps.readiness });
  const context = (request: { namespace?: string }): PolicyContext => ({
    config: deps.policyConfig,
    namespaceAnnotations: request.namespace ? deps.namespaceAnnotations(request.namespace) : undefined,
  });
  await app.register(admissionPlugin, {
    bodyLimit: deps.bodyLimit,
    context,
    routes: ADMISSION_ROUTES,
    ...(deps.admissionHooks && { hooks: deps.admissionHooks }),
  });
  // Every replica converts, as every replica admits: the apiserver calls the Service.
  await app.register(conversionPlugin, {
    bodyLimit: deps.conversionBodyLimit ?? DEFAULT_CONVERSION_BODY_LIMIT_BYTES,
    ...(deps.conversionHooks && { hooks: deps.conversionHooks }),
  });
  return app;
}
