// The OpenTelemetry SDK: @opentelemetry/sdk-node's NodeSDK, started by src/telemetry/register.ts
// (node --import) before any Shipshape module loads, flushed by shutdownTelemetry() from src/main.ts.
//
// NodeSDK reads the standard OTEL_* environment (from process.env) and sets up what Shipshape does
// not build: OTEL_SDK_DISABLED, OTEL_LOG_LEVEL, the resource (its detectors, OTEL_SERVICE_NAME,
// OTEL_RESOURCE_ATTRIBUTES, OTEL_NODE_RESOURCE_DETECTORS), OTEL_TRACES_SAMPLER(_ARG), the span
// limits, OTEL_PROPAGATORS and the AsyncLocalStorage context manager. Shipshape hands it as options
// the parts that are its own, and for those NodeSDK reads nothing from the environment:
// - the span processors (src/telemetry/span-processors.ts): OTEL_TRACES_EXPORTER and OTEL_BSP_* by
//   sdk-node's rules, each batch handed to the exporter in slices (paced-span-exporter.ts);
// - the metric readers: the Prometheus reader that src/telemetry/metrics-server.ts serves and, with
//   an endpoint, the OTLP push reader (OTEL_METRICS_EXPORTER, OTEL_METRIC_EXPORT_* and the protocol
//   read here by sdk-node's rules), each with the admission MetricProducer (admission-metrics.ts);
// - no log record processors: logs are pino's JSON on stdout, nothing uses the logs API.
// One deliberate difference from NodeSDK's defaults: it exports to localhost:4318 when no endpoint is
// set; Shipshape exports nothing unless an endpoint is set, so an unconfigured replica neither sends
// data nowhere nor logs export errors.
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtobufMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { type IMetricReader, InstrumentType, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import type { Logger } from 'pino';
import packageJson from '../../package.json' with { type: 'json' };
import { type AdmissionMetrics, createAdmissionMetrics } from './admission-metrics.ts';
import { shipshapeMetrics } from './metrics.ts';
import { type Signal, otlpSetting, positiveNumber } from './otel-env.ts';
import { type TraceExporterName, createSpanProcessors } from './span-processors.ts';

type Env = NodeJS.ProcessEnv;

export type TelemetryPlan = {
  enabled: boolean;
  /**
   * Where spans go: `otlp` (OTEL_TRACES_EXPORTER's default) only when an endpoint is set, `zipkin`
   * and `console` when named. Empty: no TracerProvider, so spans cost nothing.
   */
  traceExporters: TraceExporterName[];
  /** Metrics are pushed over OTLP (they are always available to the Prometheus scrape). */
  otlpMetrics?: { protocol: string; intervalMs: number; timeoutMs: number };
};

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
const endpoint = (env: Env, signal: Signal) => otlpSetting(env, signal, 'ENDPOINT') !== undefined;

/**
 * OTEL_TRACES_EXPORTER as sdk-node reads it (otlp by default, zipkin, console; unknown names are
 * ignored), except that `none` anywhere means no exporter, and otlp needs an endpoint.
 */
function traceExporters(env: Env): TraceExporterName[] {
  const names = list(env.OTEL_TRACES_EXPORTER);
  if (names.includes('none')) return [];
  const wanted = names.length > 0 ? names : ['otlp'];
  const exporters: TraceExporterName[] = [];
  if (wanted.includes('otlp') && endpoint(env, 'TRACES')) exporters.push('otlp');
  if (wanted.includes('zipkin')) exporters.push('zipkin');
  if (wanted.includes('console')) exporters.push('console');
  return exporters;
}

/** What startTelemetry will set up for `env`; pure. */
export function planTelemetry(env: Env): TelemetryPlan {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return { enabled: false, traceExporters: [] };
  const traces = traceExporters(env);
  if (!endpoint(env, 'METRICS') || list(env.OTEL_METRICS_EXPORTER).includes('none')) {
    return { enabled: true, traceExporters: traces };
  }
  const intervalMs = positiveNumber(env.OTEL_METRIC_EXPORT_INTERVAL) ?? 60_000;
  return {
    enabled: true,
    traceExporters: traces,
    otlpMetrics: {
      protocol: otlpSetting(env, 'METRICS', 'PROTOCOL') ?? 'http/protobuf',
      intervalMs,
      timeoutMs: Math.min(positiveNumber(env.OTEL_METRIC_EXPORT_TIMEOUT) ?? 30_000, intervalMs),
    },
  };
}

/** service.* from the package, k8s.* from the downward API when present; OTEL_* variables win. */
export function baseResourceAttributes(env: Env): Record<string, string> {
  return {
    'service.name': 'shipshape',
    'service.version': packageJson.version,
    ...(env.POD_NAME && { 'k8s.pod.name': env.POD_NAME }),
    ...(env.POD_NAMESPACE && { 'k8s.namespace.name': env.POD_NAMESPACE }),
  };
}

/** The OTLP push reader; the admission metrics follow the temporality its exporter asks for. */
function otlpMetricReader(
  { protocol, intervalMs, timeoutMs }: NonNullable<TelemetryPlan['otlpMetrics']>,
  admission: AdmissionMetrics,
) {
  const Exporter =
    protocol === 'http/json' ? JsonMetricExporter : protocol === 'grpc' ? GrpcMetricExporter : ProtobufMetricExporter;
  const exporter = new Exporter();
  const temporality = {
    sum: exporter.selectAggregationTemporality(InstrumentType.COUNTER),
    histogram: exporter.selectAggregationTemporality(InstrumentType.HISTOGRAM),
  };
  return new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: intervalMs,
    exportTimeoutMillis: timeoutMs,
    metricProducers: [admission.producer(temporality)],
  });
}

