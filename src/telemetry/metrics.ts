// Every Shipshape metric but the admission ones (src/telemetry/admission-metrics.ts), created once
// per Meter from their definitions (metric-definitions.ts). They are exported over OTLP and scraped
// by Prometheus (src/telemetry/metrics-server.ts), where dots become underscores and counters gain
// `_total`; units add no suffix (shipshape.reconcile.duration -> shipshape_reconcile_duration).
//
// Instruments come from the global Meter of @opentelemetry/api, the seam OpenTelemetry defines for
// instrumented code: a no-op until src/telemetry/register.ts installs the SDK, which it does before
// any Shipshape module loads. Unlike tracers, the API has no proxy Meter, so callers look the
// instruments up when they are constructed (never at module load) and keep them.
import { type Meter, metrics } from '@opentelemetry/api';
import type { WatchRestartHook } from '../kube/resilient-informer.ts';
import type { WorkQueueMetrics } from '../operator/work-queue.ts';
import {
  CA_BUNDLE_VERIFIED,
  CERTIFICATE_EXPIRATION,
  CERTIFICATE_RENEWAL_OVERDUE,
  createCounter,
  createGauge,
  createHistogram,
  createObservableGauge,
  LEADER,
  LEADER_FAILED_TERMS,
  type LabelsOf,
  type MetricDefinition,
  RECONCILE_CHILD_CHANGES,
  RECONCILE_DURATION,
  RECONCILE_ERRORS,
  RECONCILES,
  WATCH_RESTARTS,
  WORKQUEUE_ADDS,
  WORKQUEUE_DEPTH,
  WORKQUEUE_QUEUE_DURATION,
  WORKQUEUE_RETRIES,
} from './metric-definitions.ts';

export const INSTRUMENTATION_SCOPE = 'shipshape';

export type ShipshapeMetrics = ReturnType<typeof createShipshapeMetrics>;

/** The last value of each series of an observable gauge, by its attributes. */
function observedSeries<D extends MetricDefinition<string, 'observable-gauge'>>(meter: Meter, definition: D) {
  const series = new Map<string, { attributes: LabelsOf<D>; value: number }>();
  createObservableGauge(meter, definition).addCallback((result) =>
    series.forEach((s) => result.observe(s.value, s.attributes)),
  );
  return (attributes: LabelsOf<D>, value: number | undefined) => {
    const key = JSON.stringify(attributes);
    if (value === undefined) series.delete(key);
    else series.set(key, { attributes, value });
  };
}

export function createShipshapeMetrics(meter: Meter) {
  let leader = 0;
  const leaderFailedTerms = createCounter(meter, LEADER_FAILED_TERMS);
  // Served from the start, at 0: an alert on its increase fires on the first failed term.
  leaderFailedTerms.add(0);
  createObservableGauge(meter, LEADER).addCallback((result) => result.observe(leader));
  return {
    /** {certificate: serving | ca}: Unix time of notAfter (cert-manager's expiration_timestamp). */
    setCertificateExpiry: observedSeries(meter, CERTIFICATE_EXPIRATION),
    /** {certificate}: 1 once renewal is due (a third of the validity or renewBefore left) and it is still served. */
    setRenewalOverdue: observedSeries(meter, CERTIFICATE_RENEWAL_OVERDUE),
    /** {configuration, kind}: 1 when every caBundle of that webhook configuration verifies the served certificate. */
    setCaBundleVerified: observedSeries(meter, CA_BUNDLE_VERIFIED),
    reconciles: createCounter(meter, RECONCILES),
    reconcileDuration: createHistogram(meter, RECONCILE_DURATION),
    reconcileErrors: createCounter(meter, RECONCILE_ERRORS),
    childChanges: createCounter(meter, RECONCILE_CHILD_CHANGES),
    queueDepth: createGauge(meter, WORKQUEUE_DEPTH),
    queueAdds: createCounter(meter, WORKQUEUE_ADDS),
    queueRetries: createCounter(meter, WORKQUEUE_RETRIES),
    queueWait: createHistogram(meter, WORKQUEUE_QUEUE_DURATION),
    watchRestarts: createCounter(meter, WATCH_RESTARTS),
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
