// The OpenTelemetry SDK: started by src/telemetry/register.ts (node --import) before any Shipshape
// module loads, flushed by shutdownTelemetry() from src/main.ts.
//
// Configuration is the standard OTEL_* environment (OTEL_EXPORTER_OTLP_ENDPOINT and its per-signal
// forms, OTEL_EXPORTER_OTLP_PROTOCOL http/protobuf | http/json | grpc, OTEL_SERVICE_NAME,
// OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER, OTEL_BSP_*, OTEL_METRIC_EXPORT_INTERVAL,
// OTEL_PROPAGATORS tracecontext | baggage | b3 | b3multi | none, OTEL_SDK_DISABLED), read by sdk-node's rules.
// One deliberate difference: the SDK defaults to exporting to localhost:4318; Shipshape exports
// nothing unless an endpoint is set, so an unconfigured replica neither sends data nowhere nor
// logs export errors.
//
// Not @opentelemetry/sdk-node's NodeSDK: it imports every exporter of every signal and protocol
// (OTLP logs, metrics and traces over grpc, http/json and http/protobuf, zipkin, the B3
// propagator) whatever is configured. Measured (RSS of a process importing this module, and its
// import time): 100 MiB and 545 ms with NodeSDK, 73 MiB and 259 ms with the providers it wraps;
// an exporter is now imported only when the environment asks for it. The wiring is NodeSDK's
// start() for what Shipshape uses: the AsyncLocalStorage context manager, the W3C and B3 propagators,
// its resource detectors, the sampler and span limits from the environment.
import {
  DiagConsoleLogger,
  type TextMapPropagator,
  context,
  diag,
  metrics,
  propagation,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
  diagLogLevelFromString,
} from '@opentelemetry/core';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
} from '@opentelemetry/resources';
import {
  type IMetricReader,
  InstrumentType,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  type SpanLimits,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
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
async function otlpMetricReader(
  { protocol, intervalMs, timeoutMs }: NonNullable<TelemetryPlan['otlpMetrics']>,
  admission: AdmissionMetrics,
) {
  const { OTLPMetricExporter: Exporter } =
    protocol === 'http/json'
      ? await import('@opentelemetry/exporter-metrics-otlp-http')
      : protocol === 'grpc'
        ? await import('@opentelemetry/exporter-metrics-otlp-grpc')
        : await import('@opentelemetry/exporter-metrics-otlp-proto');
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

/** OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG as sdk-node reads them; undefined: the SDK default. */
export function samplerFromEnv(env: Env): Sampler | undefined {
  const ratio = () => {
    const n = Number(env.OTEL_TRACES_SAMPLER_ARG?.trim() || Number.NaN);
    if (Number.isFinite(n) && n >= 0 && n <= 1) return n;
    diag.error(`OTEL_TRACES_SAMPLER_ARG=${env.OTEL_TRACES_SAMPLER_ARG ?? ''} is not in [0, 1]; using 1`);
    return 1;
  };
  const name = env.OTEL_TRACES_SAMPLER?.trim();
  switch (name) {
    case undefined:
    case '':
      return undefined;
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio());
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio()) });
    default:
      diag.error(`unknown OTEL_TRACES_SAMPLER value "${name}", using default`);
      return undefined;
  }
}

