// The webhooks without a server: each AdmissionReview is serialized and goes through the same
// decode, policy and encode as the server's routes (src/server/admission-plugin.ts), with the
// context src/server/build-server.ts gives the policies. Only the HTTP hop is left out.
import { errored } from '../admission/decision.ts';
import { decodeAdmissionReview, runPolicy, toAdmissionReview } from '../admission/review.ts';
import { ADMISSION_ROUTES } from '../admission/routes.ts';
import type { PolicyConfig } from '../../webhooks/limits.ts';
import type { PolicyContext } from '../../webhooks/policy.ts';
import { type CallWebhook, type Review, type ReviewTarget, review } from './review.ts';

export type OfflineOptions = {
  config: PolicyConfig;
  /** Annotations of the target Namespace (shipshape.dev/max-replicas, ...); undefined: none known. */
  namespaceAnnotations?: Record<string, string>;
};

export function createLocalWebhooks(options: OfflineOptions): CallWebhook {
  return async (path, body) => {
    const route = ADMISSION_ROUTES.find((route) => route.path === path);
    if (!route) throw new Error(`no webhook at ${path}`);
    const { policy } = route;
    const decoded = decodeAdmissionReview(JSON.stringify(body), route.kind);
    if (!decoded.ok) return toAdmissionReview(decoded.uid, errored(400, decoded.error));
    const { request } = decoded;
    const context = (): PolicyContext => ({
      config: options.config,
      namespaceAnnotations: request.namespace ? options.namespaceAnnotations : undefined,
    });
    return toAdmissionReview(request.uid, runPolicy(policy, request, context));
  };
}

/** Reviews `target` with Shipshape's policies in this process. */
export function reviewOffline(target: ReviewTarget, options: OfflineOptions): Promise<Review> {
  return review(target, createLocalWebhooks(options));
}
