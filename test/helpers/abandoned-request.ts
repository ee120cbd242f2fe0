// A client that goes away mid-body, over a real TLS socket (app.inject() cannot abandon a
// request): for the tests that a review route still ends what it started for such a request.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import type { FastifyInstance } from 'fastify';

/**
 * Starts `app` listening on loopback, POSTs to `path` the first bytes of a JSON body said to be
 * 1,000 bytes long, and closes the connection 100 ms later. Resolves once it is closed.
 */
export async function abandonMidBody(
  app: Pick<FastifyInstance, 'listen' | 'server'>,
  path: string,
  bodyStart: string,
): Promise<void> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  await once(socket, 'secureConnect');
  socket.write(
    `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
      `content-length: 1000\r\n\r\n${bodyStart}`,
  );
  await new Promise((r) => setTimeout(r, 100));
  socket.destroy();
}
