// What a review route (admission, conversion) lets an observer do around each review it answers:
// open a span on arrival, log inside it, record the outcome just before the answer, and end it if
// the client goes away. Each plugin knows only this shape, with its own outcome and start
// arguments (admission-hooks.ts, conversion-hooks.ts); src/telemetry/ implements it and
// src/main.ts passes it in (telemetry wraps the server, the server does not import telemetry).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export type LogLevel = 'debug' | 'info' | 'warn';

export type ReviewHooks<Outcome, StartArgs extends unknown[] = []> = {
  /** Once, when the plugin registers (request decorators). */
  register(app: FastifyInstance): void;
  /** The route's onRequest hook. */
  start(req: FastifyRequest, ...args: StartArgs): void;
  /** Writes a log line about the request (inside its span, when there is one). */
  log(req: FastifyRequest, level: LogLevel, fields: Record<string, unknown>, message: string): void;
  /** Just before the review is sent, once per request. */
  record(req: FastifyRequest, reply: FastifyReply, outcome: Outcome): void;
  /** The route's onRequestAbort hook: the client went away before the answer. */
  abort(req: FastifyRequest): void;
};

/** No telemetry: log lines go to the request's logger, nothing else happens. Serves every route. */
export const PLAIN_REVIEW_HOOKS: ReviewHooks<unknown, unknown[]> = Object.freeze({
  register: () => {},
  start: () => {},
  log: (req: FastifyRequest, level: LogLevel, fields: Record<string, unknown>, message: string) =>
    req.log[level](fields, message),
  record: () => {},
  abort: () => {},
});
