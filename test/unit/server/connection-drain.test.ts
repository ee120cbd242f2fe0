// While the process drains (src/server/connection-drain.ts), every webhook answer closes its
// connection, the conversion webhook's as much as admission's: the apiserver keeps a connection
// pool per webhook, and a rolling restart fails a v2 read as surely as a create when a kept-alive
// connection is closed under it (test/integration/conversion-rollout.test.ts, where without the
// shutdown delay admissions failed with "broken pipe" and the 503 of a closing Fastify). Answers
// that are Failures (an oversized conversion body, a malformed AdmissionReview) close too. And a
// request that reaches the server as it closes is answered, not refused with that 503 (a
// conversion failed so in one rollout of four, with the delay).
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import t from 'tap';
import { CONVERT_PATH, MUTATE_PATH, VALIDATE_PATH } from '../../../src/constants.ts';
import { admissionReview, buildTestServer, minimalWebApp } from '../../helpers/server.ts';

let draining = false;
const CONVERSION_LIMIT = 64 * 1024;
const app = await buildTestServer({ conversionBodyLimit: CONVERSION_LIMIT, draining: () => draining });
t.teardown(() => app.close());

const conversionReview = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'ConversionReview',
  request: { uid: 'u-1', desiredAPIVersion: 'shipshape.dev/v2', objects: [minimalWebApp()] },
};
const requests = [
  { name: 'a conversion', url: CONVERT_PATH, payload: JSON.stringify(conversionReview), status: 'Success' },
  {
    name: 'a refused conversion body',
    url: CONVERT_PATH,
    payload: 'x'.repeat(CONVERSION_LIMIT + 1),
    status: 'Failure',
  },
  { name: 'a mutation', url: MUTATE_PATH, payload: JSON.stringify(admissionReview(minimalWebApp())) },
  { name: 'a validation', url: VALIDATE_PATH, payload: JSON.stringify(admissionReview(minimalWebApp())) },
  { name: 'a malformed AdmissionReview', url: VALIDATE_PATH, payload: '{' },
];

for (const phase of [false, true]) {
  t.test(phase ? 'while draining: every answer closes its connection' : 'before: connections are kept', async (t) => {
    draining = phase;
    for (const { name, url, payload, status } of requests) {
      const res = await app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });
      t.equal(res.statusCode, 200, `${name}: HTTP 200`);
      if (status) t.equal(res.json().response.result.status, status, `${name}: a ${status}`);
      if (phase) t.equal(res.headers.connection, 'close', `${name}: Connection: close`);
      else t.not(res.headers.connection, 'close', `${name}: no Connection: close`);
    }
  });
}

/**
 * A ConversionReview whose request line and headers start before the server closes (so Node keeps
 * its connection open, as a request in progress) and end after: what a call that reaches a replica
 * as its listener closes looks like. Resolves with the status line and the body.
 */
async function requestAcrossClose(server: Awaited<ReturnType<typeof buildTestServer>>, port: number) {
  const body = JSON.stringify(conversionReview);
  const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  await once(socket, 'secureConnect');
  let data = '';
  socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
  const ended = once(socket, 'close');
  socket.write(`POST ${CONVERT_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const closed = server.close();
  await new Promise((resolve) => setTimeout(resolve, 50));
  socket.write(`Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  await ended;
  await closed;
  const [head = '', payload = ''] = data.split('\r\n\r\n');
  return { status: head.split('\r\n')[0], payload };
}

t.test('a request that reaches the server as it closes is answered, not refused with 503', async (t) => {
  const server = await buildTestServer({ draining: () => true });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.server.address() as AddressInfo;
  const { status, payload } = await requestAcrossClose(server, port);
  t.equal(status, 'HTTP/1.1 200 OK', 'HTTP 200: the apiserver fails a conversion or an admission on any other');
  t.equal(JSON.parse(payload).response.result.status, 'Success', 'the review converted');
});
