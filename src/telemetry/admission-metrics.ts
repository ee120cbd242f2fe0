// The admission request counter and latency histogram, aggregated here and handed to each metric
// reader (OTLP and Prometheus) as a MetricProducer when it collects.
//
// Why not SDK instruments: every Histogram.record() hashes its attributes (sort + JSON.stringify)
// once per metric reader, and with OTLP push and the Prometheus scrape that is twice per
// AdmissionReview; the profile of bench/webhook-telemetry.ts put it at a large share of what
// telemetry cost the webhook. Here one record() is four small Map lookups and a bucket search.
// The attribute sets are bounded: webhooks x kinds x operations x the few answers (allowed with 200;
// denied with 403 or 422; errored with 400 or 500). `admission_code` is the AdmissionReview's
// status code (the HTTP status is always 200), as controller-runtime's
// webhook_admission_responses_total carries it.
//
// Each reader gets its own producer with the temporality its exporter asks for: cumulative (the
// Prometheus scrape, and OTLP by default) or delta
// (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta or lowmemory), as SDK instruments do.
// Names, units, descriptions, labels and buckets are the definitions' (metric-definitions.ts).
import { type HrTime, ValueType } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  type CollectionResult,
  type DataPoint,
  DataPointType,
  type Histogram,
  type MetricData,
  type MetricDescriptor,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import {
  ADMISSION_BUCKETS,
  ADMISSION_DURATION,
  ADMISSION_REQUESTS,
  type LabelsOf,
  type MetricDefinition,
} from './metric-definitions.ts';
import { INSTRUMENTATION_SCOPE } from './metrics.ts';

export { ADMISSION_BUCKETS };

/** The descriptor a reader receives, as the SDK builds one for an instrument of `definition`. */
const descriptorOf = (definition: MetricDefinition, valueType: ValueType): MetricDescriptor => ({
  name: definition.name,
  description: definition.description,
  unit: definition.unit ?? '',
  valueType,
});
const REQUESTS_DESCRIPTOR = descriptorOf(ADMISSION_REQUESTS, ValueType.INT);
const DURATION_DESCRIPTOR = descriptorOf(ADMISSION_DURATION, ValueType.DOUBLE);

/** Totals since the process started; the `last` copies of a delta producer have the same shape. */
type Totals = {
  /** counts[i]: observations <= ADMISSION_BUCKETS[i] (and > the bound before); the last is +Inf. */
  counts: number[];
  count: number;
  sum: number;
};
type Series = Totals & { attributes: LabelsOf<typeof ADMISSION_REQUESTS>; min: number; max: number };

export type Temporality = { sum: AggregationTemporality; histogram: AggregationTemporality };
const CUMULATIVE: Temporality = {
  sum: AggregationTemporality.CUMULATIVE,
  histogram: AggregationTemporality.CUMULATIVE,
};

export type AdmissionMetrics = {
  /**
   * One answered AdmissionReview of a `kind` (the route's: WebApp, MySQLCluster; `unknown` before
   * a route), its status code (200 when allowed) and the seconds it took.
   */
  record(webhook: string, kind: string, operation: string, allowed: boolean, code: number, seconds: number): void;
  /**
   * A producer for one metric reader, of shipshape.admission.requests and
   * shipshape.admission.duration. Delta points cover the time since that producer's previous
   * collection and leave out series that did not change; they carry no min and max.
   */
  producer(temporality?: Temporality): MetricProducer;
};

function bucketOf(seconds: number): number {
  let i = 0;
  while (i < ADMISSION_BUCKETS.length && seconds > ADMISSION_BUCKETS[i]!) i++;
  return i;
}

const zero = (): Totals => ({ counts: new Array<number>(ADMISSION_BUCKETS.length + 1).fill(0), count: 0, sum: 0 });

