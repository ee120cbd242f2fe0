// The baseline of the webhook benchmarks: a bare `node:https` server with Shipshape's TLS (the same
// key pair, TLS 1.2+) that reads the body, parses it as JSON and answers a fixed allowed
// AdmissionReview echoing the request's uid. What any Node webhook pays before its own logic.
//
//   node bench/bare-webhook.ts --port 9443 --cert tls.crt --key tls.key
import { createServer } from 'node:https';
import { baselineServerOptions } from './baseline-server.ts';

const { port, host, tls } = baselineServerOptions();
const server = createServer(tls, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let uid = '';
    try {
      uid = (JSON.parse(Buffer.concat(chunks).toString()) as { request?: { uid?: string } }).request?.uid ?? '';
    } catch {
      // A fixed answer either way: the baseline does no checks.
    }
    const body = JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid, allowed: true },
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
});
server.listen(port, host, () => console.log(`listening on ${host}:${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
