// The mutating webhook's policy for a WebApp v2 (issue #35): fills in what a v2 spec leaves out,
// with the values of src/api/defaults-v2.ts (defaultV2Spec's, which the reconciler reading v2
// uses: test/unit/webhooks/default-webapp-v2.test.ts holds the two equal), plus the labels, the
// finalizer and the configured resources as for v1. As v1's, it never judges: a field of the wrong
// type is left as it is, and an empty ports list stays empty.
import { DEFAULTS } from '../src/api/defaults.ts';
import { V2_DEFAULTS } from '../src/api/defaults-v2.ts';
import { type JsonObject, isObject } from '../src/json/json.ts';
import { child, defaulterOf, fill, fillResources } from './default-webapp.ts';
import type { PolicyConfig } from './limits.ts';
import type { Defaulter } from './policy.ts';

function fillV2Spec(spec: JsonObject, config: PolicyConfig): void {
  fill(spec, 'replicas', DEFAULTS.replicas);
  fill(spec, 'ports', V2_DEFAULTS.ports);
  fill(spec, 'env', DEFAULTS.env);
  const service = child(spec, 'service');
  if (service) fill(service, 'type', DEFAULTS.service.type);
  if (isObject(spec.autoscaling)) {
    const autoscaling = child(spec, 'autoscaling');
    if (autoscaling) {
      fill(autoscaling, 'minReplicas', V2_DEFAULTS.autoscaling.minReplicas);
      fill(autoscaling, 'targetCPUUtilizationPercentage', V2_DEFAULTS.autoscaling.targetCPUUtilizationPercentage);
    }
  }
  if (config.defaultResources) fillResources(spec, config.defaultResources);
}

/** Defaults a v2 WebApp; idempotent, and a deleting object is returned as it is (as defaultWebApp). */
export const defaultWebAppV2: Defaulter = defaulterOf(fillV2Spec);
