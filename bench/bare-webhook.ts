// The baseline of the webhook benchmarks: a bare `node:https` server with Shipshape's TLS (the same
// key pair, TLS 1.2+) that reads the body, parses it as JSON and answers a fixed allowed
// AdmissionReview echoing the request's uid. What any Node webhook pays before its own logic.
//
//   node bench/bare-webhook.ts --port 9443 --cert tls.crt --key tls.key
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    cert: { type: 'string' },
    key: { type: 'string' },
  },
});
const server = createServer(
  { cert: readFileSync(values.cert!), key: readFileSync(values.key!), minVersion: 'TLSv1.2' },
  (req, res) => {
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
  },
);
server.listen(Number(values.port), values.host, () => console.log(`listening on ${values.host}:${values.port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
