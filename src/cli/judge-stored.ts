// How `shipshape review --cluster` judges one stored object: a WebApp (at the version its owner
// writes) or a MySQLCluster (issue #36), defaulted as an UPDATE of itself, as the reconciler
// defaults it, then validated as a create would be (every violation of the settings) and as an
// unchanged update (whether even that is refused). Pure; cluster-review.ts groups and reports.
import { formatViolation, nameOf } from '../../webhooks/check-webapp.ts';
import { defaultMySQLCluster } from '../../webhooks/default-mysqlcluster.ts';
import { defaultWebApp } from '../../webhooks/default-webapp.ts';
import type { Defaulter, PolicyContext, Validator, Violation } from '../../webhooks/policy.ts';
import { toMySQLRatchetWarning, validateMySQLCluster } from '../../webhooks/validate-mysqlcluster.ts';
import { toRatchetWarning, validateWebApp } from '../../webhooks/validate-webapp.ts';
import { defaultWebAppV2 } from '../../webhooks/default-webapp-v2.ts';
import { validateWebAppV2 } from '../../webhooks/validate-webapp-v2.ts';
import { MYSQLCLUSTER_KIND } from '../api/mysqlcluster.ts';
import { v2FieldsAnnotationOf } from '../api/v2-fields-annotation.ts';
import { WEBAPP_V2_API_VERSION } from '../api/webapp-v2.ts';
import { convertWebApp } from '../api/webapp-versions.ts';
import type { JsonObject } from '../json/json.ts';

/** One stored WebApp or MySQLCluster, judged. */
export type StoredObject = {
  name: string;
  denied: boolean;
  /** Every violation of the settings, as the denial of a create would list it. */
  reasons: string[];
  /** Even an update that changes nothing would be denied. */
  trapped: boolean;
  /** Ignored namespace annotations and the like, as admission would give them. */
  warnings: string[];
};

export const isMySQLCluster = (object: JsonObject) => object.kind === MYSQLCLUSTER_KIND;

type Policies = {
  object: JsonObject;
  defaulter: Defaulter;
  validator: Validator;
  ratchetWarning: (violation: Violation) => string;
};

/**
 * The policies a stored object is judged by, and the object they judge. A MySQLCluster: its own
 * (one version). A WebApp listed at v1 that carries the v2-fields annotation holds what only v2
 * expresses, so its owner writes v2: it is judged at v2, as the webhooks judge a v2 client's update
 * (decision 19), with v2's paths.
 */
function policiesOf(stored: JsonObject): Policies {
  if (isMySQLCluster(stored)) {
    const ratchetWarning = toMySQLRatchetWarning;
    return { object: stored, defaulter: defaultMySQLCluster, validator: validateMySQLCluster, ratchetWarning };
  }
  if (v2FieldsAnnotationOf(stored.metadata) !== undefined) {
    const converted = convertWebApp(stored, WEBAPP_V2_API_VERSION);
    if (converted.ok) {
      const [defaulter, validator] = [defaultWebAppV2, validateWebAppV2];
      return { object: converted.object, defaulter, validator, ratchetWarning: toRatchetWarning };
    }
  }
  return { object: stored, defaulter: defaultWebApp, validator: validateWebApp, ratchetWarning: toRatchetWarning };
}

/** Judges `listed` (as the apiserver lists it; a MySQLCluster by its kind) in `context`. */
export function judgeStored(listed: JsonObject, context: PolicyContext): StoredObject {
  const name = nameOf(listed, undefined) ?? '(no name)';
  const { object: stored, defaulter, validator, ratchetWarning } = policiesOf(listed);
  // As the reconciler defaults it: an update of itself, so what it was stored without stays without.
  const defaulted = defaulter(stored, { ...context, stored });
  const found = validator(defaulted, undefined, context).violations;
  const update = validator(defaulted, stored, context);
  const ratchet = new Set(found.map(ratchetWarning));
  return {
    name,
    denied: found.length > 0,
    reasons: found.map(formatViolation),
    trapped: update.violations.length > 0,
    warnings: update.warnings.filter((w) => !ratchet.has(w)),
  };
}
