// The admission routes. Every response is 200 with an AdmissionReview (the apiserver treats any
// other status as a failed call); what went wrong is in response.status.
// Each request is observed through `hooks` (admission-hooks.ts) from its arrival to just before its
// answer; src/main.ts passes the telemetry that traces and measures it.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PolicyContext } from '../../webhooks/policy.ts';
import { AdmissionError } from '../admission/admission-error.ts';
import type { AdmissionRequest } from '../admission/admission-review.ts';
import { errored } from '../admission/decision.ts';
import { decodeAdmissionReview, runPolicy, toAdmissionReview } from '../admission/review.ts';
import type { AdmissionRoute } from '../admission/routes.ts';
import { type AdmissionHooks, type AdmissionOutcome, PLAIN_ADMISSION_HOOKS } from './admission-hooks.ts';
import { drainRefusedBody } from './oversized-body.ts';
import { acceptRawBodies, classifyRefusal } from './raw-body.ts';

export type AdmissionPluginOptions = {
  routes: readonly AdmissionRoute[];
  bodyLimit: number;
  context(request: AdmissionRequest): PolicyContext;
  /** Default: log lines only, no telemetry. */
  hooks?: AdmissionHooks;
};

export async function admissionPlugin(app: FastifyInstance, options: AdmissionPluginOptions): Promise<void> {
  // The body is parsed here, not by Fastify, so that any content type and any malformed JSON
  // still gets an AdmissionReview answer (raw-body.ts).
  acceptRawBodies(app, options.bodyLimit);

  const telemetry = options.hooks ?? PLAIN_ADMISSION_HOOKS;
  telemetry.register(app);
  const routeOf = new Map(options.routes.map((r) => [r.path, r]));
  const reply = (req: FastifyRequest, res: FastifyReply, uid: string, outcome: AdmissionOutcome) => {
    telemetry.record(req, res, outcome);
    return res.code(200).header('content-type', 'application/json').send(toAdmissionReview(uid, outcome.decision));
  };

  // The rest of a refused body is read, up to four times the limit (the apiserver's largest
  // AdmissionReview, an object and its old version, stays under that) or 10 s.
  const drainBounds = { maxBytes: 4 * options.bodyLimit, maxMs: 10_000 };
  app.setErrorHandler(async (err: FastifyError, req, res) => {
    const { tooLarge, statusCode } = classifyRefusal(err);
    if (tooLarge) await drainRefusedBody(req.raw, res, drainBounds);
    const error = tooLarge
      ? new AdmissionError('ADM_BODY_TOO_LARGE', `the request body exceeds ${options.bodyLimit} bytes`, {
          cause: err,
        })
      : new AdmissionError('ADM_DECODE', err.message, { cause: err });
    const route = routeOf.get(req.routeOptions.url ?? '');
    const [webhook, kind] = route ? [route.webhook, route.kind] : (['unknown', 'unknown'] as const);
    telemetry.log(req, 'warn', { err: error }, 'admission request rejected before review');
    return reply(req, res, '', { webhook, kind, decision: errored(statusCode, error) });
  });

  for (const route of options.routes) {
    const { webhook, kind } = route;
    const routeOptions = {
      onRequest: (req: FastifyRequest, _res: FastifyReply, done: () => void) => {
        telemetry.start(req, webhook);
        done();
      },
      onRequestAbort: (req: FastifyRequest, done: () => void) => {
        telemetry.abort(req);
        done();
      },
    };
    app.post(route.path, routeOptions, async (req, res) => {
      const decoded = decodeAdmissionReview(req.body as Buffer | undefined, route.kind);
      if (!decoded.ok) {
        telemetry.log(req, 'warn', { err: decoded.error, uid: decoded.uid, webhook }, 'malformed AdmissionReview');
        return reply(req, res, decoded.uid, { webhook, kind, decision: errored(400, decoded.error) });
      }
      const { request } = decoded;
      const decision = runPolicy(route.policy, request, () => options.context(request));
      telemetry.log(
        req,
        decision.allowed ? 'debug' : 'info',
        {
          uid: request.uid,
          webhook,
          kind: request.kind.kind,
          operation: request.operation,
          namespace: request.namespace,
          name: request.name,
          dryRun: request.dryRun ?? false,
          allowed: decision.allowed,
          patchOperations: decision.patch?.length ?? 0,
          reason: decision.status?.message,
        },
        'admission reviewed',
      );
      return reply(req, res, request.uid, { webhook, kind, request, decision });
    });
  }
}
