// The WebApp API: one zod schema is the source of the TypeScript type, the structural checks of
// the validating webhook and the CRD's OpenAPI v3 schema (rendered by src/api/crd.ts).
// Absolute bounds live here; configurable limits (replicas, port ranges) live in webhooks/limits.ts,
// because a Namespace may raise them and the CRD must not.
import { z } from 'zod';

/**
 * A Kubernetes resource.Quantity, as the CRD's `x-kubernetes-int-or-string` with the upstream
 * pattern. Values are compared by webhooks/quantity.ts.
 */
export const QUANTITY_PATTERN =
  /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

// The string branch first: nearly every quantity is a string ("500m"), and a branch that fails
// allocates its issue before the next is tried (measured in a loop: commit 317002e). The order
// changes neither the messages (zod reports the branch whose type matched, or the union's error)
// nor the CRD (src/api/crd.ts writes the branches as integer, string).
export const quantitySchema = z
  .union([z.string().regex(QUANTITY_PATTERN, { error: 'must be a Kubernetes quantity such as 500m or 1Gi' }), z.int()])
  .meta({ 'x-kubernetes-int-or-string': true });

/** Environment variable names as Kubernetes accepts them (letters, digits, '_', '-', '.'; no leading digit). */
export const ENV_NAME_PATTERN = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export const envVarSchema = z.strictObject({
  name: z
    .string()
    .regex(ENV_NAME_PATTERN, {
      error: "must consist of letters, digits, '_', '-' or '.', and must not start with a digit",
    })
    .describe('Variable name'),
  value: z.string().optional().describe('Literal value; empty when absent'),
});

export const resourceListSchema = z.strictObject({
  cpu: quantitySchema.optional(),
  memory: quantitySchema.optional(),
});

export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer'] as const;
const portNumber = z.int32().min(1).max(65535);

export const webAppSpecSchema = z.strictObject({
  image: z.string().min(1).describe('Container image reference, e.g. nginx:1.27 or registry.example/app@sha256:...'),
  replicas: z.int32().min(0).optional().describe('Number of pods; defaulted to 1, limited by the validating webhook'),
  port: portNumber.optional().describe('The container port; defaulted to 8080'),
  env: z.array(envVarSchema).optional().describe('Environment variables, delivered through a ConfigMap'),
  resources: z
    .strictObject({
      requests: resourceListSchema.optional().describe('What each pod is guaranteed: cpu and memory quantities'),
      limits: resourceListSchema.optional().describe('The most each pod may use: cpu and memory quantities'),
    })
    .optional()
    .describe('CPU and memory requests and limits'),
  service: z
    .strictObject({
      type: z.enum(SERVICE_TYPES).optional().describe('Service type; defaulted to ClusterIP'),
      port: portNumber.optional().describe('Service port mapped to spec.port; defaulted to 80'),
    })
    .optional()
    .describe('The Service in front of the pods'),
});

export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;
export const conditionSchema = z.object({
  type: z.string().describe('Ready, Progressing or Degraded'),
  status: z.enum(CONDITION_STATUSES),
  reason: z.string().optional().describe('A CamelCase word for why'),
  message: z.string().optional().describe('What happened, for a person'),
  lastTransitionTime: z.string().optional().describe('When status last changed (RFC 3339)'),
  observedGeneration: z.int().optional().describe('The generation of the spec this condition describes'),
});

export const PHASES = ['Pending', 'Running', 'Failed'] as const;
export const webAppStatusSchema = z.object({
  phase: z.enum(PHASES).optional().describe('Running when Ready, Failed when Degraded, else Pending'),
  readyReplicas: z.int32().optional().describe("Ready pods, from the Deployment's status"),
  availableReplicas: z.int32().optional().describe("Available pods, from the Deployment's status"),
  observedGeneration: z.int().optional().describe('The generation of the spec last reconciled'),
  conditions: z.array(conditionSchema).optional().describe('Ready, Progressing and Degraded'),
  message: z.string().optional().describe("Degraded's message when degraded, else Ready's"),
});

export const objectMetaSchema = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.int().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
  deletionTimestamp: z.string().optional(),
});

export const webAppSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: objectMetaSchema,
  spec: webAppSpecSchema,
  status: webAppStatusSchema.optional(),
});

/**
 * webAppSchema compiled ahead of time by zod (`z.compile`): the same results and the same issues
 * (an object the compiled code refuses is parsed again by the runtime parser, which writes the
 * issues), without the runtime parser's per-node dispatch and allocations (the benchmark's valid
 * WebApp in a loop: commit 79a4a2e). Every admission check and reconcile parses with it; the CRD
 * is rendered from webAppSchema itself. test/unit/api/compiled-schemas.test.ts holds both to the
 * same answers and fails if zod stops compiling the schema (z.compile would quietly hand back the
 * runtime one).
 */
export const compiledWebAppSchema = z.compile(webAppSchema);

export type Quantity = z.infer<typeof quantitySchema>;
export type EnvVar = z.infer<typeof envVarSchema>;
export type ResourceList = z.infer<typeof resourceListSchema>;
export type ServiceType = (typeof SERVICE_TYPES)[number];
export type WebAppSpec = z.infer<typeof webAppSpecSchema>;
export type WebAppStatus = z.infer<typeof webAppStatusSchema>;
export type Condition = z.infer<typeof conditionSchema>;
export type WebApp = z.infer<typeof webAppSchema>;
