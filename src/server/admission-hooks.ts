// The hooks the admission plugin calls around each AdmissionReview (review-hooks.ts's shape) and
// the outcome they record; src/telemetry/admission-telemetry.ts implements them.
import type { AdmissionRequest } from '../admission/admission-review.ts';
import type { AdmissionDecision } from '../admission/decision.ts';
import type { Webhook } from '../admission/routes.ts';
import { PLAIN_REVIEW_HOOKS, type ReviewHooks } from './review-hooks.ts';

export type AdmissionOutcome = {
  /** 'unknown' for a request that failed before reaching a route's handler. */
  webhook: Webhook | 'unknown';
  /** The route's kind (WebApp, MySQLCluster); 'unknown' as for `webhook`. */
  kind: string;
  /** Absent when the body could not be read as an AdmissionReview for a WebApp. */
  request?: AdmissionRequest;
  decision: AdmissionDecision;
};

/** start() takes the route's webhook, which names the span. */
export type AdmissionHooks = ReviewHooks<AdmissionOutcome, [webhook: Webhook]>;

/** No telemetry: log lines go to the request's logger, nothing else happens. */
export const PLAIN_ADMISSION_HOOKS: AdmissionHooks = PLAIN_REVIEW_HOOKS;
