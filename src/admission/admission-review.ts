// AdmissionReview admission.k8s.io/v1, parsed at the HTTP edge. Only v1 is accepted: the webhook
// configurations list admissionReviewVersions: [v1].
import { z } from 'zod';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

const groupVersionKind = z.object({ group: z.string(), version: z.string(), kind: z.string() });
const groupVersionResource = z.object({ group: z.string(), version: z.string(), resource: z.string() });

export const admissionRequestSchema = z.looseObject({
  uid: z.string().min(1),
  kind: groupVersionKind,
  resource: groupVersionResource,
  subResource: z.string().optional(),
  requestKind: groupVersionKind.optional(),
  requestResource: groupVersionResource.optional(),
  requestSubResource: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
  operation: z.enum(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']),
  userInfo: z
    .looseObject({
      username: z.string().optional(),
      uid: z.string().optional(),
      groups: z.array(z.string()).optional(),
    })
    .optional(),
  object: z.record(z.string(), z.unknown()).nullable().optional(),
  oldObject: z.record(z.string(), z.unknown()).nullable().optional(),
  dryRun: z.boolean().optional(),
  options: z.unknown().optional(),
});

export const admissionReviewRequestSchema = z.object({
  apiVersion: z.literal(ADMISSION_API_VERSION),
  kind: z.literal('AdmissionReview'),
  request: admissionRequestSchema,
});

/**
 * admissionReviewRequestSchema compiled ahead of time (`z.compile`; see compiledWebAppSchema in
 * src/api/webapp.ts): the same results in less time (the benchmark's review in a loop: commit
 * 79a4a2e).
 */
export const compiledAdmissionReviewRequestSchema = z.compile(admissionReviewRequestSchema);

export type AdmissionRequest = z.infer<typeof admissionRequestSchema>;
export type AdmissionReviewRequest = z.infer<typeof admissionReviewRequestSchema>;

/** The `response` of an AdmissionReview, as the apiserver reads it. */
export type AdmissionResponse = {
  uid: string;
  allowed: boolean;
  status?: { code: number; message: string; reason?: string };
  patchType?: 'JSONPatch';
  /** base64 of the JSON Patch document. */
  patch?: string;
  warnings?: string[];
};

export type AdmissionReviewResponse = {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: 'AdmissionReview';
  response: AdmissionResponse;
};
