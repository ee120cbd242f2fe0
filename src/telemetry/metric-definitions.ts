// Every metric Shipshape exports, declared once: its OpenTelemetry name, instrument, unit,
// description and label names. The instruments are created from these entries (metrics.ts,
// would-deny.ts) and the admission producer's descriptors are built from them
// (admission-metrics.ts), so what a collector or a scrape receives is what is written here; the
// metrics table of docs/telemetry.md is rendered from them too (src/docs/metrics-table.ts, written
// by `npm run render`). A description is the Prometheus HELP text: plain text, no Markdown.
//
// An instrument's attributes are typed by its `labels` (Counter<{ controller, result }>), so code
// that records a label the table does not name, or leaves one out, does not compile.
import type {
  AttributeValue,
  Counter,
  Gauge,
  Histogram,
  Meter,
  MetricOptions,
  ObservableGauge,
} from '@opentelemetry/api';

/** `observable-gauge` is read by a callback at collection; a `gauge` holds the last value recorded. */
export type InstrumentKind = 'counter' | 'histogram' | 'gauge' | 'observable-gauge';

export type MetricDefinition<Label extends string = string, Kind extends InstrumentKind = InstrumentKind> = {
  /** The OpenTelemetry name, as OTLP carries it. */
  name: string;
  kind: Kind;
  /** UCUM, as OpenTelemetry asks: `s` for seconds; absent for a count or a 0/1 state. */
  unit?: string;
  description: string;
  labels: readonly Label[];
  /** A histogram's bucket boundaries, in its unit. */
  buckets?: number[];
};

/** The attributes an instrument of `definition` records: one value per label, no other. */
export type LabelsOf<D extends MetricDefinition> = { [L in D['labels'][number]]: AttributeValue };

const define = <const Label extends string, const Kind extends InstrumentKind>(
  definition: MetricDefinition<Label, Kind>,
) => definition;

/** Seconds; admission answers in well under a millisecond, so the buckets start at 50 us. */
export const ADMISSION_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];
/**
 * Seconds; a review of one object answers in well under a millisecond, one of 10,000 (a list in one
 * review, which kube-apiserver v1.37 does not send) in about 1 s, and the apiserver gives up after 30 s.
 */
const CONVERSION_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds; a reconcile is a few API calls, a queue wait can last a resync period. */
const RECONCILE_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const QUEUE_BUCKETS = [0.0001, 0.001, 0.01, 0.1, 0.5, 1, 5, 10, 60, 300, 600];

const ADMISSION_LABELS = ['webhook', 'kind', 'operation', 'allowed', 'admission_code'] as const;

export const ADMISSION_REQUESTS = define({
  name: 'shipshape.admission.requests',
  kind: 'counter',
  description:
    "AdmissionReviews answered, by webhook (mutate, validate), kind (WebApp, MySQLCluster) and operation; admission_code is the review's status code (200 allowed, 403 or 422 denied, 400 a bad request, 500 Shipshape's fault)",
  labels: ADMISSION_LABELS,
});
export const ADMISSION_DURATION = define({
  name: 'shipshape.admission.duration',
  kind: 'histogram',
  unit: 's',
  description: 'Seconds from the request to the AdmissionReview answer, in buckets from 50 microseconds',
  labels: ADMISSION_LABELS,
  buckets: ADMISSION_BUCKETS,
});
export const ADMISSION_WOULD_DENY = define({
  name: 'shipshape.admission.would_deny',
  kind: 'counter',
  description:
    'Limit violations that warn enforcement admitted and enforce would deny, by the setting of the limit (max-replicas, min-port, denied-ports, ...)',
  labels: ['namespace', 'reason'],
});
const CONVERSION_LABELS = ['desired_version', 'result', 'code'] as const;

