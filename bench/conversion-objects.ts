// The WebApps bench/conversion.ts converts, as kube-apiserver v1.37 sends them in a ConversionReview:
// the whole stored object, metadata with its managedFields included (1.4-1.9 KB as JSON). Two
// kinds per version: one v1 can say whole, and one with what only v2 can say (a second port, an env
// entry from a Secret, autoscaling), which at v1 is the shipshape.dev/v2-fields annotation.
import { randomUUID } from 'node:crypto';
import { convertWebApp } from '../src/api/webapp-versions.ts';
import { API_GROUP, WEBAPP_KIND } from '../src/constants.ts';

const metadata = (name: string, manager: string, fields: object) => ({
  name,
  namespace: 'shop',
  uid: '3b1f6f0e-5a7c-4d8e-9a61-2f0c5e7b9d41',
  resourceVersion: '48213',
  generation: 3,
  creationTimestamp: '2026-12-07T08:00:00Z',
  labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': 'shipshape' },
  finalizers: ['shipshape.dev/children'],
  managedFields: [
    {
      manager,
      operation: 'Update',
      apiVersion: `${API_GROUP}/v1`,
      time: '2026-12-07T08:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: fields,
    },
    {
      manager: 'shipshape',
      operation: 'Update',
      apiVersion: `${API_GROUP}/v1`,
      time: '2026-12-07T08:00:01Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': { '.': {}, 'f:availableReplicas': {}, 'f:conditions': {}, 'f:observedGeneration': {} } },
      subresource: 'status',
    },
  ],
});

const status = {
  observedGeneration: 3,
  availableReplicas: 2,
  conditions: [
    {
      type: 'Ready',
      status: 'True',
      reason: 'Available',
      message: '2 of 2 replicas available',
      lastTransitionTime: '2026-12-07T08:00:05Z',
      observedGeneration: 3,
    },
  ],
};

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
const env = [
  { name: 'GREETING', value: 'hello' },
  { name: 'LOG_LEVEL', value: 'info' },
];

/** A v1 WebApp with every default set, as the mutating webhook leaves one. */
export const V1_PLAIN = {
  apiVersion: `${API_GROUP}/v1`,
  kind: WEBAPP_KIND,
  metadata: metadata('storefront', 'kubectl-client-side-apply', {
    'f:spec': { 'f:image': {}, 'f:replicas': {}, 'f:port': {}, 'f:env': {}, 'f:service': { 'f:port': {} } },
  }),
  spec: {
    image: 'registry.example.com/team/shop:1.27.3',
    replicas: 2,
    port: 8080,
    env,
    resources,
    service: { type: 'ClusterIP', port: 80 },
  },
  status,
};

/** A v2 WebApp v1 can say whole: one port named http, literal env, no autoscaling. */
export const V2_PLAIN = convertOrThrow(V1_PLAIN, `${API_GROUP}/v2`);

/** A v2 WebApp with what v1 cannot say. */
export const V2_RICH = {
  ...V2_PLAIN,
  spec: {
    image: 'registry.example.com/team/shop:1.27.3',
    replicas: 2,
    ports: [
      { name: 'http', containerPort: 8080, servicePort: 80 },
      { name: 'metrics', containerPort: 9090 },
    ],
    env: [...env, { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'shop-db', key: 'password' } } }],
    resources,
    service: { type: 'ClusterIP' },
    autoscaling: { minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 70 },
  },
};

/** V2_RICH at v1: the annotation carries what v1 cannot say. */
export const V1_RICH = convertOrThrow(V2_RICH, `${API_GROUP}/v1`);

function convertOrThrow(object: unknown, apiVersion: string) {
  const converted = convertWebApp(object, apiVersion);
  if (!converted.ok) throw new Error(`the benchmark's object does not convert: ${converted.message}`);
  return converted.object;
}

/** A ConversionReview v1 request as the apiserver sends one. */
export function conversionReview(objects: readonly unknown[], desiredAPIVersion: string) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'ConversionReview',
    request: { uid: randomUUID(), desiredAPIVersion, objects },
  };
}
