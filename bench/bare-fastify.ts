// A second baseline of the webhook benchmark: bare Fastify, as Shipshape builds it (HTTPS with the
// same key pair, TLS 1.2+, the security headers of src/server/security-headers.ts, request logging
// off, a raw-body parser) answering the fixed allowed AdmissionReview of bench/bare-webhook.ts. The
// distance from bare `node:https` to this is the framework's; from this to Shipshape, Shipshape's.
// With --no-security-headers it sends none of @fastify/helmet's headers: what those cost alone.
//
//   node bench/bare-fastify.ts --port 9443 --cert tls.crt --key tls.key [--no-security-headers]
import Fastify, { LogController } from 'fastify';
import { pino } from 'pino';
import { addSecurityHeaders, helmetHeaders } from '../src/server/security-headers.ts';
import { baselineServerOptions } from './baseline-server.ts';

const { port, host, tls, securityHeaders } = baselineServerOptions();
const app = Fastify({
  loggerInstance: pino({ level: 'warn' }),
  logController: new LogController({ disableRequestLogging: true }),
  https: tls,
});
if (securityHeaders) addSecurityHeaders(app, await helmetHeaders());
app.removeAllContentTypeParsers();
// As src/server/admission-plugin.ts: application/json named besides the catch-all.
const keep = (_req: unknown, body: Buffer, done: (err: null, body: Buffer) => void) => done(null, body);
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, keep);
app.addContentTypeParser('*', { parseAs: 'buffer' }, keep);
const answer = async (req: { body: unknown }) => {
  let uid = '';
  try {
    uid = (JSON.parse(String(req.body)) as { request?: { uid?: string } }).request?.uid ?? '';
  } catch {
    // A fixed answer either way: the baseline does no checks.
  }
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true } };
};
app.post('/*', answer);
app.get('/healthz', async () => 'ok');
await app.listen({ port, host });
console.log(`listening on ${host}:${port}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
