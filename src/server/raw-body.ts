// The request body as bytes, for the webhook plugins (admission, conversion), whose review is
// their only answer: they parse the body themselves, so that any content type and any malformed
// JSON still gets a review, and a body Fastify refuses (too large, a Content-Type header it cannot
// parse, a body cut short) reaches their error handler, which answers with a review too.
import type { FastifyError, FastifyInstance } from 'fastify';

/**
 * Replaces the parsers of `app`'s encapsulation context (call it inside a plugin) with one that
 * keeps any body, up to `bodyLimit` bytes, as a Buffer. application/json (what the apiserver sends)
 * is named besides the catch-all because Fastify caches the parser it finds for a content type,
 * except the catch-all: for that one it parses the header into a ContentType on every request.
 */
export function acceptRawBodies(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  const rawBody = { parseAs: 'buffer', bodyLimit } as const;
  const keep = (_req: unknown, body: Buffer, done: (err: null, body: Buffer) => void) => done(null, body);
  app.addContentTypeParser('application/json', rawBody, keep);
  app.addContentTypeParser('*', rawBody, keep);
}

/** Why Fastify refused a request before the route's handler; `statusCode` is its 4xx (or 500). */
export type RefusedBody = { tooLarge: boolean; statusCode: number };

/**
 * Classifies an error handler's `err`. Synchronous on purpose: a body cut short by a client that
 * went away is answered (and its span recorded) in the turn Fastify reports it, before
 * onRequestAbort would end the span bare. Only an oversized body is awaited, drained by
 * drainRefusedBody (oversized-body.ts) before the answer so that the answer reaches the client.
 */
export function classifyRefusal(err: FastifyError): RefusedBody {
  const statusCode = err.statusCode ?? 500;
  return {
    tooLarge: err.code === 'FST_ERR_CTP_BODY_TOO_LARGE',
    statusCode: statusCode >= 400 && statusCode < 500 ? statusCode : 500,
  };
}