export const CONVERSION_REVIEWS = define({
  name: 'shipshape.conversion.reviews',
  kind: 'counter',
  description:
    'ConversionReviews answered, by desired_version (shipshape.dev/v1, shipshape.dev/v2, other, or unknown for a body that is no ConversionReview), result (success or failure) and code (OK, or why it failed: CONV_INVALID_OBJECT, ...)',
  labels: CONVERSION_LABELS,
});
export const CONVERSION_DURATION = define({
  name: 'shipshape.conversion.duration',
  kind: 'histogram',
  unit: 's',
  description: 'Seconds from the request to the ConversionReview answer',
  labels: CONVERSION_LABELS,
  buckets: CONVERSION_BUCKETS,
});
export const CONVERSION_OBJECTS = define({
  name: 'shipshape.conversion.objects',
  kind: 'counter',
  description: 'WebApps converted, by desired_version; none are counted from a failed review',
  labels: ['desired_version'],
});
export const RECONCILES = define({
  name: 'shipshape.reconciles',
  kind: 'counter',
  description: 'Reconciles finished: success, error or terminal',
  labels: ['controller', 'result'],
});
export const RECONCILE_DURATION = define({
  name: 'shipshape.reconcile.duration',
  kind: 'histogram',
  unit: 's',
  description: 'Seconds one reconcile took',
  labels: ['controller', 'result'],
  buckets: RECONCILE_BUCKETS,
});
export const RECONCILE_ERRORS = define({
  name: 'shipshape.reconcile.errors',
  kind: 'counter',
  description: "Failed reconciles, by reason: http_ and the status of an API refusal (http_409), else the error's code",
  labels: ['controller', 'reason'],
});
export const RECONCILE_CHILD_CHANGES = define({
  name: 'shipshape.reconcile.child_changes',
  kind: 'counter',
  description: 'Children created, updated or deleted by reconciles',
  labels: ['kind', 'action'],
});
export const WORKQUEUE_DEPTH = define({
  name: 'shipshape.workqueue.depth',
  kind: 'gauge',
  description: 'Keys waiting in the work queue',
  labels: ['name'],
});
export const WORKQUEUE_ADDS = define({
  name: 'shipshape.workqueue.adds',
  kind: 'counter',
  description: 'Keys that became pending',
  labels: ['name'],
});
export const WORKQUEUE_RETRIES = define({
  name: 'shipshape.workqueue.retries',
  kind: 'counter',
  description: 'Delayed re-adds: backoff after a failure, and scheduled resyncs',
  labels: ['name'],
});
export const WORKQUEUE_QUEUE_DURATION = define({
  name: 'shipshape.workqueue.queue_duration',
  kind: 'histogram',
  unit: 's',
  description: 'Seconds a key waited in the queue before a worker took it',
  labels: ['name'],
  buckets: QUEUE_BUCKETS,
});
export const WATCH_RESTARTS = define({
  name: 'shipshape.watch.restarts',
  kind: 'counter',
  description: 'Watch restarts, by resource path and reason: error, resync, or gone (a relist after 410 Gone)',
  labels: ['resource', 'reason'],
});
export const LEADER = define({
  name: 'shipshape.leader',
  kind: 'observable-gauge',
  description: '1 while this replica holds the Lease and runs the reconciler, else 0',
  labels: [],
});
export const LEADER_FAILED_TERMS = define({
  name: 'shipshape.leader.failed_terms',
  kind: 'counter',
  description: 'Leadership terms ended because a leader-only part failed (the Lease was released for another replica)',
  labels: [],
});
export const CERTIFICATE_EXPIRATION = define({
  name: 'shipshape.tls.certificate.expiration_timestamp_seconds',
  kind: 'observable-gauge',
  unit: 's',
  description: 'Unix time the certificate expires: serving (the one this replica serves) or ca (its CA)',
  labels: ['certificate'],
});
export const CERTIFICATE_RENEWAL_OVERDUE = define({
  name: 'shipshape.tls.certificate.renewal_overdue',
  kind: 'observable-gauge',
  description: '1 when the certificate is past its renewal time and has not been replaced, else 0',
  labels: ['certificate'],
});
export const CA_BUNDLE_VERIFIED = define({
  name: 'shipshape.tls.ca_bundle.verified',
  kind: 'observable-gauge',
  description:
    "1 when the caBundle of the webhook configuration (or, kind CustomResourceDefinition, of the WebApp CRD's conversion webhook) verifies the certificate this replica serves, 0 when it does not",
  labels: ['configuration', 'kind'],
});
export const PROCESS_HEAP_USED = define({
  name: 'shipshape.process.heap.used',
  kind: 'observable-gauge',
  unit: 'By',
  description: "Bytes of V8 heap in use (live objects and garbage not yet collected), V8's used_heap_size",
  labels: [],
});
export const PROCESS_HEAP_LIMIT = define({
  name: 'shipshape.process.heap.limit',
  kind: 'observable-gauge',
  unit: 'By',
  description: "V8's heap bound in bytes (heap_size_limit): --max-old-space-size plus the young space",
  labels: [],
});
export const PROCESS_MEMORY_RSS = define({
  name: 'shipshape.process.memory.rss',
  kind: 'observable-gauge',
  unit: 'By',
  description: "Resident set size of the process in bytes, what the container's memory limit is held against",
  labels: [],
});
export const PROCESS_MEMORY_LIMIT = define({
  name: 'shipshape.process.memory.limit',
  kind: 'observable-gauge',
  unit: 'By',
  description:
    "The container's memory limit in bytes (cgroup memory.max, or v1's memory.limit_in_bytes), read at start; absent when there is none",
  labels: [],
});
export const PROCESS_HEAP_NEAR_LIMIT = define({
  name: 'shipshape.process.heap.near_limit',
  kind: 'observable-gauge',
  description:
    '1 while the V8 heap in use (lowest sample of the last minute) is over --heap-warning-ratio of its bound, else 0; see docs/sizing.md',
  labels: [],
});
export const PROCESS_MEMORY_NEAR_LIMIT = define({
  name: 'shipshape.process.memory.near_limit',
  kind: 'observable-gauge',
  description:
    "1 while the resident set size (lowest sample of the last minute) is over --memory-warning-ratio of the container's memory limit, else 0 (and 0 with no limit); see docs/sizing.md",
  labels: [],
});

