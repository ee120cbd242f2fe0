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
 * The largest ConversionReview accepted by default, in bytes (--conversion-body-limit-bytes): 3 MiB,
 * as the AdmissionReview limit. kube-apiserver v1.37.2 sends one object per review, measured in the
 * dev loop: it converts each object as it decodes it, so with its watch cache each change was
 * converted as it entered the cache (two reviews of one object per create) and a LIST at v2
 * sent none, and without the cache a LIST of 50 sent 50 reviews of one object. One object is at
 * most etcd's 1.5 MiB. apiextensions-apiserver can put a list's objects in one review
 * (webhook_converter.go's getObjectsToConvert), which refusing would fail; raising the setting
 * covers an apiserver that does (a stored WebApp is about 2 KiB; converting a review holds about 7
 * times its size in the heap, in one synchronous step).
 */
export const DEFAULT_CONVERSION_BODY_LIMIT_BYTES = 3 * 1024 * 1024;
