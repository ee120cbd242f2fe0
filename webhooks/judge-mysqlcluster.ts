// What the reconciler builds a MySQLCluster's children from (issue #36): the webhooks' own
// policies called on the stored object, as src/operator/reconcile-webapp.ts's desiredWebApp does
// for WebApp, so admission and reconciliation never disagree about a spec. Pure.
import {
  type DefaultedMySQLCluster,
  type MySQLDesired,
  MYSQLCLUSTER_KIND,
  compiledMySQLClusterSchema,
} from '../src/api/mysqlcluster.ts';
import { type JsonObject, isObject } from '../src/json/json.ts';
import { formatViolation, nameOf, toInvalidMessage } from './check-webapp.ts';
import { defaultMySQLCluster } from './default-mysqlcluster.ts';
import { applyEnforcement, enforcementOf } from './enforcement.ts';
import type { PolicyContext } from './policy.ts';
import { validateMySQLCluster } from './validate-mysqlcluster.ts';

/** The end of a limitExceeded message in a namespace in `warn` enforcement. */
const WARN_ENFORCEMENT_NOTE =
  'admitted under warn enforcement: under enforce, a create or a change of these values is denied';

/**
 * Judges `raw`, a MySQLCluster as stored: defaulted as an UPDATE of itself, so what it was stored
 * with stays. What it was stored without (the webhooks bypassed) is filled in on every call: a
 * missing spec.version from status.currentVersion (the version its members run) before the setting,
 * so a changed --mysql-default-version does not move a running cluster's version; but one never
 * reconciled to a currentVersion, and a missing storage.size (the status does not carry it), take
 * the current settings'. A storage class is never added. Validated in the namespace's enforcement mode
 * (`context.namespaceAnnotations`), without the update rules (nothing is compared). A violation of
 * a configurable limit (max replicas, max storage per cluster) is reported in `limitExceeded` and
 * the cluster is still built, since admission ratchets it; any other violation makes it `invalid`,
 * with the validating webhook's message (`MySQLCluster "<name>" is invalid: <path>: <problem>; ...`).
 * `context.name` names an object without metadata.name. Never throws.
 */
export function judgeMySQLCluster(raw: unknown, context: PolicyContext): MySQLDesired {
  if (!isObject(raw)) return { invalid: `${MYSQLCLUSTER_KIND} is invalid: not an object` };
  const policy: PolicyContext = { ...context, stored: raw };
  const defaulted: JsonObject = defaultMySQLCluster(raw, policy);
  const { violations, wouldDeny } = applyEnforcement(
    validateMySQLCluster(defaulted, undefined, policy),
    enforcementOf(policy),
  );
  const limits = [...violations.filter((v) => v.limit), ...wouldDeny];
  const broken = violations.filter((v) => !v.limit);
  const warned = wouldDeny.length ? `; ${WARN_ENFORCEMENT_NOTE}` : '';
  const exceeded = limits.length ? { limitExceeded: `${limits.map(formatViolation).join('; ')}${warned}` } : {};
  const name = nameOf(defaulted, context.name);
  if (broken.length) return { invalid: toInvalidMessage(defaulted, name, broken, MYSQLCLUSTER_KIND), ...exceeded };
  const parsed = compiledMySQLClusterSchema.safeParse(defaulted);
  if (!parsed.success) {
    // Unreachable while the checks above cover the schema; kept so a gap never builds a bad spec.
    return {
      invalid: `${MYSQLCLUSTER_KIND} ${JSON.stringify(name ?? '')} is invalid: ${parsed.error.message}`,
      ...exceeded,
    };
  }
  return { cluster: parsed.data as DefaultedMySQLCluster, ...exceeded };
}
