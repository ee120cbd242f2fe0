// The span pipeline startTelemetry gives the SDK, built by sdk-node's own rules for
// OTEL_TRACES_EXPORTER (otlp, zipkin, console, none), the OTLP protocol and OTEL_BSP_*, with one
// difference: planTelemetry only asks for `otlp` when an endpoint is set.
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';

export type TraceExporterName = 'otlp' | 'zipkin' | 'console';

/** OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf; blank is unset. */
function otlpTraceExporter(env: NodeJS.ProcessEnv): SpanExporter {
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?.trim() || env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim();
  if (protocol === 'grpc') return new GrpcTraceExporter();
  if (protocol === 'http/json') return new JsonTraceExporter();
  return new ProtobufTraceExporter();
}

/**
 * A number above 0 from the environment, else undefined, so the SDK's default applies: as in
 * sdk-node, 0 is not a setting (a batch size of 0 would export empty batches forever).
 */
function positive(value: string | undefined): number | undefined {
  const n = Number(value?.trim() || Number.NaN);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** OTEL_BSP_* as the SDK reads them; unset or invalid values leave the SDK's defaults. */
export function batchOptions(env: NodeJS.ProcessEnv) {
  return {
    maxQueueSize: positive(env.OTEL_BSP_MAX_QUEUE_SIZE),
    scheduledDelayMillis: positive(env.OTEL_BSP_SCHEDULE_DELAY),
    exportTimeoutMillis: positive(env.OTEL_BSP_EXPORT_TIMEOUT),
    maxExportBatchSize: positive(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE),
  };
}

/**
 * One processor per exporter, as sdk-node makes them: console spans one by one, OTLP in batches.
 * The OTLP exporters read their endpoint, headers, timeout and compression from the process's
 * OTEL_EXPORTER_OTLP_* variables themselves.
 */
export function createSpanProcessors(env: NodeJS.ProcessEnv, exporters: readonly TraceExporterName[]): SpanProcessor[] {
  return exporters.map((name) =>
    name === 'console'
      ? new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() })
      : new BatchSpanProcessor({
          exporter: name === 'zipkin' ? new ZipkinExporter() : otlpTraceExporter(env),
          ...batchOptions(env),
        }),
  );
}