let running:
  { sdk: NodeSDK; prometheus: PrometheusExporter; admission: AdmissionMetrics; tracing: boolean } | undefined;

/** Test seam: in-memory span processors, used instead of the env's. */
export type TelemetryOverrides = Pick<Partial<NodeSDKConfiguration>, 'spanProcessors'>;

/**
 * Starts the SDK once per process and registers it globally; a no-op when OTEL_SDK_DISABLED=true.
 * Must run before any Fastify instance is created and before any module looks up instruments.
 *
 * `env` decides what Shipshape builds (planTelemetry, the span processors); NodeSDK and the OTLP
 * exporters read the rest of OTEL_* from process.env whatever `env` is, so outside tests pass
 * process.env (register.ts does).
 */
export function startTelemetry(env: Env, overrides: TelemetryOverrides = {}): TelemetryPlan {
  const plan = planTelemetry(env);
  if (!plan.enabled || running) return plan;
  const admission = createAdmissionMetrics();
  // Pull-based: costs nothing until src/telemetry/metrics-server.ts serves a scrape.
  const prometheus = new PrometheusExporter({ preventServerStart: true, metricProducers: [admission.producer()] });
  const metricReaders: IMetricReader[] = [prometheus];
  if (plan.otlpMetrics) metricReaders.push(otlpMetricReader(plan.otlpMetrics, admission));
  // []: NodeSDK creates no TracerProvider at all, so spans cost nothing.
  const spanProcessors = overrides.spanProcessors ?? createSpanProcessors(env, plan.traceExporters);
  const sdk = new NodeSDK({
    // NodeSDK merges its detectors' attributes over these, so OTEL_SERVICE_NAME and
    // OTEL_RESOURCE_ATTRIBUTES win over Shipshape's own.
    resource: defaultResource().merge(resourceFromAttributes(baseResourceAttributes(env))),
    metricReaders,
    spanProcessors,
    // Logs go to stdout as JSON (pino); without this NodeSDK exports OTLP logs to localhost:4318.
    logRecordProcessors: [],
    // No auto-instrumentation: the admission routes trace themselves
    // (docs/decisions/0002-no-fastify-instrumentation.md), and Shipshape's Kubernetes calls are
    // traced by src/telemetry.
    instrumentations: [],
  });
  sdk.start();
  running = { sdk, prometheus, admission, tracing: spanProcessors.length > 0 };
  // Created now, so the leader gauge reports 0 from the first scrape on.
  shipshapeMetrics();
  return plan;
}

/** The admission counter and histogram, once startTelemetry has run (undefined when disabled). */
export function admissionMetrics(): AdmissionMetrics | undefined {
  return running?.admission;
}

/** Whether spans are exported (startTelemetry ran and set up at least one span processor). */
export function tracingEnabled(): boolean {
  return running?.tracing ?? false;
}

/** The Prometheus reader, once startTelemetry has run (undefined when telemetry is disabled). */
export function prometheusExporter(): PrometheusExporter | undefined {
  return running?.prometheus;
}

/**
 * Flushes pending spans and metrics and stops the SDK. Never throws: an export that fails, or
 * hangs for `timeoutMs`, is logged as a warning and given up, so shutdown always completes.
 */
export async function shutdownTelemetry(logger?: Pick<Logger, 'warn'>, timeoutMs = 5_000): Promise<void> {
  const current = running;
  running = undefined;
  if (!current) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs).unref();
  });
  try {
    const outcome = await Promise.race([current.sdk.shutdown(), timeout]);
    if (outcome === 'timeout') logger?.warn({ timeoutMs }, 'telemetry not flushed in time; giving up');
  } catch (err) {
    logger?.warn({ err }, 'telemetry flush failed');
  } finally {
    clearTimeout(timer);
  }
}
