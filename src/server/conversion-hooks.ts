// What the conversion plugin lets an observer do around each ConversionReview, as admission-hooks.ts
// does for AdmissionReviews: open a span on arrival, log inside it, record the outcome just before
// the answer, and end it if the client goes away. src/telemetry/conversion-telemetry.ts implements
// it and src/main.ts passes it in (telemetry wraps the server, the server does not import telemetry).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConversionOutcome } from '../conversion/review-conversion.ts';
import type { LogLevel } from './admission-hooks.ts';

export type ConversionHooks = {
  /** Once, when the conversion plugin registers (request decorators). */
  register(app: FastifyInstance): void;
  /** The conversion route's onRequest hook. */
  start(req: FastifyRequest): void;
  /** Writes a log line about the request (inside its span, when there is one). */
  log(req: FastifyRequest, level: LogLevel, fields: Record<string, unknown>, message: string): void;
  /** Just before the ConversionReview is sent, once per request. */
  record(req: FastifyRequest, reply: FastifyReply, outcome: ConversionOutcome): void;
  /** The conversion route's onRequestAbort hook: the client went away before the answer. */
  abort(req: FastifyRequest): void;
};

/** No telemetry: log lines go to the request's logger, nothing else happens. */
export const PLAIN_CONVERSION_HOOKS: ConversionHooks = Object.freeze({
  register: () => {},
  start: () => {},
  log: (req: FastifyRequest, level: LogLevel, fields: Record<string, unknown>, message: string) =>
    req.log[level](fields, message),
  record: () => {},
  abort: () => {},
});
