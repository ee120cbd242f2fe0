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
import { otlpSetting, positiveNumber } from './otel-env.ts';

export type TraceExporterName = 'otlp' | 'zipkin' | 'console';

/** OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf; blank is unset. */
function otlpTraceExporter(env: NodeJS.ProcessEnv): SpanExporter {
  const protocol = otlpSetting(env, 'TRACES', 'PROTOCOL');
  if (protocol === 'grpc') return new GrpcTraceExporter();
  if (protocol === 'http/json') return new JsonTraceExporter();
  return new ProtobufTraceExporter();
}

/** OTEL_BSP_* as the SDK reads them; unset or invalid values leave the SDK's defaults. */
export function batchOptions(env: NodeJS.ProcessEnv) {
  return {
    maxQueueSize: positiveNumber(env.OTEL_BSP_MAX_QUEUE_SIZE),
    scheduledDelayMillis: positiveNumber(env.OTEL_BSP_SCHEDULE_DELAY),
    exportTimeoutMillis: positiveNumber(env.OTEL_BSP_EXPORT_TIMEOUT),
    maxExportBatchSize: positiveNumber(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE),
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
