// ConversionReview apiextensions.k8s.io/v1, parsed at the HTTP edge of the CRD's conversion webhook
// (issue #35). Only v1 is accepted: the CRD is to list conversionReviewVersions: [v1].
// https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definition-versioning/#webhook-request-and-response
import { z } from 'zod';

export const CONVERSION_API_VERSION = 'apiextensions.k8s.io/v1';

export const conversionRequestSchema = z.looseObject({
  uid: z.string().min(1),
  desiredAPIVersion: z.string().min(1),
  // Each object is checked on its own, so that a bad one is named by its index.
  objects: z.array(z.unknown()),
});

export const conversionReviewRequestSchema = z.looseObject({
  apiVersion: z.literal(CONVERSION_API_VERSION),
  kind: z.literal('ConversionReview'),
  request: conversionRequestSchema,
});

export type ConversionRequest = z.infer<typeof conversionRequestSchema>;

/**
 * The `response` of a ConversionReview. `result` is a metav1.Status: the apiserver takes anything
 * but status Success as a failure and then reads no object, so a failure carries none.
 */
export type ConversionResponse =
  | { uid: string; convertedObjects: unknown[]; result: { status: 'Success' } }
  | { uid: string; result: { status: 'Failure'; message: string } };

export type ConversionReviewResponse = {
  apiVersion: typeof CONVERSION_API_VERSION;
  kind: 'ConversionReview';
  response: ConversionResponse;
};
