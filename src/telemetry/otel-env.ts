// OTEL_* variables read by sdk-node's rules, for the parts of the pipeline Shipshape builds itself
// (src/telemetry/sdk.ts, src/telemetry/span-processors.ts): a per-signal variable wins over the
// general one, blank counts as unset, and numeric settings must be above 0.

export type Signal = 'TRACES' | 'METRICS';

/** OTEL_EXPORTER_OTLP_<signal>_<name>, else OTEL_EXPORTER_OTLP_<name>, trimmed; undefined when blank. */
export function otlpSetting(env: NodeJS.ProcessEnv, signal: Signal, name: 'ENDPOINT' | 'PROTOCOL'): string | undefined {
  return env[`OTEL_EXPORTER_OTLP_${signal}_${name}`]?.trim() || env[`OTEL_EXPORTER_OTLP_${name}`]?.trim() || undefined;
}

/**
 * A finite number above 0, else undefined, so the caller's default applies. As in sdk-node, 0 is
 * not a setting (a batch size of 0 would export empty batches forever).
 */
export function positiveNumber(value: string | undefined): number | undefined {
  const n = Number(value?.trim() || Number.NaN);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}
