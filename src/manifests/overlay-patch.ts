// A kustomize overlay's strategic merge patch of the install's Deployment (deployment.ts), as the
// large-cluster and self-managed-certificates overlays write theirs: the Deployment named as
// kustomize finds it in the base, and only the pod spec's fields the overlay changes (containers
// merge by name, their env by name; each overlay says how its other lists merge).
import type { V1Deployment } from '@kubernetes/client-node';

export function toPodSpecPatch(deployment: V1Deployment, podSpec: object): object {
  return {
    apiVersion: deployment.apiVersion,
    kind: deployment.kind,
    metadata: { name: deployment.metadata!.name, namespace: deployment.metadata!.namespace },
    spec: { template: { spec: podSpec } },
  };
}
