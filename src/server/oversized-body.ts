// An oversized AdmissionReview is refused (a denial with code 413) before its body has arrived.
// Answering at once and closing, as Fastify does (`connection: close`), leaves the rest of the body
// arriving at a closed socket: the kernel answers with a reset, which can reach the client before
// it has read the denial, so it sees `write EPIPE` or ECONNRESET instead, intermittently (it races
// the client's reads; a client that asked for `Connection: close` gets the same from Node after any
// answer). The client cannot avoid that; the server can: RFC 9112 section 9.6 asks a server that
// closes to keep reading for a while ("lingering close"), as Go's net/http does. So the rest of the
// body is read and thrown away before the answer is sent, within a bound of bytes and time; then
// the connection can even stay open. Past either bound the answer goes out at once, and closes.
import type { IncomingMessage } from 'node:http';
import type { FastifyReply } from 'fastify';

export type DrainBounds = { maxBytes: number; maxMs: number };

/**
 * Reads and discards the rest of a refused request body; resolves once it has all arrived, the
 * request is gone, or a bound is passed. Never rejects. Call before sending the answer.
 */
export function drainRefusedBody(raw: IncomingMessage, reply: FastifyReply, bounds: DrainBounds): Promise<void> {
  const declared = Number(raw.headers['content-length'] ?? 0);
  if (raw.complete || raw.destroyed || declared > bounds.maxBytes) return Promise.resolve();
  return new Promise((resolve) => {
    let received = 0;
    const done = (drained: boolean) => {
      clearTimeout(timer);
      raw.removeListener('data', onData);
      if (drained) reply.removeHeader('connection');
      resolve();
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > bounds.maxBytes) done(false);
    };
    const timer = setTimeout(() => done(false), bounds.maxMs);
    raw.on('data', onData);
    raw.once('end', () => done(true));
    raw.once('close', () => done(false));
    raw.once('error', () => done(false));
    raw.resume();
  });
}
