// The WebApp CRD's printer columns, per version (what `kubectl get webapps` prints; src/api/crd.ts
// puts them in the CRD).
import type { V1CustomResourceColumnDefinition } from '@kubernetes/client-node';

const COMMON_COLUMNS = {
  image: { name: 'Image', type: 'string', jsonPath: '.spec.image' },
  replicas: { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
  phase: { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
  age: { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  // `kubectl get -o wide` only (priority 1): what runs, as `kubectl get deployment` shows it.
  ready: { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas', priority: 1 },
  available: { name: 'Available', type: 'integer', jsonPath: '.status.availableReplicas', priority: 1 },
  service: { name: 'Service', type: 'string', jsonPath: '.spec.service.type', priority: 1 },
} satisfies Record<string, V1CustomResourceColumnDefinition>;

/**
 * Printer columns per version. v2 has no single port to show (a printer column's JSONPath yields
 * one value, the first), so its wide form shows the autoscaler's maximum instead.
 */
const COLUMNS: Record<'v1' | 'v2', V1CustomResourceColumnDefinition[]> = {
  v1: [
    COMMON_COLUMNS.image,
    COMMON_COLUMNS.replicas,
    { name: 'Port', type: 'integer', jsonPath: '.spec.port' },
    COMMON_COLUMNS.phase,
    COMMON_COLUMNS.age,
    COMMON_COLUMNS.ready,
    COMMON_COLUMNS.available,
    COMMON_COLUMNS.service,
  ],
  v2: [
    COMMON_COLUMNS.image,
    COMMON_COLUMNS.replicas,
    COMMON_COLUMNS.phase,
    COMMON_COLUMNS.age,
    COMMON_COLUMNS.ready,
    COMMON_COLUMNS.available,
    COMMON_COLUMNS.service,
    { name: 'Max Replicas', type: 'integer', jsonPath: '.spec.autoscaling.maxReplicas', priority: 1 },
  ],
};

/**
 * The columns of `version`, as fresh objects: an object shared by both versions would be written
 * as a YAML anchor and alias.
 */
export function toPrinterColumns(version: 'v1' | 'v2'): V1CustomResourceColumnDefinition[] {
  return COLUMNS[version].map((column) => ({ ...column }));
}
