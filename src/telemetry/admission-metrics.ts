// The admission request counter and latency histogram, aggregated here and handed to the metric
// readers (OTLP and Prometheus) as a MetricProducer when they collect.
//
// Why not SDK instruments: every Histogram.record() hashes its attributes (sort + JSON.stringify)
// once per metric reader, and with OTLP push and the Prometheus scrape that is twice per
// AdmissionReview; the profile of bench/webhook-telemetry.ts put it at a sixth of what telemetry
// cost the webhook. Here one record() is two small Map lookups and a bucket search. The attribute
// sets are bounded: 3 webhooks x 6 operations x allowed.
//
// The points are cumulative from the process start, whatever temporality a reader prefers.
import { type Attributes, type HrTime, ValueType } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  type CollectionResult,
  DataPointType,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { INSTRUMENTATION_SCOPE } from './metrics.ts';

/** Seconds; admission answers in well under a millisecond, so the buckets start at 50 us. */
export const ADMISSION_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

type Series = {
  attributes: Attributes;
  /** counts[i]: observations <= ADMISSION_BUCKETS[i] (and > the bound before); the last is +Inf. */
  counts: number[];
  count: number;
  sum: number;
  min: number;
  max: number;
};

export type AdmissionMetrics = {
  /** One answered AdmissionReview and the seconds it took. */
  record(webhook: string, operation: string, allowed: boolean, seconds: number): void;
  /** What the metric readers collect, as shipshape.admission.requests and shipshape.admission.duration. */
  producer: MetricProducer;
};

function bucketOf(seconds: number): number {
  let i = 0;
  while (i < ADMISSION_BUCKETS.length && seconds > ADMISSION_BUCKETS[i]!) i++;
  return i;
}

/** `now` is injectable for tests; it returns epoch milliseconds. */
export function createAdmissionMetrics(now: () => number = Date.now): AdmissionMetrics {
  const start: HrTime = millisToHrTime(now());
  // webhook -> operation -> [denied, allowed]; `all` keeps them in order of first use.
  const index = new Map<string, Map<string, [Series | undefined, Series | undefined]>>();
  const all: Series[] = [];

  function collect(): MetricData[] {
    const end = millisToHrTime(now());
    const point = <T>(s: Series, value: T) => ({ startTime: start, endTime: end, attributes: s.attributes, value });
    return [
      {
        descriptor: {
          name: 'shipshape.admission.requests',
          description: 'AdmissionReviews answered, by webhook, operation and allowed',
          unit: '',
          valueType: ValueType.INT,
        },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: all.map((s) => point(s, s.count)),
      },
      {
        descriptor: {
          name: 'shipshape.admission.duration',
          description: 'Time from the request to the AdmissionReview answer',
          unit: 's',
          valueType: ValueType.DOUBLE,
        },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: all.map((s) =>
          point(s, {
            buckets: { boundaries: ADMISSION_BUCKETS, counts: [...s.counts] },
            count: s.count,
            sum: s.sum,
            min: s.min,
            max: s.max,
          }),
        ),
      },
    ];
  }

  return {
    record(webhook, operation, allowed, seconds) {
      let byOperation = index.get(webhook);
      if (!byOperation) index.set(webhook, (byOperation = new Map()));
      let pair = byOperation.get(operation);
      if (!pair) byOperation.set(operation, (pair = [undefined, undefined]));
      let s = pair[allowed ? 1 : 0];
      if (!s) {
        s = {
          attributes: { webhook, operation, allowed },
          counts: new Array<number>(ADMISSION_BUCKETS.length + 1).fill(0),
          count: 0,
          sum: 0,
          min: Infinity,
          max: -Infinity,
        };
        pair[allowed ? 1 : 0] = s;
        all.push(s);
      }
      s.counts[bucketOf(seconds)]!++;
      s.count++;
      s.sum += seconds;
      if (seconds < s.min) s.min = seconds;
      if (seconds > s.max) s.max = seconds;
    },
    producer: {
      // The readers use the SDK's resource, not this one.
      async collect(): Promise<CollectionResult> {
        return {
          resourceMetrics: {
            resource: emptyResource(),
            scopeMetrics: all.length > 0 ? [{ scope: { name: INSTRUMENTATION_SCOPE }, metrics: collect() }] : [],
          },
          errors: [],
        };
      },
    },
  };
}
