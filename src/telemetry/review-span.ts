// The SERVER span of one review (an AdmissionReview or a ConversionReview), as both review
// telemetries (admission-telemetry.ts, conversion-telemetry.ts) handle it: started from the
// apiserver's traceparent, the request's log lines written inside it, ended with why when the
// client goes away. Each telemetry keeps its span on a request decorator of its own and sets its
// own attributes.
import {
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  context,
  isSpanContextValid,
  propagation,
  trace,
} from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { LogLevel } from '../server/review-hooks.ts';

const SERVER = { kind: SpanKind.SERVER };

/**
 * Starts the request's SERVER span, a child of its traceparent. Null when the span has no valid
 * context (no SDK); kept when sampled out too: its log lines still carry the trace id
 * (trace_flags 00).
 */
export function startReviewSpan(tracer: Tracer, name: string, req: FastifyRequest): Span | null {
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const span = tracer.startSpan(name, SERVER, parent);
  return isSpanContextValid(span.spanContext()) ? span : null;
}

/** Logs inside `span` when there is one, so the line carries trace_id and span_id. */
export function logInSpan(
  req: FastifyRequest,
  span: Span | null,
  level: LogLevel,
  fields: Record<string, unknown>,
  message: string,
): void {
  // pino's check; skips entering the span's context for lines that are not written.
  if ((req.log as Partial<Pick<Logger, 'isLevelEnabled'>>).isLevelEnabled?.(level) === false) return;
  if (span) context.with(trace.setSpan(ROOT_CONTEXT, span), () => req.log[level](fields, message));
  else req.log[level](fields, message);
}

/** Ends a span the answer did not end: the client closed the connection first. */
export function endAbandonedSpan(span: Span | null): void {
  if (!span) return;
  span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client closed the connection' });
  span.end();
}
