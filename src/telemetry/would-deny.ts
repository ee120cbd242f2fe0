// What `warn` enforcement let through (webhooks/enforcement.ts): the counter
// shipshape.admission.would_deny (shipshape_admission_would_deny_total in Prometheus), one count
// per limit violation, by namespace and reason (the setting it breaks: max-replicas, ...), and the
// span attribute shipshape.admission.would_deny with each violation. An SDK counter, unlike the
// hand-aggregated request metrics of admission-metrics.ts: only a request in `warn` mode that
// breaks a limit records it, so it costs the hot path nothing.
import { type Span, metrics } from '@opentelemetry/api';
import type { AdmissionDecision } from '../admission/decision.ts';
import { ADMISSION_WOULD_DENY, createCounter } from './metric-definitions.ts';
import { INSTRUMENTATION_SCOPE } from './metrics.ts';

type WouldDeny = NonNullable<AdmissionDecision['wouldDeny']>;

/** Looks the counter up on the global Meter: call after the SDK started, once per server. */
export function createWouldDenyCounter(): (namespace: string, wouldDeny: WouldDeny) => void {
  const counter = createCounter(metrics.getMeter(INSTRUMENTATION_SCOPE), ADMISSION_WOULD_DENY);
  return (namespace, wouldDeny) => {
    for (const { setting } of wouldDeny) counter.add(1, { namespace, reason: setting });
  };
}

/** "<path>: <problem>" of each violation admitted, on the admission span. */
export function markWouldDeny(span: Span, wouldDeny: WouldDeny): void {
  span.setAttribute(
    'shipshape.admission.would_deny',
    wouldDeny.map((d) => d.reason),
  );
}
