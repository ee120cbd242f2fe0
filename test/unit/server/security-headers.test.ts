// The security headers table: the same headers @fastify/helmet sets, on every kind of reply.
import helmet from '@fastify/helmet';
import Fastify from 'fastify';
import t from 'tap';
import { addSecurityHeaders, helmetHeaders } from '../../../src/server/security-headers.ts';

t.test('helmetHeaders is what @fastify/helmet puts on a reply', async (t) => {
  const headers = await helmetHeaders();
  t.equal(headers['x-content-type-options'], 'nosniff');
  t.match(headers['strict-transport-security'], /max-age=\d+/);
  t.match(headers['content-security-policy'], /default-src 'self'/);

  const reference = Fastify();
  await reference.register(helmet, { global: true });
  reference.post('/x', async () => ({ ok: true }));
  const ours = Fastify();
  addSecurityHeaders(ours, headers);
  ours.post('/x', async () => ({ ok: true }));
  for (const [method, url] of [
    ['POST', '/x'],
    ['GET', '/missing'],
  ] as const) {
    const [a, b] = await Promise.all([reference.inject({ method, url }), ours.inject({ method, url })]);
    t.equal(b.statusCode, a.statusCode);
    for (const name of Object.keys(headers)) t.equal(b.headers[name], a.headers[name], `${method} ${url}: ${name}`);
  }
  await Promise.all([reference.close(), ours.close()]);
});
