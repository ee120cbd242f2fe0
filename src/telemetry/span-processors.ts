// The span pipeline startTelemetry gives the SDK, built by sdk-node's own rules for
// OTEL_TRACES_EXPORTER (otlp, zipkin, console, none), the OTLP protocol and OTEL_BSP_*, with one
// difference: planTelemetry only asks for `otlp` when an endpoint is set. Each exporter's module is
// imported only when it is named (together they weigh tens of MiB; see src/telemetry/sdk.ts).
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
async function otlpTraceExporter(env: NodeJS.ProcessEnv): Promise<SpanExporter> {
  const protocol = otlpSetting(env, 'TRACES', 'PROTOCOL');
  if (protocol === 'grpc') return new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter();
  if (protocol === 'http/json')
    return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
  return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
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
 * batches, each batch handed to the exporter in slices off the request path (paced-span-exporter.ts
 * says why). The OTLP exporters read their endpoint, headers, timeout and compression from the process's
 * OTEL_EXPORTER_OTLP_* variables themselves.
 */
export async function createSpanProcessors(
  env: NodeJS.ProcessEnv,
  exporters: readonly TraceExporterName[],
): Promise<SpanProcessor[]> {
  const processors: SpanProcessor[] = [];
  for (const name of exporters) {
    if (name === 'console') {
      processors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
      continue;
    }
    const exporter =
      name === 'zipkin'
        ? new (await import('@opentelemetry/exporter-zipkin')).ZipkinExporter()
        : await otlpTraceExporter(env);
    processors.push(new BatchSpanProcessor({ exporter: new PacedSpanExporter(exporter), ...batchOptions(env) }));
  }
  return processors;
}
