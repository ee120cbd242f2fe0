// The admission counter and histogram as the metric readers collect them, by direct calls.
import { AggregationTemporality, DataPointType, type Histogram, type MetricProducer } from '@opentelemetry/sdk-metrics';
import t from 'tap';
import { ADMISSION_BUCKETS, createAdmissionMetrics } from '../../../src/telemetry/admission-metrics.ts';

async function collected(producer: MetricProducer) {
  const { resourceMetrics, errors } = await producer.collect();
  t.same(errors, []);
  return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => ({ scope: s.scope.name, ...m })));
}

t.test('nothing recorded: nothing collected', async (t) => {
  t.same(await collected(createAdmissionMetrics().producer()), []);
});

t.test('a cumulative counter and histogram per webhook, kind, operation, allowed and code', async (t) => {
  let now = 1_700_000_000_000;
  const metrics = createAdmissionMetrics(() => now);
  const producer = metrics.producer();
  metrics.record('mutate', 'WebApp', 'CREATE', true, 200, 0.00004);
  metrics.record('mutate', 'WebApp', 'CREATE', true, 200, 0.0003);
  metrics.record('mutate', 'WebApp', 'CREATE', true, 200, 7);
  metrics.record('validate', 'WebApp', 'UPDATE', false, 422, 0.0001);
  metrics.record('validate', 'WebApp', 'UPDATE', false, 500, 0.0002);
  now += 5_000;
  const [requests, duration] = await collected(producer);
  t.match(requests, {
    scope: 'shipshape',
    descriptor: { name: 'shipshape.admission.requests', unit: '' },
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
  });
  t.same(
    requests?.dataPoints.map((p) => [p.attributes, p.value]),
    [
      [{ webhook: 'mutate', kind: 'WebApp', operation: 'CREATE', allowed: true, admission_code: 200 }, 3],
      [{ webhook: 'validate', kind: 'WebApp', operation: 'UPDATE', allowed: false, admission_code: 422 }, 1],
      [{ webhook: 'validate', kind: 'WebApp', operation: 'UPDATE', allowed: false, admission_code: 500 }, 1],
    ],
    'a denial (422) and an error (500) are told apart',
  );
  t.same(requests?.dataPoints[0]?.startTime, [1_700_000_000, 0], 'since the process started');
  t.same(requests?.dataPoints[0]?.endTime, [1_700_000_005, 0]);

  t.match(duration, { descriptor: { name: 'shipshape.admission.duration', unit: 's' } });
  t.equal(duration?.dataPointType, DataPointType.HISTOGRAM);
  const mutate = duration?.dataPoints[0]?.value as Histogram;
  t.same(mutate.buckets.boundaries, ADMISSION_BUCKETS);
  const counts = new Array(ADMISSION_BUCKETS.length + 1).fill(0);
  counts[0] = 1; // 40 us <= 50 us
  counts[3] = 1; // 300 us in (250 us, 500 us]
  counts[ADMISSION_BUCKETS.length] = 1; // 7 s above the last bound (5 s)
  t.same(mutate.buckets.counts, counts);
  t.match(mutate, { count: 3, min: 0.00004, max: 7 });
  t.ok(Math.abs(mutate.sum! - 7.00034) < 1e-9, 'the sum of the observations');
  const validate = duration?.dataPoints[1]?.value as Histogram;
  t.equal(validate.buckets.counts[1], 1, 'a value on a bound counts in that bound (le="0.0001")');

  metrics.record('mutate', 'WebApp', 'CREATE', true, 200, 0.001);
  const [again] = await collected(producer);
  t.equal(again?.dataPoints[0]?.value, 4, 'cumulative: the next collection counts on');
});

t.test('delta, when the exporter asks for it: what happened since that producer last collected', async (t) => {
  let now = 1_700_000_000_000;
  const metrics = createAdmissionMetrics(() => now);
  const DELTA = AggregationTemporality.DELTA;
  const delta = metrics.producer({ sum: DELTA, histogram: DELTA });
  const cumulative = metrics.producer();
  metrics.record('mutate', 'WebApp', 'CREATE', true, 200, 0.0003);
  metrics.record('validate', 'WebApp', 'CREATE', true, 200, 0.0003);
  now += 10_000;
  const [first] = await collected(delta);
  t.equal(first?.aggregationTemporality, DELTA);
  t.same(
    first?.dataPoints.map((p) => p.value),
    [1, 1],
  );
  metrics.record('mutate', 'WebApp', 'CREATE', true, 200, 0.002);
  metrics.record('mutate', 'WebApp', 'CREATE', true, 200, 0.003);
  now += 10_000;
  const [requests, duration] = await collected(delta);
  t.same(
    requests?.dataPoints.map((p) => [p.attributes.webhook, p.value, p.startTime, p.endTime]),
    [['mutate', 2, [1_700_000_010, 0], [1_700_000_020, 0]]],
    'only the series that moved, over the last interval',
  );
  const h = duration?.dataPoints[0]?.value as Histogram;
  t.match(h, { count: 2, min: undefined, max: undefined });
  t.ok(Math.abs(h.sum! - 0.005) < 1e-12);
  t.equal(
    h.buckets.counts.reduce((a, b) => a + b, 0),
    2,
    'the interval’s observations only',
  );
  now += 10_000;
  t.same(await collected(delta), [], 'nothing new: nothing to report');
  const [total] = await collected(cumulative);
  t.same(
    total?.dataPoints.map((p) => p.value),
    [3, 1],
    'another reader’s cumulative points are not disturbed',
  );
});

t.test('each kind its own series: a WebApp and a MySQLCluster review apart', async (t) => {
  const metrics = createAdmissionMetrics(() => 1_700_000_000_000);
  metrics.record('validate', 'WebApp', 'CREATE', false, 422, 0.0001);
  metrics.record('validate', 'MySQLCluster', 'CREATE', false, 422, 0.0001);
  metrics.record('validate', 'MySQLCluster', 'CREATE', false, 422, 0.0001);
  metrics.record('unknown', 'unknown', 'UNKNOWN', false, 400, 0.0001);
  const [requests] = await collected(metrics.producer());
  t.same(
    requests?.dataPoints.map((p) => [p.attributes.kind, p.value]),
    [
      ['WebApp', 1],
      ['MySQLCluster', 2],
      ['unknown', 1],
    ],
  );
});
