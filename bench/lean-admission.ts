// Shipshape's admission work without a framework: the bare `node:https` server of
// bench/bare-webhook.ts running Shipshape's own decoding, policies (the default settings, a
// Namespace without annotations) and answer (src/admission/), with @fastify/helmet's headers from
// the table Shipshape sets them from. Not how Shipshape serves (the product has Fastify serve the
// webhooks, with its hooks, logs, telemetry, body limit and drain, none of which are here): it
// measures what a leaner HTTP path for the two admission routes would buy, for that decision.
//
//   node bench/lean-admission.ts --port 9443 --cert tls.crt --key tls.key [--no-security-headers]
import { createServer } from 'node:https';
import { errored } from '../src/admission/decision.ts';
import { decodeAdmissionReview, runPolicy, toAdmissionReview } from '../src/admission/review.ts';
import { ADMISSION_ROUTES } from '../src/admission/routes.ts';
import { defaultPolicyConfig } from '../src/config/config.ts';
import { helmetHeaders } from '../src/server/security-headers.ts';
import type { PolicyContext } from '../webhooks/policy.ts';
import { baselineServerOptions } from './baseline-server.ts';

const { port, host, tls, securityHeaders } = baselineServerOptions();
const headers = securityHeaders ? await helmetHeaders() : {};
const policies = new Map(ADMISSION_ROUTES.map((route) => [route.path, route.policy]));
const context: PolicyContext = { config: defaultPolicyConfig(), namespaceAnnotations: undefined };

const server = createServer(tls, (req, res) => {
  const policy = policies.get(req.url ?? '');
  if (req.method !== 'POST' || !policy) {
    // /healthz and anything else: the benchmarks' readiness probe only needs an answer.
    res.writeHead(req.url === '/healthz' ? 200 : 404, headers).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const decoded = decodeAdmissionReview(Buffer.concat(chunks));
    const review = decoded.ok
      ? toAdmissionReview(
          decoded.request.uid,
          runPolicy(policy, decoded.request, () => context),
        )
      : toAdmissionReview(decoded.uid, errored(400, decoded.error));
    const body = JSON.stringify(review);
    res
      .writeHead(200, {
        ...headers,
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      })
      .end(body);
  });
});
server.keepAliveTimeout = 72_000; // Fastify's, so the answers' headers match Shipshape's
server.listen(port, host, () => console.log(`listening on ${host}:${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
