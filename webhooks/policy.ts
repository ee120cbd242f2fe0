import type { AdmissionRequest } from '../src/admission/admission-review.ts';
import type { AdmissionDecision } from './decision.ts';
import type { PolicyConfig } from './limits.ts';

/** What a policy knows besides the request: configuration and the namespace's annotations. */
export type PolicyContext = {
  config: PolicyConfig;
  /** Annotations of the request's Namespace from the watched cache; undefined if unknown. */
  namespaceAnnotations: Record<string, string> | undefined;
};

/** An admission policy: a pure function. It may throw; the HTTP edge turns that into a denial. */
export type Policy = (request: AdmissionRequest, context: PolicyContext) => AdmissionDecision;