/** `now` is injectable for tests; it returns epoch milliseconds. */
export function createAdmissionMetrics(now: () => number = Date.now): AdmissionMetrics {
  const processStart: HrTime = millisToHrTime(now());
  // webhook -> kind -> operation -> code * 2 + allowed; `all` keeps them in order of first use.
  const index = new Map<string, Map<string, Map<string, Map<number, Series>>>>();
  const all: Series[] = [];

  function producer(temporality: Temporality = CUMULATIVE): MetricProducer {
    // What this producer reported last, for delta points.
    const last = new Map<Series, Totals>();
    let lastTime = processStart;

    function collect(): MetricData[] {
      const end = millisToHrTime(now());
      const sumDelta = temporality.sum === AggregationTemporality.DELTA;
      const histogramDelta = temporality.histogram === AggregationTemporality.DELTA;
      const counts: DataPoint<number>[] = [];
      const histograms: DataPoint<Histogram>[] = [];
      for (const s of all) {
        const before = last.get(s) ?? zero();
        const point = (delta: boolean) => ({
          startTime: delta ? lastTime : processStart,
          endTime: end,
          attributes: s.attributes,
        });
        if (!sumDelta || s.count > before.count) {
          counts.push({ ...point(sumDelta), value: sumDelta ? s.count - before.count : s.count });
        }
        if (!histogramDelta || s.count > before.count) {
          histograms.push({
            ...point(histogramDelta),
            value: histogramDelta
              ? {
                  buckets: { boundaries: ADMISSION_BUCKETS, counts: s.counts.map((c, i) => c - before.counts[i]!) },
                  count: s.count - before.count,
                  sum: s.sum - before.sum,
                }
              : {
                  buckets: { boundaries: ADMISSION_BUCKETS, counts: [...s.counts] },
                  count: s.count,
                  sum: s.sum,
                  min: s.min,
                  max: s.max,
                },
          });
        }
        if (sumDelta || histogramDelta) last.set(s, { counts: [...s.counts], count: s.count, sum: s.sum });
      }
      lastTime = end;
      return [
        {
          descriptor: REQUESTS_DESCRIPTOR,
          aggregationTemporality: temporality.sum,
          dataPointType: DataPointType.SUM,
          isMonotonic: true,
          dataPoints: counts,
        },
        {
          descriptor: DURATION_DESCRIPTOR,
          aggregationTemporality: temporality.histogram,
          dataPointType: DataPointType.HISTOGRAM,
          dataPoints: histograms,
        },
      ];
    }

    return {
      // The readers use the SDK's resource, not this one.
      async collect(): Promise<CollectionResult> {
        const metrics = all.length > 0 ? collect().filter((m) => m.dataPoints.length > 0) : [];
        return {
          resourceMetrics: {
            resource: emptyResource(),
            scopeMetrics: metrics.length > 0 ? [{ scope: { name: INSTRUMENTATION_SCOPE }, metrics }] : [],
          },
          errors: [],
        };
      },
    };
  }

  return {
    record(webhook, kind, operation, allowed, code, seconds) {
      let byKind = index.get(webhook);
      if (!byKind) index.set(webhook, (byKind = new Map()));
      let byOperation = byKind.get(kind);
      if (!byOperation) byKind.set(kind, (byOperation = new Map()));
      let byAnswer = byOperation.get(operation);
      if (!byAnswer) byOperation.set(operation, (byAnswer = new Map()));
      const answer = code * 2 + (allowed ? 1 : 0);
      let s = byAnswer.get(answer);
      if (!s) {
        const attributes = { webhook, kind, operation, allowed, admission_code: code };
        s = { attributes, ...zero(), min: Infinity, max: -Infinity };
        byAnswer.set(answer, s);
        all.push(s);
      }
      s.counts[bucketOf(seconds)]!++;
      s.count++;
      s.sum += seconds;
      if (seconds < s.min) s.min = seconds;
      if (seconds > s.max) s.max = seconds;
    },
    producer,
  };
}
