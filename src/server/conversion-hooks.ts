// The hooks the conversion plugin calls around each ConversionReview (review-hooks.ts's shape);
// src/telemetry/conversion-telemetry.ts implements them.
import type { ConversionOutcome } from '../conversion/review-conversion.ts';
import { PLAIN_REVIEW_HOOKS, type ReviewHooks } from './review-hooks.ts';

export type ConversionHooks = ReviewHooks<ConversionOutcome>;

/** No telemetry: log lines go to the request's logger, nothing else happens. */
export const PLAIN_CONVERSION_HOOKS: ConversionHooks = PLAIN_REVIEW_HOOKS;
