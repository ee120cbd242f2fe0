// What warn enforcement let through, as telemetry shows it: the would_deny counter by namespace
// and reason (scraped from the real Prometheus endpoint) and the admission span's mark.
import { pino } from 'pino';
import t from 'tap';
import { VALIDATE_PATH } from '../../../src/constants.ts';
import { createAdmissionTelemetry } from '../../../src/telemetry/admission-telemetry.ts';
import { DEFAULT_LIMITS } from '../../../webhooks/limits.ts';
import { admissionReview, buildTestServer, minimalWebApp } from '../../helpers/server.ts';
import { sample, startInProcessTelemetry } from './in-process.ts';

const telemetry = await startInProcessTelemetry(t);
const annotations: Record<string, Record<string, string>> = {
  'team-a': { 'shipshape.dev/enforcement': 'warn' },
  'team-b': {},
};
const app = await buildTestServer({
  logger: pino({ level: 'silent' }),
  admissionHooks: createAdmissionTelemetry(),
  policyConfig: { limits: DEFAULT_LIMITS },
  namespaceAnnotations: (namespace) => annotations[namespace],
});
t.teardown(() => app.close());

const tooBig = () => ({ ...minimalWebApp(), spec: { image: 'nginx:1.27', replicas: 50, port: 80 } });
const validate = async (namespace: string, uid: string) => {
  const res = await app.inject({
    method: 'POST',
    url: VALIDATE_PATH,
    payload: admissionReview(tooBig(), { uid, namespace }),
    headers: { 'content-type': 'application/json' },
  });
  return (res.json() as { response: { allowed: boolean } }).response;
};
const WOULD_DENY = 'shipshape_admission_would_deny_total';

t.test('warn: one count per limit broken, by namespace and reason; the span lists them', async (t) => {
  t.equal((await validate('team-a', 'uid-warn')).allowed, true);
  await validate('team-a', 'uid-warn-2');
  const samples = await telemetry.scrape();
  t.equal(sample(samples, WOULD_DENY, { namespace: 'team-a', reason: 'max-replicas' }), 2);
  t.equal(sample(samples, WOULD_DENY, { namespace: 'team-a', reason: 'min-port' }), 2);
  const span = (await telemetry.spans()).find((s) => s.attributes['shipshape.admission.allowed'] === true);
  t.strictSame(span?.attributes['shipshape.admission.would_deny'], [
    'spec.replicas: 50 exceeds the maximum of 10',
    'spec.port: 80 is below the minimum of 1024',
  ]);
});

t.test('enforce: denied, nothing counted, no mark', async (t) => {
  t.equal((await validate('team-b', 'uid-enforce')).allowed, false);
  const samples = await telemetry.scrape();
  t.equal(sample(samples, WOULD_DENY, { namespace: 'team-b' }), 0);
  const denied = (await telemetry.spans()).filter((s) => s.attributes['shipshape.admission.allowed'] === false);
  t.equal(denied.length, 1);
  t.notOk('shipshape.admission.would_deny' in denied[0]!.attributes);
});
