// Telemetry of one AdmissionReview: the request's span (created by @fastify/otel, see
// createFastifyInstrumentation) gets the admission's name and attributes, and the request and
// latency metrics are recorded. Without the SDK (OTEL_SDK_DISABLED, unit tests) there is no span
// and the instruments are no-ops.
import { type Attributes, type Context, type Span, SpanStatusCode, context } from '@opentelemetry/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AdmissionDecision } from '../../webhooks/decision.ts';
import type { AdmissionRequest } from '../admission/admission-review.ts';
import { shipshapeMetrics } from './metrics.ts';

export type AdmissionOutcome = {
  /** 'unknown' for a request that failed before reaching a route's handler. */
  webhook: 'mutate' | 'validate' | 'unknown';
  /** Absent when the body could not be read as an AdmissionReview for a WebApp. */
  request?: AdmissionRequest;
  decision: AdmissionDecision;
};

type OtelRequest = { opentelemetry?: () => { span: Span | null; context: Context | null } };

/** The request's span and context, when the Fastify instrumentation traced this request. */
function requestTrace(req: FastifyRequest): { span: Span; context: Context } | undefined {
  const otel = (req as unknown as OtelRequest).opentelemetry?.();
  return otel?.span && otel.context ? { span: otel.span, context: otel.context } : undefined;
}

/**
 * Span attributes of an AdmissionReview, under shipshape.admission.*; `kind` is group/kind. Kept
 * to what an operator filters on: each attribute costs every AdmissionReview its share of CPU.
 */
export function admissionAttributes({ webhook, request, decision }: AdmissionOutcome): Attributes {
  const a: Attributes = {
    'shipshape.admission.webhook': webhook,
    'shipshape.admission.allowed': decision.allowed,
    'shipshape.admission.patch_operations': decision.patch?.length ?? 0,
  };
  if (request) {
    a['shipshape.admission.uid'] = request.uid;
    a['shipshape.admission.operation'] = request.operation;
    a['shipshape.admission.kind'] = `${request.kind.group}/${request.kind.kind}`;
    a['shipshape.admission.dry_run'] = request.dryRun ?? false;
    if (request.namespace) a['shipshape.admission.namespace'] = request.namespace;
    if (request.name) a['shipshape.admission.name'] = request.name;
  }
  if (!decision.allowed && decision.status) {
    a['shipshape.admission.denial_reason'] = decision.status.message;
    a['shipshape.admission.status_code'] = decision.status.code;
    // AdmissionError messages start with their code (src/admission/admission-error.ts).
    const errorCode = /^(ADM_[A-Z_]+):/.exec(decision.status.message)?.[1];
    if (errorCode) a['shipshape.admission.error_code'] = errorCode;
  }
  return a;
}

type Level = 'debug' | 'info' | 'warn';

/** Call once per server, after the SDK started (the instruments are looked up here). */
export function createAdmissionTelemetry() {
  const m = shipshapeMetrics();
  return {
    /** Logs inside the request's span, so the line carries trace_id and span_id. */
    log(req: FastifyRequest, level: Level, fields: Record<string, unknown>, message: string): void {
      // pino's check; skips entering the span's context for lines that are not written.
      if ((req.log as Partial<Pick<Logger, 'isLevelEnabled'>>).isLevelEnabled?.(level) === false) return;
      const traced = requestTrace(req);
      if (traced) context.with(traced.context, () => req.log[level](fields, message));
      else req.log[level](fields, message);
    },
    /** Just before the AdmissionReview is sent: names and annotates the span, counts, times. */
    record(req: FastifyRequest, reply: FastifyReply, outcome: AdmissionOutcome): void {
      const { webhook, request, decision } = outcome;
      const operation = request?.operation ?? 'UNKNOWN';
      m.countAdmission(webhook, operation, decision.allowed);
      m.admissionDuration.record(reply.elapsedTime / 1000, { webhook, operation, allowed: decision.allowed });
      const span = requestTrace(req)?.span;
      if (!span?.isRecording()) return;
      span.updateName(`admission ${webhook}`);
      span.setAttributes(admissionAttributes(outcome));
      const code = decision.status?.code ?? 200;
      if (code >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: decision.status?.message });
    },
  };
}
