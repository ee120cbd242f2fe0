// A TCP proxy in front of the apiserver that counts the connections a client opens and can stop
// forwarding without closing anything, as a partition does (src/dev/tcp-proxy.ts plays a Service
// for the dev loop; this one only counts and cuts). TLS passes through: the apiserver's serving
// certificate names 127.0.0.1, where this listens.
import { type Socket, connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

type Teardown = { teardown(fn: () => unknown): void };

/** Listens on a free loopback port until `t` ends; `target` is the apiserver's https URL. */
export async function useCountingProxy(t: Teardown, target: string) {
  const { hostname, port } = new URL(target);
  let forwarding = true;
  let connections = 0;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  };
  const server = createServer((client) => {
    connections += 1;
    const upstream = connect({ host: hostname, port: Number(port) });
    track(client);
    track(upstream);
    client.on('data', (chunk) => forwarding && upstream.write(chunk));
    upstream.on('data', (chunk) => forwarding && client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Connections accepted so far. */
    connections: () => connections,
    /** false: bytes in either direction are dropped, on open and new connections alike. */
    setForwarding(on: boolean) {
      forwarding = on;
    },
  };
}
