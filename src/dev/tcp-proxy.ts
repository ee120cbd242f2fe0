// A TCP proxy on loopback for the dev loop and tests. It plays a Service in front of several
// Shipshape replicas (a random live target per connection, the next one when a target refuses),
// and a network link a test can cut: setForwarding(false) stops forwarding on every connection,
// old and new, without closing them, as a partition does; requests hang until their own timeouts.
import { type Server, type Socket, connect, createServer } from 'node:net';

export type Target = { host: string; port: number };

export type TcpProxy = {
  port: number;
  setForwarding(on: boolean): void;
  close(): Promise<void>;
};

/** Listens on 127.0.0.1:`port` (0: a free one). */
export async function startTcpProxy(targets: () => Target[], port = 0): Promise<TcpProxy> {
  let forwarding = true;
  const clients = new Set<Socket>();
  const upstreams = new Set<Socket>();

  const dial = (client: Socket, candidates: Target[]) => {
    const target = candidates.shift();
    if (!target) return client.destroy();
    // noDelay on both sides, as a Service's kube-proxy path has no Nagle delay of its own: without
    // it a small write that follows another waits for the peer's delayed ACK (~40 ms on Linux).
    const upstream = connect({ port: target.port, host: target.host, noDelay: true });
    upstream.once('error', () => {
      upstreams.delete(upstream);
      // Refused before any byte was exchanged: try the next target.
      if (!upstream.bytesRead && !client.destroyed) dial(client, candidates);
      else client.destroy();
    });
    upstream.once('connect', () => {
      if (!forwarding) return upstream.destroy();
      upstreams.add(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      upstream.once('close', () => {
        upstreams.delete(upstream);
        if (forwarding) client.destroy();
      });
    });
  };

  const server: Server = createServer((client) => {
    clients.add(client);
    client.setNoDelay(true);
    client.once('close', () => clients.delete(client));
    client.on('error', () => {});
    if (forwarding)
      dial(
        client,
        [...targets()].sort(() => Math.random() - 0.5),
      );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('the proxy has no port');

  return {
    port: address.port,
    setForwarding(on: boolean) {
      forwarding = on;
      if (!on) {
        // Drop the upstream side only: clients keep a silent, open connection.
        for (const upstream of upstreams) {
          upstream.unpipe();
          upstream.destroy();
        }
        for (const client of clients) client.unpipe();
      } else {
        // A healed link: hung connections are reset so clients reconnect.
        for (const client of clients) client.destroy();
      }
    },
    async close() {
      for (const socket of [...clients, ...upstreams]) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