/** Every metric, in the order the documentation lists them. */
export const METRIC_DEFINITIONS: readonly MetricDefinition[] = [
  ADMISSION_REQUESTS,
  ADMISSION_DURATION,
  ADMISSION_WOULD_DENY,
  CONVERSION_REVIEWS,
  CONVERSION_DURATION,
  CONVERSION_OBJECTS,
  RECONCILES,
  RECONCILE_DURATION,
  RECONCILE_ERRORS,
  RECONCILE_CHILD_CHANGES,
  WORKQUEUE_DEPTH,
  WORKQUEUE_ADDS,
  WORKQUEUE_RETRIES,
  WORKQUEUE_QUEUE_DURATION,
  WATCH_RESTARTS,
  LEADER,
  LEADER_FAILED_TERMS,
  CERTIFICATE_EXPIRATION,
  CERTIFICATE_RENEWAL_OVERDUE,
  CA_BUNDLE_VERIFIED,
  PROCESS_HEAP_USED,
  PROCESS_HEAP_LIMIT,
  PROCESS_MEMORY_RSS,
  PROCESS_MEMORY_LIMIT,
  PROCESS_HEAP_NEAR_LIMIT,
  PROCESS_MEMORY_NEAR_LIMIT,
];

type Of<Kind extends InstrumentKind> = MetricDefinition<string, Kind>;

function options(definition: MetricDefinition): MetricOptions {
  return {
    description: definition.description,
    ...(definition.unit && { unit: definition.unit }),
    ...(definition.buckets && { advice: { explicitBucketBoundaries: definition.buckets } }),
  };
}

export function createCounter<D extends Of<'counter'>>(meter: Meter, definition: D): Counter<LabelsOf<D>> {
  return meter.createCounter<LabelsOf<D>>(definition.name, options(definition));
}

export function createHistogram<D extends Of<'histogram'>>(meter: Meter, definition: D): Histogram<LabelsOf<D>> {
  return meter.createHistogram<LabelsOf<D>>(definition.name, options(definition));
}

export function createGauge<D extends Of<'gauge'>>(meter: Meter, definition: D): Gauge<LabelsOf<D>> {
  return meter.createGauge<LabelsOf<D>>(definition.name, options(definition));
}

export function createObservableGauge<D extends Of<'observable-gauge'>>(
  meter: Meter,
  definition: D,
): ObservableGauge<LabelsOf<D>> {
  return meter.createObservableGauge<LabelsOf<D>>(definition.name, options(definition));
}
