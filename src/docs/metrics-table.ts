// The metrics table (the `metrics` generated block, in docs/telemetry.md): one row per metric
// definition (src/telemetry/metric-definitions.ts, the source of the instruments), by the name
// Prometheus scrapes. Over OTLP the same instruments go by their OpenTelemetry names.
import { type InstrumentKind, METRIC_DEFINITIONS, type MetricDefinition } from '../telemetry/metric-definitions.ts';
import { code, renderTable } from './markdown-table.ts';

/**
 * The name @opentelemetry/exporter-prometheus serves: characters outside [a-zA-Z0-9_] become `_`
 * (runs of `_` collapse to one), a counter (a monotonic sum) gains `_total`, and the unit adds no
 * suffix. test/unit/docs/metrics-table.test.ts holds this to what the exporter serves.
 */
export function toPrometheusName(definition: MetricDefinition): string {
  const name = definition.name.replaceAll(/[^a-zA-Z0-9_]/g, '_').replaceAll(/_{2,}/g, '_');
  return definition.kind === 'counter' && !name.endsWith('_total') ? `${name}_total` : name;
}

const PROMETHEUS_TYPES: Record<InstrumentKind, string> = {
  counter: 'counter',
  histogram: 'histogram',
  gauge: 'gauge',
  'observable-gauge': 'gauge',
};

/** Metric (the Prometheus name), type, labels and what it counts. */
export function renderMetricsTable(definitions: readonly MetricDefinition[] = METRIC_DEFINITIONS): string {
  return renderTable(
    ['Metric', 'Type', 'Labels', 'What it counts'],
    definitions.map((d) => [
      code(toPrometheusName(d)),
      PROMETHEUS_TYPES[d.kind],
      d.labels.length > 0 ? d.labels.map(code).join(', ') : 'none',
      d.description,
    ]),
  );
}
