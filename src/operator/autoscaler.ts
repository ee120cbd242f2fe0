// The HorizontalPodAutoscaler child (issue #35): `<name>`, autoscaling/v2, for a WebApp whose spec
// sets autoscaling. It scales the WebApp's Deployment between minReplicas and maxReplicas on the
// pods' average CPU use, as a percentage of their request (autoscaling/v1's
// targetCPUUtilizationPercentage, which v2 spells as a Resource metric with a Utilization target).
// While it exists the Deployment body leaves `replicas` out (children.ts toDeployment), so the
// autoscaler owns the field; when autoscaling is removed the reconciler deletes it and applies
// `replicas` again, taking the field back (its apply forces conflicts, so it takes the field from
// whoever holds it). Pure, like children.ts.
import type { V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import { childMetadata } from './children.ts';
import { type ChildSource, asDesired } from './desired-webapp.ts';

/**
 * The field manager that holds a Deployment's spec.replicas while it passes from Shipshape to an
 * autoscaler (ReconcileContext.handOverReplicas): `<fieldManager>-replicas`.
 */
export function replicasFieldManager(fieldManager: string): string {
  return `${fieldManager}-replicas`;
}

/**
 * The body, or undefined when spec.autoscaling is absent (the reconciler then deletes one that
 * exists). Every field is written (minReplicas, the one metric), none left to the apiserver's
 * defaults, so that the body applied is the body stored.
 */
export function toHorizontalPodAutoscaler(source: ChildSource): V2HorizontalPodAutoscaler | undefined {
  const webApp = asDesired(source);
  const { autoscaling } = webApp.spec;
  if (!autoscaling) return undefined;
  const name = webApp.metadata.name ?? '';
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: childMetadata(webApp, name),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: autoscaling.minReplicas,
      maxReplicas: autoscaling.maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: autoscaling.targetCPUUtilizationPercentage },
          },
        },
      ],
    },
  };
}
