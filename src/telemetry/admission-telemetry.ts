// Telemetry of one AdmissionReview: its span, its log lines inside that span, and the request and
// latency metrics. Without the SDK (OTEL_SDK_DISABLED, unit tests) there is no span and no metric.
//
// The admission routes make their own span, with no generic Fastify instrumentation
// (docs/decisions/0002-no-fastify-instrumentation.md, which has the figures): the webhook answers
// thousands of reviews a second, and bench/webhook-telemetry.ts measured @fastify/otel's request
// span (attributes at start, a context entered for the rest of the request, three hooks on every
// route) costing the webhook more throughput than this one. Here the span starts bare, its
// attributes are set just before the answer is sent, and a context is only made for the rare log
// line.
import { type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Webhook } from '../admission/routes.ts';
import type { AdmissionHooks, AdmissionOutcome } from '../server/admission-hooks.ts';
import type { LogLevel } from '../server/review-hooks.ts';
import { INSTRUMENTATION_SCOPE } from './metrics.ts';
import { endAbandonedSpan, logInSpan, startReviewSpan } from './review-span.ts';
import { admissionMetrics, tracingEnabled } from './sdk.ts';
import { createWouldDenyCounter, markWouldDeny } from './would-deny.ts';

/**
 * Sets the span attributes of an AdmissionReview, under shipshape.admission.*; `kind` is
 * group/kind. Kept to what an operator filters on: each attribute costs every AdmissionReview its
 * share of CPU. The request's uid is in the log line, not here. `would_deny` (the reasons `warn`
 * enforcement admitted) is set only when there are some. One setAttribute per attribute: no
 * object to build and walk per review.
 */
export function setAdmissionAttributes(span: Span, { webhook, request, decision }: AdmissionOutcome): void {
  span.setAttribute('shipshape.admission.webhook', webhook);
  span.setAttribute('shipshape.admission.allowed', decision.allowed);
  span.setAttribute('shipshape.admission.patch_operations', decision.patch?.length ?? 0);
  if (request) {
    span.setAttribute('shipshape.admission.operation', request.operation);
    span.setAttribute('shipshape.admission.kind', `${request.kind.group}/${request.kind.kind}`);
    span.setAttribute('shipshape.admission.dry_run', request.dryRun ?? false);
    if (request.namespace) span.setAttribute('shipshape.admission.namespace', request.namespace);
    if (request.name) span.setAttribute('shipshape.admission.name', request.name);
  }
  if (decision.wouldDeny) markWouldDeny(span, decision.wouldDeny);
  if (!decision.allowed && decision.status) {
    span.setAttribute('shipshape.admission.denial_reason', decision.status.message);
    span.setAttribute('shipshape.admission.status_code', decision.status.code);
    if (decision.errorCode) span.setAttribute('shipshape.admission.error_code', decision.errorCode);
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The admission span of this request, while it is open (see ADMISSION_TRACE). */
    admissionTrace: Span | null;
  }
}

/**
 * The request decorator register() declares: a field of Fastify's request objects is cheaper per
 * request than a WeakMap entry.
 */
const ADMISSION_TRACE = 'admissionTrace';

/** The request's open span, detached from it, so that whoever takes it ends it exactly once. */
function takeSpan(req: FastifyRequest): Span | null {
  const span = req.admissionTrace;
  req.admissionTrace = null;
  return span;
}

const SPAN_NAMES: Record<Webhook, string> = {
  mutate: 'admission mutate',
  validate: 'admission validate',
};

/**
 * The admission plugin's hooks with tracing, logs in the span and metrics; src/main.ts passes them
 * to buildServer. Call once per server, after the SDK started (the tracer and the metrics are
 * looked up here).
 */
export function createAdmissionTelemetry(): AdmissionHooks {
  const metrics = admissionMetrics();
  const wouldDeny = createWouldDenyCounter();
  // No span exporter (no endpoint, OTEL_TRACES_EXPORTER=none) or no SDK: the API would only hand
  // out spans that record nothing, so none are made.
  const tracing = tracingEnabled();
  const tracer = trace.getTracer(INSTRUMENTATION_SCOPE);

  return {
    register(app: FastifyInstance): void {
      app.decorateRequest(ADMISSION_TRACE, null);
    },
    /** An admission route's onRequest hook: starts the request's SERVER span, `admission <webhook>`. */
    start(req: FastifyRequest, webhook: Webhook): void {
      if (tracing) req.admissionTrace = startReviewSpan(tracer, SPAN_NAMES[webhook], req);
    },
    /** Logs inside the request's span, so the line carries trace_id and span_id. */
    log(req: FastifyRequest, level: LogLevel, fields: Record<string, unknown>, message: string): void {
      logInSpan(req, req.admissionTrace, level, fields, message);
    },
    /** Just before the AdmissionReview is sent: counts and times it, annotates and ends the span. */
    record(req: FastifyRequest, reply: FastifyReply, outcome: AdmissionOutcome): void {
      const { webhook, kind, request, decision } = outcome;
      const code = decision.status?.code ?? 200;
      const seconds = reply.elapsedTime / 1000;
      metrics?.record(webhook, kind, request?.operation ?? 'UNKNOWN', decision.allowed, code, seconds);
      if (decision.wouldDeny) wouldDeny(request?.namespace ?? '', decision.wouldDeny);
      const span = takeSpan(req);
      if (!span) return;
      if (span.isRecording()) {
        setAdmissionAttributes(span, outcome);
        if (code >= 500)
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: decision.status?.message,
          });
      }
      span.end();
    },
    /**
     * An admission route's onRequestAbort hook: the client went away before the answer. A body cut
     * short usually reaches the error handler first (ADM_DECODE: aborted), whose record() has
     * ended the span; this ends it otherwise, so no span is left open.
     */
    abort(req: FastifyRequest): void {
      endAbandonedSpan(takeSpan(req));
    },
  };
}
