// The WebApp v2 API (issue #35): v1's fields, plus several named container ports each optionally
// exposed on the Service (replacing v1's `port` and `service.port`), env entries that read a key of
// a Secret or ConfigMap the user owns, and optional autoscaling. Field shapes follow Kubernetes' own
// (ContainerPort, EnvVar/EnvVarSource, HorizontalPodAutoscaler autoscaling/v1): see
// docs/decisions/0016-webapp-v2-and-conversion.md. As in ./webapp.ts (whose image and resources it
// shares), one zod schema is meant to be the source of the type, the structural checks and the
// CRD's schema (every node has a structural form: test/unit/api/webapp-v2.test.ts renders it).
// Rules across fields (value or valueFrom, one key reference, unique port names, min <= max) are
// the validating webhook's, as v1's unique env names are.
//
// Nothing serves v2 yet: the CRD, the webhooks, the reconciler and the CLI still know v1 only. This
// schema, the hub and the conversions beside it (./hub.ts, ./conversion-v1.ts, ./conversion-v2.ts,
// ./webapp-versions.ts) are the pure groundwork of #35; the wiring comes next.
import { z } from 'zod';
import { API_GROUP } from '../constants.ts';
import { ENV_NAME_PATTERN, SERVICE_TYPES, objectMetaSchema, webAppSpecSchema, webAppStatusSchema } from './webapp.ts';

export const V2_VERSION = 'v2';
export const WEBAPP_V2_API_VERSION = `${API_GROUP}/${V2_VERSION}`;

/**
 * A port name as Kubernetes accepts one (validation.IsValidPortName, an IANA service name) minus its
 * "at least one letter" and "no '--'" rules, which need look-arounds the apiserver's RE2 patterns
 * lack; the validating webhook is to add them.
 */
export const PORT_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A key of a Secret or ConfigMap (validation.IsConfigMapKey). */
export const CONFIG_KEY_PATTERN = /^[-._a-zA-Z0-9]+$/;

const portNumber = z.int32().min(1).max(65535);

export const containerPortSchema = z.strictObject({
  name: z
    .string()
    .max(15)
    .regex(PORT_NAME_PATTERN, { error: "must be at most 15 lowercase letters, digits and '-'" })
    .describe('Port name, unique in the WebApp (http, metrics, admin)'),
  containerPort: portNumber.describe('The port the container listens on'),
  servicePort: portNumber.optional().describe('The Service port mapped to containerPort; not exposed when absent'),
});

export const keySelectorSchema = z.strictObject({
  name: z.string().min(1).describe('Name of the Secret or ConfigMap, in the WebApp namespace'),
  key: z.string().min(1).max(253).regex(CONFIG_KEY_PATTERN, { error: 'must be a Secret or ConfigMap key' }),
  optional: z.boolean().optional().describe('Start the pods even when the key or the object is missing'),
});

export const envVarSourceSchema = z.strictObject({
  secretKeyRef: keySelectorSchema.optional().describe('A key of a Secret the user owns'),
  configMapKeyRef: keySelectorSchema.optional().describe('A key of a ConfigMap the user owns'),
});

export const envVarV2Schema = z.strictObject({
  name: z
    .string()
    .regex(ENV_NAME_PATTERN, {
      error: "must consist of letters, digits, '_', '-' or '.', and must not start with a digit",
    })
    .describe('Variable name'),
  value: z.string().optional().describe('Literal value, delivered through the ConfigMap child'),
  valueFrom: envVarSourceSchema
    .optional()
    .describe('Instead of value: a key of a Secret or ConfigMap, read by the pods themselves'),
});

export const autoscalingSchema = z.strictObject({
  minReplicas: z.int32().min(1).optional().describe('Fewest pods; defaulted to 1'),
  maxReplicas: z.int32().min(1).describe('Most pods; limited as spec.replicas is'),
  targetCPUUtilizationPercentage: z
    .int32()
    .min(1)
    .optional()
    .describe('Average CPU use, in percent of the request, the autoscaler aims at; defaulted to 80'),
});

export const webAppV2SpecSchema = z.strictObject({
  image: webAppSpecSchema.shape.image,
  replicas: z
    .int32()
    .min(0)
    .optional()
    .describe('Number of pods; defaulted to 1; left to the autoscaler when autoscaling is set'),
  ports: z.array(containerPortSchema).optional().describe('Container ports; each with a servicePort is on the Service'),
  env: z
    .array(envVarV2Schema)
    .optional()
    .describe('Environment variables: literals, or keys of Secrets and ConfigMaps'),
  resources: webAppSpecSchema.shape.resources,
  service: z
    .strictObject({ type: z.enum(SERVICE_TYPES).optional().describe('Service type; defaulted to ClusterIP') })
    .optional()
    .describe('The Service in front of the pods'),
  autoscaling: autoscalingSchema.optional().describe('A HorizontalPodAutoscaler on CPU; none when absent'),
});

export const webAppV2Schema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: objectMetaSchema,
  spec: webAppV2SpecSchema,
  status: webAppStatusSchema.optional(),
});

export type ContainerPort = z.infer<typeof containerPortSchema>;
export type EnvVarV2 = z.infer<typeof envVarV2Schema>;
export type Autoscaling = z.infer<typeof autoscalingSchema>;
export type WebAppV2Spec = z.infer<typeof webAppV2SpecSchema>;
export type WebAppV2 = z.infer<typeof webAppV2Schema>;
