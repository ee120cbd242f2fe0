// The span processors startTelemetry hands NodeSDK. Given processors, NodeSDK reads neither
// OTEL_TRACES_EXPORTER nor OTEL_BSP_*, so they are read here by sdk-node's rules (otlp, zipkin,
// console, none; the OTLP protocol; OTEL_BSP_* above 0), with two differences that are Shipshape's
// own: planTelemetry only asks for `otlp` when an endpoint is set, and every batch reaches its
// exporter in slices, off the request path (paced-span-exporter.ts says why).
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
import { PacedSpanExporter } from './paced-span-exporter.ts';

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
 * One processor per exporter, as sdk-node makes them: console spans one by one, OTLP and Zipkin in
 * batches, each batch handed to the exporter through a PacedSpanExporter. The OTLP exporters read
 * their endpoint, headers, timeout and compression from the process's OTEL_EXPORTER_OTLP_*
 * variables themselves.
 */
export function createSpanProcessors(env: NodeJS.ProcessEnv, exporters: readonly TraceExporterName[]): SpanProcessor[] {
  return exporters.map((name) =>
    name === 'console'
      ? new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() })
      : new BatchSpanProcessor({
          exporter: new PacedSpanExporter(name === 'zipkin' ? new ZipkinExporter() : otlpTraceExporter(env)),
          ...batchOptions(env),
        }),
  );
}
