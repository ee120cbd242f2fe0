// Conversion telemetry through app.inject() (issue #35): one SERVER span per ConversionReview, a
// child of the apiserver's traceparent, annotated, an error when the review failed; the failure
// logged with its code inside the span; the reviews, duration and objects metrics as scraped.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { pino } from 'pino';
import t from 'tap';
import { CONVERT_PATH } from '../../../src/constants.ts';
import { createConversionTelemetry } from '../../../src/telemetry/conversion-telemetry.ts';
import { traceLogMixin } from '../../../src/telemetry/log-context.ts';
import { abandonMidBody } from '../../helpers/abandoned-request.ts';
import { eventually } from '../../helpers/eventually.ts';
import { captureLogLines } from '../../helpers/log-lines.ts';
import { buildTestServer } from '../../helpers/server.ts';
import { sample, startInProcessTelemetry } from './in-process.ts';

const telemetry = await startInProcessTelemetry(t);
const { lines, stream: logStream } = captureLogLines();
const LIMIT = 64 * 1024;
const app = await buildTestServer({
  logger: pino({ level: 'debug', mixin: traceLogMixin }, logStream),
  conversionHooks: createConversionTelemetry(),
  conversionBodyLimit: LIMIT,
});
t.teardown(() => app.close());

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const v1 = (name: string) => ({
  apiVersion: 'shipshape.dev/v1',
  kind: 'WebApp',
  metadata: { name, namespace: 'team-a' },
  spec: { image: 'nginx:1.27', port: 8080 },
});
const post = (uid: string, desiredAPIVersion: string, objects: unknown[], headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: CONVERT_PATH,
    payload: {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'ConversionReview',
      request: { uid, desiredAPIVersion, objects },
    },
    headers: { 'content-type': 'application/json', ...headers },
  });
const spanWith = async (attributes: Record<string, string | number>) => {
  const found = (await telemetry.spans()).filter((s) =>
    Object.entries(attributes).every(([k, v]) => s.attributes[k] === v),
  );
  t.equal(found.length, 1, `one span with ${JSON.stringify(attributes)}`);
  return found[0];
};

t.test('a success: a SERVER span under the traceparent, with the version and the object count', async (t) => {
  const res = await post('uid-ok', 'shipshape.dev/v2', [v1('a'), v1('b'), v1('c')], {
    traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`,
  });
  t.equal(res.json().response.result.status, 'Success');
  const span = await spanWith({ 'shipshape.conversion.objects': 3 });
  if (!span) return;
  t.equal(span.name, 'conversion webapps');
  t.equal(span.kind, SpanKind.SERVER);
  t.equal(span.spanContext().traceId, TRACE_ID, "the apiserver's trace");
  t.equal(span.parentSpanContext?.spanId, PARENT_ID);
  t.strictSame(span.attributes, {
    'shipshape.conversion.desired_version': 'shipshape.dev/v2',
    'shipshape.conversion.objects': 3,
    'shipshape.conversion.result': 'success',
  });
  t.equal(span.status.code, SpanStatusCode.UNSET);
  t.match(
    lines.find((l) => l.uid === 'uid-ok'),
    { msg: 'conversion reviewed', level: 20, desiredAPIVersion: 'shipshape.dev/v2', objects: 3, trace_id: TRACE_ID },
  );
});

t.test('a failure: an error span with its codes, a warn line with the code inside it', async (t) => {
  await post('uid-bad', 'shipshape.dev/v1', [v1('a'), { ...v1('p'), kind: 'Pod' }]);
  const span = await spanWith({ 'shipshape.conversion.error_code': 'CONV_INVALID_OBJECT' });
  if (!span) return;
  t.match(span.attributes, {
    'shipshape.conversion.desired_version': 'shipshape.dev/v1',
    'shipshape.conversion.objects': 2,
    'shipshape.conversion.result': 'failure',
    'shipshape.conversion.status_code': 422,
  });
  t.equal(span.status.code, SpanStatusCode.ERROR);
  t.match(span.status.message, /^CONV_INVALID_OBJECT: objects\[1\] \(team-a\/p\)/);
  const line = lines.find((l) => l.uid === 'uid-bad');
  t.match(line, {
    msg: 'conversion failed',
    level: 40,
    code: 'CONV_INVALID_OBJECT',
    objects: 2,
    err: { code: 'CONV_INVALID_OBJECT' },
    span_id: span.spanContext().spanId,
  });
});

t.test('metrics: reviews by bounded version, result and code; duration; objects converted', async (t) => {
  await post('uid-other', 'evil.example/v9-'.repeat(20), [v1('a')]);
  await app.inject({ method: 'POST', url: CONVERT_PATH, payload: Buffer.alloc(LIMIT + 1, 'x') });
  await app.inject({
    method: 'POST',
    url: CONVERT_PATH,
    payload: 'not json',
    headers: { 'content-type': 'text/plain' },
  });
  const samples = await telemetry.scrape();
  const reviews = (labels: Record<string, string>) => sample(samples, 'shipshape_conversion_reviews_total', labels);
  t.equal(reviews({ desired_version: 'shipshape.dev/v2', result: 'success', code: 'OK' }), 1);
  t.equal(reviews({ desired_version: 'shipshape.dev/v1', result: 'failure', code: 'CONV_INVALID_OBJECT' }), 1);
  t.equal(reviews({ desired_version: 'other', code: 'CONV_UNSUPPORTED_VERSION' }), 1, 'a hostile version is `other`');
  t.equal(reviews({ desired_version: 'unknown', code: 'CONV_BODY_TOO_LARGE' }), 1);
  t.equal(reviews({ desired_version: 'unknown', code: 'CONV_DECODE' }), 1);
  t.equal(reviews({ result: 'failure' }), 4);
  t.notOk(
    [...samples.keys()].some((k) => k.includes('evil.example')),
    'no label from the request',
  );
  t.equal(sample(samples, 'shipshape_conversion_duration_count'), 5);
  t.equal(sample(samples, 'shipshape_conversion_duration_bucket', { le: '30' }), 5, 'within the apiserver timeout');
  t.equal(sample(samples, 'shipshape_conversion_objects_total', { desired_version: 'shipshape.dev/v2' }), 3);
  t.equal(sample(samples, 'shipshape_conversion_objects_total'), 3, 'none from failed reviews');
});

t.test('one span per review, each ended', async (t) => {
  const spans = await telemetry.spans();
  t.equal(spans.filter((s) => s.name === 'conversion webapps').length, 5);
});

t.test('a client that goes away mid-body: the span still ends, with why', async (t) => {
  const before = (await telemetry.spans()).length;
  await abandonMidBody(app, CONVERT_PATH, '{"apiVersion": "apiextensions.k8s.io/v1",');
  const span = await eventually('the aborted request’s span', async () => (await telemetry.spans())[before]);
  t.equal(span.name, 'conversion webapps');
  t.match(span.attributes, {
    'shipshape.conversion.error_code': 'CONV_DECODE',
    'shipshape.conversion.status_code': 400,
  });
  t.match(span.status, { code: SpanStatusCode.ERROR, message: /aborted/ });
});
