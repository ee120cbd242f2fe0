// The span pipeline startTelemetry gives the SDK, built by sdk-node's own rules for
// OTEL_TRACES_EXPORTER (otlp, console, none), the OTLP protocol and OTEL_BSP_*, with one
// difference: planTelemetry only asks for `otlp` when an endpoint is set.
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';

export type TraceExporterName = 'otlp' | 'console';

/** OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf. */
function otlpTraceExporter(env: NodeJS.ProcessEnv): SpanExporter {
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? '').trim();
  if (protocol === 'grpc') return new GrpcTraceExporter();
  if (protocol === 'http/json') return new JsonTraceExporter();
  return new ProtobufTraceExporter();
}

/** A non-negative integer from the environment, else undefined (the SDK's default applies). */
function count(value: string | undefined): number | undefined {
  const n = Number(value?.trim() || Number.NaN);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** OTEL_BSP_* as the SDK reads them; unset or invalid values leave the SDK's defaults. */
export function batchOptions(env: NodeJS.ProcessEnv) {
  return {
    maxQueueSize: count(env.OTEL_BSP_MAX_QUEUE_SIZE),
    scheduledDelayMillis: count(env.OTEL_BSP_SCHEDULE_DELAY),
    exportTimeoutMillis: count(env.OTEL_BSP_EXPORT_TIMEOUT),
    maxExportBatchSize: count(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE),
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
      : new BatchSpanProcessor({ exporter: otlpTraceExporter(env), ...batchOptions(env) }),
  );
}
