// Telemetry of one ConversionReview: its SERVER span, its log lines inside that span, and the
// review, duration and object metrics. Without the SDK (OTEL_SDK_DISABLED, unit tests) there is
// no span and no metric. SDK instruments, not admission-metrics.ts's hand-aggregated producer:
// while some clients use the version that is not stored, the apiserver sends a review or two per
// WebApp change (measured in the dev loop), not one per request to it, and each review converts
// through the hub as well as parsing and answering; not measured against that producer yet.
import { type Span, SpanStatusCode, metrics, trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WEBAPP_API_VERSIONS } from '../api/webapp-versions.ts';
import type { ConversionOutcome } from '../conversion/review-conversion.ts';
import type { ConversionHooks } from '../server/conversion-hooks.ts';
import type { LogLevel } from '../server/review-hooks.ts';
import {
  CONVERSION_DURATION,
  CONVERSION_OBJECTS,
  CONVERSION_REVIEWS,
  createCounter,
  createHistogram,
} from './metric-definitions.ts';
import { INSTRUMENTATION_SCOPE } from './metrics.ts';
import { endAbandonedSpan, logInSpan, startReviewSpan } from './review-span.ts';
import { tracingEnabled } from './sdk.ts';

/** The desired version as a bounded label: a WebApp version, `other`, or `unknown` (no review). */
export function desiredVersionLabel(outcome: ConversionOutcome): string {
  const desired = outcome.request?.desiredAPIVersion;
  if (desired === undefined) return 'unknown';
  return WEBAPP_API_VERSIONS.includes(desired) ? desired : 'other';
}

/**
 * Sets the span attributes of a ConversionReview, under shipshape.conversion.*. The request's uid
 * is in the log line, not here. A failure marks the span as an error: the apiserver sends only
 * well-formed reviews, so any failure is a read that failed for a client.
 */
export function setConversionAttributes(span: Span, outcome: ConversionOutcome): void {
  span.setAttribute('shipshape.conversion.desired_version', desiredVersionLabel(outcome));
  span.setAttribute('shipshape.conversion.objects', outcome.request?.objects ?? 0);
  const { result } = outcome.review.response;
  span.setAttribute('shipshape.conversion.result', result.status === 'Success' ? 'success' : 'failure');
  if (result.status === 'Success') return;
  span.setAttribute('shipshape.conversion.status_code', result.code);
  if (outcome.error) span.setAttribute('shipshape.conversion.error_code', outcome.error.code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: result.message });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The conversion span of this request, while it is open. */
    conversionTrace: Span | null;
  }
}

const CONVERSION_TRACE = 'conversionTrace';

/** The request's open span, detached from it, so that whoever takes it ends it exactly once. */
function takeSpan(req: FastifyRequest): Span | null {
  const span = req.conversionTrace;
  req.conversionTrace = null;
  return span;
}

/**
 * The conversion plugin's hooks with tracing, logs in the span and metrics; src/main.ts passes them
 * to buildServer. Call once per server, after the SDK started (the instruments are created here).
 */
export function createConversionTelemetry(): ConversionHooks {
  const meter = metrics.getMeter(INSTRUMENTATION_SCOPE);
  const reviews = createCounter(meter, CONVERSION_REVIEWS);
  const duration = createHistogram(meter, CONVERSION_DURATION);
  const objects = createCounter(meter, CONVERSION_OBJECTS);
  const tracing = tracingEnabled();
  const tracer = trace.getTracer(INSTRUMENTATION_SCOPE);

  return {
    register(app: FastifyInstance): void {
      app.decorateRequest(CONVERSION_TRACE, null);
    },
    /** The route's onRequest hook: starts the request's SERVER span, `conversion webapps`. */
    start(req: FastifyRequest): void {
      if (tracing) req.conversionTrace = startReviewSpan(tracer, 'conversion webapps', req);
    },
    /** Logs inside the request's span, so the line carries trace_id and span_id. */
    log(req: FastifyRequest, level: LogLevel, fields: Record<string, unknown>, message: string): void {
      logInSpan(req, req.conversionTrace, level, fields, message);
    },
    /** Just before the ConversionReview is sent: counts and times it, annotates and ends the span. */
    record(req: FastifyRequest, reply: FastifyReply, outcome: ConversionOutcome): void {
      const desired_version = desiredVersionLabel(outcome);
      const success = outcome.review.response.result.status === 'Success';
      const labels = {
        desired_version,
        result: success ? 'success' : 'failure',
        code: outcome.error?.code ?? 'OK',
      };
      reviews.add(1, labels);
      duration.record(reply.elapsedTime / 1000, labels);
      if (success) objects.add(outcome.request?.objects ?? 0, { desired_version });
      const span = takeSpan(req);
      if (!span) return;
      if (span.isRecording()) setConversionAttributes(span, outcome);
      span.end();
    },
    /** The route's onRequestAbort hook: ends a span the answer did not end. */
    abort(req: FastifyRequest): void {
      endAbandonedSpan(takeSpan(req));
    },
  };
}
