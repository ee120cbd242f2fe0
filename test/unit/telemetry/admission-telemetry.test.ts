// Admission telemetry through app.inject(): the request's span (the admission plugin's own, with
// the SDK started as in production), its attributes and parent, the log lines inside it, the
// metrics.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { pino } from 'pino';
import t from 'tap';
import { MUTATE_PATH, VALIDATE_PATH } from '../../../src/constants.ts';
import { createAdmissionTelemetry } from '../../../src/telemetry/admission-telemetry.ts';
import { traceLogMixin } from '../../../src/telemetry/log-context.ts';
import { abandonMidBody } from '../../helpers/abandoned-request.ts';
import { eventually } from '../../helpers/eventually.ts';
import { captureLogLines } from '../../helpers/log-lines.ts';
import { admissionReview, buildTestServer, minimalWebApp } from '../../helpers/server.ts';
import { sample, startInProcessTelemetry } from './in-process.ts';

const telemetry = await startInProcessTelemetry(t);
const { lines, stream: logStream } = captureLogLines();
const app = await buildTestServer({
  logger: pino({ level: 'debug', mixin: traceLogMixin }, logStream),
  admissionHooks: createAdmissionTelemetry(),
});
t.teardown(() => app.close());

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
/** The one span whose attributes include all of `attributes`. */
const spanWith = async (attributes: Record<string, string | boolean>) => {
  const found = (await telemetry.spans()).filter((s) =>
    Object.entries(attributes).every(([k, v]) => s.attributes[k] === v),
  );
  if (found.length !== 1) t.fail(`${found.length} spans with ${JSON.stringify(attributes)}`);
  return found[0];
};

const post = (url: string, payload: object | string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json', ...headers } });

t.test('one SERVER span per request, a child of the traceparent, named and annotated', async (t) => {
  const res = await post(MUTATE_PATH, admissionReview(minimalWebApp(), { uid: 'uid-mutate' }), {
    traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`,
  });
  t.equal(res.statusCode, 200);
  const span = await spanWith({ 'shipshape.admission.webhook': 'mutate', 'shipshape.admission.allowed': true });
  if (!span) return;
  t.equal(span.name, 'admission mutate');
  t.equal(span.kind, SpanKind.SERVER);
  t.equal(span.spanContext().traceId, TRACE_ID, "the apiserver's trace");
  t.equal(span.parentSpanContext?.spanId, PARENT_ID, "a child of the apiserver's span");
  t.match(span.attributes, {
    'shipshape.admission.webhook': 'mutate',
    'shipshape.admission.operation': 'CREATE',
    'shipshape.admission.kind': 'shipshape.dev/WebApp',
    'shipshape.admission.namespace': 'team-a',
    'shipshape.admission.name': 'shop',
    'shipshape.admission.dry_run': false,
    'shipshape.admission.allowed': true,
  });
  t.ok(Number(span.attributes['shipshape.admission.patch_operations']) > 0, 'counts the patch operations');
  t.notOk('shipshape.admission.denial_reason' in span.attributes);
  const sameTrace = (await telemetry.spans()).filter((s) => s.spanContext().traceId === TRACE_ID);
  t.equal(sameTrace.length, 1, 'no hook or handler spans beside it');
  const logged = lines.find((l) => l.uid === 'uid-mutate');
  t.match(logged, { msg: 'admission reviewed', trace_id: TRACE_ID, span_id: span.spanContext().spanId });
});

t.test('a denial: reason and status code on the span, not a span error', async (t) => {
  const object = { ...minimalWebApp(), spec: { image: 'nginx:1.27', replicas: 50 } };
  await post(VALIDATE_PATH, admissionReview(object, { uid: 'uid-denied', dryRun: true }));
  const span = await spanWith({ 'shipshape.admission.webhook': 'validate', 'shipshape.admission.dry_run': true });
  if (!span) return;
  t.match(span.attributes, {
    'shipshape.admission.allowed': false,
    'shipshape.admission.dry_run': true,
    'shipshape.admission.status_code': 422,
    'shipshape.admission.denial_reason': /spec\.replicas: 50 exceeds the maximum of 10/,
  });
  t.equal(span.name, 'admission validate');
  t.equal(span.status.code, SpanStatusCode.UNSET, 'a denial is an answer, not a failure');
  t.equal(span.parentSpanContext, undefined, 'no traceparent: a root span');
});

t.test('a malformed body: the error code on the span', async (t) => {
  await post(MUTATE_PATH, '{"apiVersion": ');
  const spans = await telemetry.spans();
  const span = spans.find((s) => s.attributes['shipshape.admission.error_code'] === 'ADM_DECODE');
  t.ok(span, 'a span with ADM_DECODE');
  t.match(span?.attributes, { 'shipshape.admission.webhook': 'mutate', 'shipshape.admission.allowed': false });
});

t.test('probes get no span', async (t) => {
  const before = (await telemetry.spans()).length;
  await app.inject({ method: 'GET', url: '/healthz' });
  await app.inject({ method: 'GET', url: '/readyz' });
  t.equal((await telemetry.spans()).length, before);
});

t.test(
  'metrics: requests by webhook, kind, operation, allowed and code; latency with sub-millisecond buckets',
  async (t) => {
    const samples = await telemetry.scrape();
    const requests = (labels: Record<string, string>) => sample(samples, 'shipshape_admission_requests_total', labels);
    t.equal(
      requests({ webhook: 'mutate', kind: 'WebApp', operation: 'CREATE', allowed: 'true', admission_code: '200' }),
      1,
    );
    t.equal(
      requests({ webhook: 'validate', kind: 'WebApp', operation: 'CREATE', allowed: 'false', admission_code: '422' }),
      1,
      'the denial, with its 422',
    );
    t.equal(
      requests({ webhook: 'mutate', kind: 'WebApp', operation: 'UNKNOWN', allowed: 'false', admission_code: '400' }),
      1,
      'the malformed one, with its 400',
    );
    t.equal(requests({}), 3, 'no other series');
    t.equal(sample(samples, 'shipshape_admission_duration_count'), 3);
    t.equal(sample(samples, 'shipshape_admission_duration_bucket', { le: '+Inf' }), 3);
    t.ok(
      [...samples.keys()].some((k) => k.startsWith('shipshape_admission_duration_bucket') && k.includes('le="0.0001"')),
      'a bucket at 100 µs',
    );
    t.equal(sample(samples, 'shipshape_leader'), 0, 'not leading until told');
  },
);

t.test('a client that goes away mid-body: the span still ends, with why', async (t) => {
  const before = (await telemetry.spans()).length;
  await abandonMidBody(app, VALIDATE_PATH, '{"apiVersion": "admission.k8s.io/v1",');
  const span = await eventually('the aborted request’s span', async () => (await telemetry.spans())[before]);
  t.equal(span.name, 'admission validate');
  t.match(span.attributes, {
    'shipshape.admission.allowed': false,
    'shipshape.admission.error_code': 'ADM_DECODE',
    'shipshape.admission.denial_reason': /aborted/,
  });
});

t.test('a request its caller did not sample: no span exported, its log lines still name the trace', async (t) => {
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  await post(MUTATE_PATH, admissionReview(minimalWebApp(), { uid: 'uid-unsampled' }), {
    traceparent: `00-${traceId}-b7ad6b7169203331-00`,
  });
  t.equal((await telemetry.spans()).filter((s) => s.spanContext().traceId === traceId).length, 0);
  t.match(
    lines.find((l) => l.uid === 'uid-unsampled'),
    { msg: 'admission reviewed', trace_id: traceId, trace_flags: '00' },
  );
});
