// What the admission plugin lets an observer do around each AdmissionReview: open a span on
// arrival, log inside it, record the outcome just before the answer, and end it if the client goes
// away. The plugin knows only this shape; src/telemetry/admission-telemetry.ts implements it and
// src/main.ts passes it in (telemetry wraps the server, the server does not import telemetry).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AdmissionRequest } from '../admission/admission-review.ts';
import type { AdmissionDecision } from '../admission/decision.ts';
import type { Webhook } from '../admission/routes.ts';

export type AdmissionOutcome = {
  /** 'unknown' for a request that failed before reaching a route's handler. */
  webhook: Webhook | 'unknown';
  /** Absent when the body could not be read as an AdmissionReview for a WebApp. */
  request?: AdmissionRequest;
  decision: AdmissionDecision;
};

export type LogLevel = 'debug' | 'info' | 'warn';

export type AdmissionHooks = {
  /** Once, when the admission plugin registers (request decorators). */
  register(app: FastifyInstance): void;
  /** An admission route's onRequest hook. */
  start(req: FastifyRequest, webhook: Webhook): void;
  /** Writes a log line about the request (inside its span, when there is one). */
  log(req: FastifyRequest, level: LogLevel, fields: Record<string, unknown>, message: string): void;
  /** Just before the AdmissionReview is sent. */
  record(req: FastifyRequest, reply: FastifyReply, outcome: AdmissionOutcome): void;
  /** An admission route's onRequestAbort hook: the client went away before the answer. */
  abort(req: FastifyRequest): void;
};

/** No telemetry: log lines go to the request's logger, nothing else happens. */
export const PLAIN_ADMISSION_HOOKS: AdmissionHooks = Object.freeze({
  register: () => {},
  start: () => {},
  log: (req: FastifyRequest, level: LogLevel, fields: Record<string, unknown>, message: string) =>
    req.log[level](fields, message),
  record: () => {},
  abort: () => {},
});
