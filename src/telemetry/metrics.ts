// Every Shipshape metric but the admission ones (src/telemetry/admission-metrics.ts), created once
// per Meter. They are exported over OTLP and scraped by
// Prometheus (src/telemetry/metrics-server.ts), where dots become underscores, counters gain
// `_total` and units a suffix (shipshape.admission.requests -> shipshape_admission_requests_total).
//
// Instruments come from the global Meter of @opentelemetry/api, the seam OpenTelemetry defines for
// instrumented code: a no-op until src/telemetry/register.ts installs the SDK, which it does before
// any Shipshape module loads. Unlike tracers, the API has no proxy Meter, so callers look the
// instruments up when they are constructed (never at module load) and keep them.
import { type Attributes, type Meter, metrics } from '@opentelemetry/api';
import type { WatchRestartHook } from '../kube/resilient-informer.ts';
import type { WorkQueueMetrics } from '../operator/work-queue.ts';

export const INSTRUMENTATION_SCOPE = 'shipshape';

/** Seconds; a reconcile is a few API calls, a queue wait can last a resync period. */
const RECONCILE_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const QUEUE_BUCKETS = [0.0001, 0.001, 0.01, 0.1, 0.5, 1, 5, 10, 60, 300, 600];

export type ShipshapeMetrics = ReturnType<typeof createShipshapeMetrics>;

/** The last value of each series of an observable gauge, by its attributes. */
function observedSeries(meter: Meter, name: string, description: string, unit?: string) {
  const series = new Map<string, { attributes: Attributes; value: number }>();
  meter
    .createObservableGauge(name, { description, ...(unit && { unit }) })
    .addCallback((result) => series.forEach((s) => result.observe(s.value, s.attributes)));
  return (attributes: Attributes, value: number | undefined) => {
    const key = JSON.stringify(attributes);
    if (value === undefined) series.delete(key);
    else series.set(key, { attributes, value });
  };
}

export function createShipshapeMetrics(meter: Meter) {
  let leader = 0;
  const leaderFailedTerms = meter.createCounter('shipshape.leader.failed_terms', {
    description: 'Leadership terms ended because a leader-only component failed (the Lease was released)',
  });
  // Served from the start, at 0: an alert on its increase fires on the first failed term.
  leaderFailedTerms.add(0);
  meter
    .createObservableGauge('shipshape.leader', {
      description: '1 while this replica holds the Lease and runs the reconciler, else 0',
    })
    .addCallback((result) => result.observe(leader));
  return {
    /** {certificate: serving | ca}: Unix time of notAfter (cert-manager's expiration_timestamp). */
    setCertificateExpiry: observedSeries(
      meter,
      'shipshape.tls.certificate.expiration_timestamp_seconds',
      'Unix time the certificate expires, by certificate (serving: the one this replica serves; ca: its CA)',
      's',
    ),
    /** {certificate}: 1 once renewal is due (a third of the validity or renewBefore left) and it is still served. */
    setRenewalOverdue: observedSeries(
      meter,
      'shipshape.tls.certificate.renewal_overdue',
      '1 when the certificate is past its renewal time and has not been replaced, else 0',
    ),
    /** {configuration, kind}: 1 when every caBundle of that webhook configuration verifies the served certificate. */
    setCaBundleVerified: observedSeries(
      meter,
      'shipshape.tls.ca_bundle.verified',
      "1 when the webhook configuration's caBundle verifies the certificate this replica serves, 0 when it does not",
    ),
    reconciles: meter.createCounter('shipshape.reconciles', {
      description: 'Reconciles finished, by controller and result (success, error, terminal)',
    }),
    reconcileDuration: meter.createHistogram('shipshape.reconcile.duration', {
      description: 'Duration of one reconcile, by controller and result',
      unit: 's',
      advice: { explicitBucketBoundaries: RECONCILE_BUCKETS },
    }),
    reconcileErrors: meter.createCounter('shipshape.reconcile.errors', {
      description: 'Failed reconciles, by controller and reason (an error code or HTTP status)',
    }),
    childChanges: meter.createCounter('shipshape.reconcile.child_changes', {
      description: 'Children created, updated or deleted by reconciles, by kind and action',
    }),
    queueDepth: meter.createGauge('shipshape.workqueue.depth', { description: 'Keys waiting in the work queue' }),
    queueAdds: meter.createCounter('shipshape.workqueue.adds', { description: 'Keys that became pending' }),
    queueRetries: meter.createCounter('shipshape.workqueue.retries', {
      description: 'Delayed re-adds: backoff after a failure and scheduled resyncs',
    }),
    queueWait: meter.createHistogram('shipshape.workqueue.queue_duration', {
      description: 'Time a key waited in the queue before a worker took it',
      unit: 's',
      advice: { explicitBucketBoundaries: QUEUE_BUCKETS },
    }),
    watchRestarts: meter.createCounter('shipshape.watch.restarts', {
      description: 'Watch restarts, by resource path and reason (error, resync, or gone: a relist after 410 Gone)',
    }),
    leaderFailedTerms,
    setLeader(isLeader: boolean): void {
      leader = isLeader ? 1 : 0;
    },
  };
}

const byMeter = new WeakMap<Meter, ShipshapeMetrics>();

/** The instruments of the global Meter, created on first use per Meter (the SDK caches Meters). */
export function shipshapeMetrics(): ShipshapeMetrics {
  const meter = metrics.getMeter(INSTRUMENTATION_SCOPE);
  let found = byMeter.get(meter);
  if (!found) byMeter.set(meter, (found = createShipshapeMetrics(meter)));
  return found;
}

/** Records whether this replica leads; main.ts calls it whenever the Lease is won or lost. */
export function setLeader(isLeader: boolean): void {
  shipshapeMetrics().setLeader(isLeader);
}

/** The Manager's onLeaderRunnableFailed: counts shipshape.leader.failed_terms. */
export function countFailedTerm(): void {
  shipshapeMetrics().leaderFailedTerms.add(1);
}

/** The resilient informers' onRestart: counts shipshape.watch.restarts{resource, reason}. */
export function watchRestartCounter(): WatchRestartHook {
  const m = shipshapeMetrics();
  return (resource, reason) => m.watchRestarts.add(1, { resource, reason });
}

/** Hooks for createWorkQueue (client-go's workqueue metrics), labelled with the queue's name. */
export function workQueueMetrics(name: string): WorkQueueMetrics {
  const m = shipshapeMetrics();
  const attributes = { name };
  return {
    onAdd: () => m.queueAdds.add(1, attributes),
    onGet: (_key, waitMs) => m.queueWait.record(waitMs / 1000, attributes),
    onRetry: () => m.queueRetries.add(1, attributes),
    onDepth: (depth) => m.queueDepth.record(depth, attributes),
  };
}
