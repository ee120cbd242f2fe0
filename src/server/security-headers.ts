// Security headers on every reply: exactly those @fastify/helmet sets with its defaults, taken from
// helmet once at start-up and then set from that table. @fastify/helmet runs helmet's middleware
// on every request, which sets each header on the raw response one by one and rebuilds the
// Content-Security-Policy string each time: measured on a Fastify HTTPS route answering the
// benchmark's AdmissionReview, that cost more CPU per request than Fastify itself (the figures are
// in commit 2d7ee38). Helmet's values depend on the request only through a CSP nonce function, and
// none is configured.
import helmet from '@fastify/helmet';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerBase,
} from 'fastify';

let computed: Promise<Record<string, string>> | undefined;

/** What @fastify/helmet (default options) adds to a response, by header name; computed once. */
export function helmetHeaders(): Promise<Record<string, string>> {
  computed ??= computeHelmetHeaders();
  return computed;
}

async function computeHelmetHeaders(): Promise<Record<string, string>> {
  const withHelmet = Fastify();
  const without = Fastify();
  await withHelmet.register(helmet, { global: true });
  for (const app of [withHelmet, without]) app.get('/', async () => 'ok');
  const [helmeted, plain] = await Promise.all([withHelmet.inject('/'), without.inject('/')]);
  await Promise.all([withHelmet.close(), without.close()]);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(helmeted.headers)) {
    if (plain.headers[name] === undefined && value !== undefined) headers[name] = String(value);
  }
  return headers;
}

/** Sets `headers` on every reply of `app` (404s and errors included), before any handler runs. */
export function addSecurityHeaders<S extends RawServerBase, L extends FastifyBaseLogger>(
  app: FastifyInstance<S, RawRequestDefaultExpression<S>, RawReplyDefaultExpression<S>, L>,
  headers: Record<string, string>,
): void {
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(headers);
    done();
  });
}
