// What an omitted field of a WebApp v2 spec becomes, and the type of a v2 spec once defaulted: the
// v2 counterpart of ./defaults.ts, with the same values, so that a WebApp defaulted at v1 and one
// defaulted at v2 convert into each other (v1's port 8080 and service.port 80 are the port named
// "http" here, 8080 exposed on 80). The mutating webhook writes these into v2 objects; the
// reconciler builds the children from a DefaultedV2Spec, so nothing downstream defaults again.
import { DEFAULTS } from './defaults.ts';
import { DEFAULT_PORT_NAME } from './hub.ts';
import type { Autoscaling, ContainerPort, EnvVarV2, WebAppV2Spec } from './webapp-v2.ts';
import type { ServiceType } from './webapp.ts';

/** Defaults of the v2-only fields; the others are ./defaults.ts's DEFAULTS. */
export const V2_DEFAULTS: {
  readonly ports: readonly ContainerPort[];
  readonly autoscaling: { readonly minReplicas: number; readonly targetCPUUtilizationPercentage: number };
} = Object.freeze({
  ports: Object.freeze([
    Object.freeze({ name: DEFAULT_PORT_NAME, containerPort: DEFAULTS.port, servicePort: DEFAULTS.service.port }),
  ]),
  autoscaling: Object.freeze({ minReplicas: 1, targetCPUUtilizationPercentage: 80 }),
});

export type DefaultedAutoscaling = Autoscaling & { minReplicas: number; targetCPUUtilizationPercentage: number };

/** A v2 spec after defaulting: every field with a default is present. */
export type DefaultedV2Spec = Omit<WebAppV2Spec, 'autoscaling'> & {
  replicas: number;
  ports: ContainerPort[];
  env: EnvVarV2[];
  service: { type: ServiceType };
  autoscaling?: DefaultedAutoscaling;
};

/**
 * `spec` with its defaults filled in, as a new object (`spec` is not changed). `ports` is defaulted
 * only when absent: an empty list stays empty (a WebApp that listens on nothing, so no Service),
 * which the validating webhook judges. autoscaling is never added; when present, its minReplicas
 * and target are defaulted.
 */
export function defaultV2Spec(spec: WebAppV2Spec): DefaultedV2Spec {
  const { autoscaling, ...rest } = spec;
  return {
    ...rest,
    replicas: spec.replicas ?? DEFAULTS.replicas,
    ports: spec.ports ? spec.ports.map((p) => ({ ...p })) : V2_DEFAULTS.ports.map((p) => ({ ...p })),
    env: spec.env ? spec.env.map((e) => ({ ...e })) : [],
    service: { type: spec.service?.type ?? DEFAULTS.service.type },
    ...(autoscaling && {
      autoscaling: {
        ...autoscaling,
        minReplicas: autoscaling.minReplicas ?? V2_DEFAULTS.autoscaling.minReplicas,
        targetCPUUtilizationPercentage:
          autoscaling.targetCPUUtilizationPercentage ?? V2_DEFAULTS.autoscaling.targetCPUUtilizationPercentage,
      },
    }),
  };
}
