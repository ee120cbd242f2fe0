// Trace context in every log line written inside a span: pass traceLogMixin as pino's `mixin`.
// Fastify's request loggers are children of that logger, so they inherit it.
import { isSpanContextValid, trace } from '@opentelemetry/api';

/**
 * { trace_id, span_id, trace_flags } of the active span, or {} outside one. A new object each time:
 * pino merges the log line's own fields into it.
 */
export function traceLogMixin(): Record<string, string> {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return {
    trace_id: spanContext.traceId,
    span_id: spanContext.spanId,
    trace_flags: `0${spanContext.traceFlags.toString(16)}`,
  };
}
