// Shipshape's admission server alone, from any checkout of this repository: `buildServer` as
// src/main.ts calls it (the default settings' policies, the admission telemetry of
// src/telemetry/admission-telemetry.ts, the drain hook), with no cluster behind it (no Namespace
// annotations, no watches, no Lease). bench/compare.ts serves two trees with it side by side, so a
// change's cost per request is measured against the code before it in one run.
//
//   node bench/admission-server.ts --root <checkout> --port 9443 --cert tls.crt --key tls.key
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: '.' },
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    cert: { type: 'string' },
    key: { type: 'string' },
  },
});
const root = resolve(values.root);
// The tree's own modules, so the code measured is that checkout's.
const { parseConfig, toPolicyConfig } = await import(`${root}/src/config/config.ts`);
const { buildServer } = await import(`${root}/src/server/build-server.ts`);
const { readKeyPair } = await import(`${root}/src/tls/key-pair.ts`);
const { createAdmissionTelemetry } = await import(`${root}/src/telemetry/admission-telemetry.ts`);

const { config } = parseConfig([], {});
const app = await buildServer({
  tls: await readKeyPair(values.cert, values.key, undefined),
  logger: pino({ level: 'warn' }),
  policyConfig: toPolicyConfig(config),
  namespaceAnnotations: () => undefined,
  readiness: [],
  bodyLimit: config.bodyLimitBytes,
  admissionHooks: createAdmissionTelemetry(),
  draining: () => false,
});
await app.listen({ port: Number(values.port), host: values.host });
console.log(`listening on ${values.host}:${values.port} (${root})`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
