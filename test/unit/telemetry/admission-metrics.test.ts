// The admission counter and histogram as the metric readers collect them, by direct calls.
import { DataPointType, type Histogram } from '@opentelemetry/sdk-metrics';
import t from 'tap';
import { ADMISSION_BUCKETS, createAdmissionMetrics } from '../../../src/telemetry/admission-metrics.ts';

async function collected(metrics: ReturnType<typeof createAdmissionMetrics>) {
  const { resourceMetrics, errors } = await metrics.producer.collect();
  t.same(errors, []);
  return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => ({ scope: s.scope.name, ...m })));
}

t.test('nothing recorded: nothing collected', async (t) => {
  t.same(await collected(createAdmissionMetrics()), []);
});

t.test('a cumulative counter and histogram per webhook, operation and allowed', async (t) => {
  let now = 1_700_000_000_000;
  const metrics = createAdmissionMetrics(() => now);
  metrics.record('mutate', 'CREATE', true, 0.00004);
  metrics.record('mutate', 'CREATE', true, 0.0003);
  metrics.record('mutate', 'CREATE', true, 7);
  metrics.record('validate', 'UPDATE', false, 0.0001);
  now += 5_000;
  const [requests, duration] = await collected(metrics);
  t.match(requests, {
    scope: 'shipshape',
    descriptor: { name: 'shipshape.admission.requests', unit: '' },
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
  });
  t.same(
    requests?.dataPoints.map((p) => [p.attributes, p.value]),
    [
      [{ webhook: 'mutate', operation: 'CREATE', allowed: true }, 3],
      [{ webhook: 'validate', operation: 'UPDATE', allowed: false }, 1],
    ],
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

  metrics.record('mutate', 'CREATE', true, 0.001);
  const [again] = await collected(metrics);
  t.equal(again?.dataPoints[0]?.value, 4, 'cumulative: the next collection counts on');
});
