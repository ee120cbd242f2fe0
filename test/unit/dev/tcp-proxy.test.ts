// The dev balancer (src/dev/tcp-proxy.ts) as a Service in front of replicas that come and go: a
// target that resets a connection before answering anything (what a replica's closing listener
// does to the connections it had not accepted yet) costs the client nothing, because the next
// target gets what the client had sent. Before, the bytes sent to the reset target were lost and
// the connection hung (a TLS ClientHello that never reached a replica) or was closed.
import { once } from 'node:events';
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import t from 'tap';
import { startTcpProxy } from '../../../src/dev/tcp-proxy.ts';

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

let resets = 0;
/** Reads the first bytes of every connection, then resets it without answering. */
const resetting = createServer((socket: Socket) => {
  socket.once('data', () => {
    resets++;
    socket.resetAndDestroy();
  });
});
/** Answers every chunk with itself. */
const echo = createServer((socket: Socket) => socket.pipe(socket));
const targets = [
  { host: '127.0.0.1', port: await listen(resetting) },
  { host: '127.0.0.1', port: await listen(echo) },
];
const proxy = await startTcpProxy(() => targets);
t.teardown(async () => {
  await proxy.close();
  resetting.close();
  echo.close();
});

/** Sends `message` through the proxy and resolves with what comes back before the echo's length. */
async function roundTrip(message: string): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port: proxy.port });
  await once(socket, 'connect');
  socket.write(message);
  let answer = '';
  for await (const chunk of socket) {
    answer += String(chunk);
    if (answer.length >= message.length) break;
  }
  socket.destroy();
  return answer;
}

t.test('a target that resets before answering: the next one gets what the client sent', async (t) => {
  const answers = [];
  for (let i = 0; i < 20; i++) answers.push(await roundTrip(`hello ${i}`));
  t.strictSame(
    answers,
    Array.from({ length: 20 }, (_, i) => `hello ${i}`),
    'every client got its own bytes back',
  );
  t.ok(resets > 0, `the resetting target was tried (${resets} of 20 connections)`);
});