/** OTEL_SPAN_* and OTEL_ATTRIBUTE_* limits as sdk-node reads them. */
function spanLimitsFromEnv(env: Env): SpanLimits {
  const n = (...names: string[]) => {
    for (const name of names) {
      const value = Number(env[name]?.trim() || Number.NaN);
      if (Number.isFinite(value)) return value;
    }
    return undefined;
  };
  return {
    attributeCountLimit: n('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', 'OTEL_ATTRIBUTE_COUNT_LIMIT'),
    attributeValueLengthLimit: n('OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT', 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT'),
    eventCountLimit: n('OTEL_SPAN_EVENT_COUNT_LIMIT'),
    linkCountLimit: n('OTEL_SPAN_LINK_COUNT_LIMIT'),
    attributePerEventCountLimit: n('OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT', 'OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT'),
    attributePerLinkCountLimit: n('OTEL_LINK_ATTRIBUTE_COUNT_LIMIT', 'OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT'),
  };
}

/**
 * OTEL_PROPAGATORS as sdk-node reads it (default tracecontext,baggage; none): tracecontext,
 * baggage, b3 (one header) and b3multi (X-B3-*), B3 imported only when named. jaeger and xray are
 * not bundled and are refused with a warning.
 */
async function propagatorFromEnv(env: Env) {
  const names = list(env.OTEL_PROPAGATORS);
  if (names.includes('none')) return undefined;
  const propagators: TextMapPropagator[] = [];
  for (const name of new Set(names.length ? names : ['tracecontext', 'baggage'])) {
    if (name === 'tracecontext') propagators.push(new W3CTraceContextPropagator());
    else if (name === 'baggage') propagators.push(new W3CBaggagePropagator());
    else if (name === 'b3' || name === 'b3multi') {
      const { B3Propagator, B3InjectEncoding } = await import('@opentelemetry/propagator-b3');
      const injectEncoding = name === 'b3' ? B3InjectEncoding.SINGLE_HEADER : B3InjectEncoding.MULTI_HEADER;
      propagators.push(new B3Propagator({ injectEncoding }));
    } else
      diag.warn(
        `propagator "${name}" from OTEL_PROPAGATORS is not available; use tracecontext, baggage, b3 or b3multi`,
      );
  }
  return propagators.length ? new CompositePropagator({ propagators }) : undefined;
}

let running:
  | {
      providers: { shutdown(): Promise<void> }[];
      prometheus: PrometheusExporter;
      admission: AdmissionMetrics;
      tracing: boolean;
    }
  | undefined;

/** Test seam: in-memory span processors, used instead of the env's. */
export type TelemetryOverrides = { spanProcessors?: SpanProcessor[] };

/**
 * Starts the SDK once per process and registers it globally; a no-op when OTEL_SDK_DISABLED=true.
 * Must run (and be awaited: exporters are imported on demand) before any Fastify instance is
 * created and before any module looks up instruments.
 */
export async function startTelemetry(env: Env, overrides: TelemetryOverrides = {}): Promise<TelemetryPlan> {
  const plan = planTelemetry(env);
  if (!plan.enabled || running) return plan;
  if (env.OTEL_LOG_LEVEL?.trim()) {
    diag.setLogger(new DiagConsoleLogger(), { logLevel: diagLogLevelFromString(env.OTEL_LOG_LEVEL.trim()) });
  }
  const admission = createAdmissionMetrics();
  // Pull-based: costs nothing until src/telemetry/metrics-server.ts serves a scrape.
  const prometheus = new PrometheusExporter({ preventServerStart: true, metricProducers: [admission.producer()] });
  const readers: IMetricReader[] = [prometheus];
  if (plan.otlpMetrics) readers.push(await otlpMetricReader(plan.otlpMetrics, admission));
  // []: no TracerProvider at all, so spans cost nothing.
  const spanProcessors = overrides.spanProcessors ?? (await createSpanProcessors(env, plan.traceExporters));
  // Auto-detected attributes (host, OS, process, service.instance.id, OTEL_RESOURCE_ATTRIBUTES and
  // OTEL_SERVICE_NAME) win over Shipshape's own, as with NodeSDK.
  const resource = defaultResource()
    .merge(resourceFromAttributes(baseResourceAttributes(env)))
    .merge(
      detectResources({
        detectors: [serviceInstanceIdDetector, processDetector, hostDetector, osDetector, envDetector],
      }),
    );
  const contextManager = new AsyncLocalStorageContextManager();
  contextManager.enable();
  context.setGlobalContextManager(contextManager);
  const propagator = await propagatorFromEnv(env);
  if (propagator) propagation.setGlobalPropagator(propagator);
  const meterProvider = new MeterProvider({ resource, readers });
  metrics.setGlobalMeterProvider(meterProvider);
  const providers: { shutdown(): Promise<void> }[] = [meterProvider];
  if (spanProcessors.length > 0) {
    const sampler = samplerFromEnv(env);
    const tracerProvider = new TracerProvider({
      resource,
      spanProcessors,
      spanLimits: spanLimitsFromEnv(env),
      ...(sampler && { sampler }),
    });
    trace.setGlobalTracerProvider(tracerProvider);
    providers.unshift(tracerProvider);
  }
  running = { providers, prometheus, admission, tracing: spanProcessors.length > 0 };
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
    const outcome = await Promise.race([Promise.all(current.providers.map((p) => p.shutdown())), timeout]);
    if (outcome === 'timeout') logger?.warn({ timeoutMs }, 'telemetry not flushed in time; giving up');
  } catch (err) {
    logger?.warn({ err }, 'telemetry flush failed');
  } finally {
    clearTimeout(timer);
  }
}
