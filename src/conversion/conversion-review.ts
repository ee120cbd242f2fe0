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
 * but status Success as a failure and then reads no object, so a failure carries none. Of a
 * failure, the apiserver reads only the message; `code` (conversion-error.ts) is for people and logs.
 */
export type ConversionResponse =
  | { uid: string; convertedObjects: unknown[]; result: { status: 'Success' } }
  | { uid: string; result: { status: 'Failure'; code: number; message: string } };

export type ConversionReviewResponse = {
  apiVersion: typeof CONVERSION_API_VERSION;
  kind: 'ConversionReview';
  response: ConversionResponse;
};

/**
 * The largest ConversionReview accepted by default, in bytes (--conversion-body-limit-bytes): 32 MiB,
 * ten times the AdmissionReview limit. The apiserver sends one review per read, and for a LIST
 * every object of the answer not already at the desired version goes into that one review
 * (apiextensions-apiserver's webhook_converter.go): an informer's relist from the watch cache is
 * the whole collection. A stored WebApp with its managedFields, last-applied annotation and status
 * is about 2.1 KiB, so the 10,000 WebApps of the scale target (#34) make a 20 MiB review; 32 MiB
 * leaves room for larger specs. Refusing more fails the LIST, so the limit follows the
 * collection's size rather than one object's. Converting a review holds about 7 times its size in
 * the heap (measured: 140 MiB for 20 MiB), all in one synchronous step, so only one review at a
 * time is at that peak: 32 MiB stays inside the Deployment's 320 MiB old space.
 */
export const DEFAULT_CONVERSION_BODY_LIMIT_BYTES = 32 * 1024 * 1024;
