// The CRD's conversion webhook (issue #35): POST CONVERT_PATH, on every replica. Every answer to a
// POST there is HTTP 200 with a ConversionReview, whatever the body: the apiserver reads a
// failure's message only from a 200 (any other status fails the read with an opaque "conversion
// webhook ... failed"), so what went wrong is in response.result, a Failure with a code and a
// message (conversion-error.ts says what each status code means), and never with some objects.
// The same edge as admission's (raw-body.ts): any content type is read as bytes, a body over the
// limit or a Content-Type that does not parse gets a Failure too. Each request is observed through
// `hooks` (conversion-hooks.ts); src/main.ts passes the telemetry that traces and measures it.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CONVERT_PATH } from '../constants.ts';
import { ConversionError } from '../conversion/conversion-error.ts';
import {
  type ConversionOutcome,
  type Convert,
  conversionFailure,
  reviewConversion,
} from '../conversion/review-conversion.ts';
import { type ConversionHooks, PLAIN_CONVERSION_HOOKS } from './conversion-hooks.ts';
import { drainRefusedBody } from './oversized-body.ts';
import { acceptRawBodies, classifyRefusal } from './raw-body.ts';

export type ConversionPluginOptions = {
  /** The largest ConversionReview read, in bytes (DEFAULT_CONVERSION_BODY_LIMIT_BYTES says why). */
  bodyLimit: number;
  /** Default: log lines only, no telemetry. */
  hooks?: ConversionHooks;
  /** Converts one object; convertWebApp (through reviewConversion's default) unless a test hands another. */
  convert?: Convert;
};

export async function conversionPlugin(app: FastifyInstance, options: ConversionPluginOptions): Promise<void> {
  acceptRawBodies(app, options.bodyLimit);
  const telemetry = options.hooks ?? PLAIN_CONVERSION_HOOKS;
  telemetry.register(app);

  const reply = (req: FastifyRequest, res: FastifyReply, outcome: ConversionOutcome) => {
    let answer = outcome;
    let text: string;
    try {
      text = JSON.stringify(answer.review);
    } catch (cause) {
      // Not reached with convertWebApp, which copies every value from what JSON.parse made (nesting
      // deep enough to overflow JSON.stringify overflows the copy first: a CONV_FAILED); kept so
      // that a converter's bug is a Failure and never a 500 or half a review.
      const error = new ConversionError('CONV_FAILED', 'the converted objects could not be serialized', { cause });
      answer = {
        ...conversionFailure(answer.review.response.uid, error),
        ...(answer.request && { request: answer.request }),
      };
      text = JSON.stringify(answer.review);
    }
    const { error, request } = answer;
    if (error) {
      const fields = { err: error, code: error.code, uid: answer.review.response.uid, ...request };
      telemetry.log(req, 'warn', fields, 'conversion failed');
    } else telemetry.log(req, 'debug', { ...request }, 'conversion reviewed');
    telemetry.record(req, res, answer);
    return res.code(200).header('content-type', 'application/json').send(text);
  };

  // The rest of a refused body is read, up to twice the limit or 10 s, so that the apiserver reads
  // the Failure rather than a reset (oversized-body.ts); past that the answer goes out at once.
  const drainBounds = { maxBytes: 2 * options.bodyLimit, maxMs: 10_000 };
  app.setErrorHandler(async (err: FastifyError, req, res) => {
    const { tooLarge, statusCode } = classifyRefusal(err);
    if (tooLarge) await drainRefusedBody(req.raw, res, drainBounds);
    const error = tooLarge
      ? new ConversionError('CONV_BODY_TOO_LARGE', `the request body exceeds ${options.bodyLimit} bytes`, {
          cause: err,
        })
      : new ConversionError(statusCode === 500 ? 'CONV_FAILED' : 'CONV_DECODE', err.message, { cause: err });
    return reply(req, res, conversionFailure('', error, tooLarge ? undefined : statusCode));
  });

  const routeOptions = {
    onRequest: (req: FastifyRequest, _res: FastifyReply, done: () => void) => {
      telemetry.start(req);
      done();
    },
    onRequestAbort: (req: FastifyRequest, done: () => void) => {
      telemetry.abort(req);
      done();
    },
  };
  app.post(CONVERT_PATH, routeOptions, async (req, res) =>
    reply(req, res, reviewConversion(req.body as Buffer, options.convert)),
  );
}
