// A TCP proxy on loopback for the dev loop and tests. It plays a Service in front of several
// Shipshape replicas (a random live target per connection, the next one when a target refuses, or
// resets the connection before answering anything: a replica whose listener closes resets the
// connections it had not accepted yet, and the next target is sent what the client had sent),
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

  /** `sent`: what the client has sent so far, while no target has answered it. */
  const dial = (client: Socket, candidates: Target[], sent: Buffer[] = []) => {
    const target = candidates.shift();
    if (!target) return client.destroy();
    // noDelay on both sides, as a Service's kube-proxy path has no Nagle delay of its own: without
    // it a small write that follows another waits for the peer's delayed ACK (~40 ms on Linux).
    const upstream = connect({ port: target.port, host: target.host, noDelay: true });
    const record = (chunk: Buffer) => {
      if (upstream.bytesRead) client.off('data', record);
      else sent.push(chunk);
    };
    let redialed = false;
    upstream.once('error', () => {
      upstreams.delete(upstream);
      client.off('data', record);
      client.unpipe(upstream);
      // Refused, or reset before it answered anything: the next target, with what was sent.
      redialed = !upstream.bytesRead && !client.destroyed;
      if (redialed) dial(client, candidates, sent);
      else client.destroy();
    });
    upstream.once('connect', () => {
      if (!forwarding) return upstream.destroy();
      upstreams.add(upstream);
      for (const chunk of sent) upstream.write(chunk);
      client.on('data', record);
      client.pipe(upstream);
      upstream.pipe(client);
      upstream.once('close', () => {
        upstreams.delete(upstream);
        if (forwarding && !redialed) client.destroy();
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
