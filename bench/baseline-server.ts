// The command line the baseline servers share (bench/bare-webhook.ts, bench/bare-fastify.ts,
// bench/lean-admission.ts): where to listen and the key pair, served with Shipshape's TLS floor (1.2).
//
//   --port 9443 [--host 127.0.0.1] --cert tls.crt --key tls.key [--no-security-headers]
//
// --no-security-headers: bare Fastify and the lean server send none of @fastify/helmet's headers;
// the bare server never sends them.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export function baselineServerOptions() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      cert: { type: 'string' },
      key: { type: 'string' },
      'no-security-headers': { type: 'boolean', default: false },
    },
  });
  return {
    port: Number(values.port),
    host: values.host,
    tls: { cert: readFileSync(values.cert!), key: readFileSync(values.key!), minVersion: 'TLSv1.2' as const },
    securityHeaders: !values['no-security-headers'],
  };
}
