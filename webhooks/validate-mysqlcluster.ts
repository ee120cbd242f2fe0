// The MySQLCluster validating webhook (issue #36): every violation in one denial. An UPDATE
// follows WebApp's ratcheting rule (webhooks/validate-webapp.ts): what the stored object already
// broke, with the same value under the same limit, is admitted with a warning, so lowering a limit
// never traps a cluster that exists; and it follows the update rules (./mysql-update-rules.ts),
// which are never ratcheted.
import { isObject, jsonEqual, valueAt } from '../src/json/json.ts';
import { checkMySQLCluster } from './check-mysqlcluster.ts';
import { formatViolation } from './check-webapp.ts';
import { updateViolations } from './mysql-update-rules.ts';
import type { Validator, Violation } from './policy.ts';

/** The ratcheting warning: the violation itself and why it got in. */
export function toMySQLRatchetWarning(violation: Violation): string {
  return `${formatViolation(violation)}; allowed because the stored object already has this value (an existing MySQLCluster keeps it; a new or larger one is denied)`;
}

/**
 * Validates a MySQLCluster; `old` is the stored object on an UPDATE. Warnings are given on CREATE,
 * and on UPDATE only when the field they are about changed. An object with a deletionTimestamp is
 * never denied: its finalizer must be able to come off whatever its spec says.
 */
export const validateMySQLCluster: Validator = (object, old, context) => {
  if (isObject(object.metadata) && object.metadata.deletionTimestamp) return { violations: [], warnings: [] };
  const found = checkMySQLCluster(object, context);
  if (!old) return { violations: found.violations, warnings: found.warnings.map((w) => w.message) };
  const before = new Set(checkMySQLCluster(old, context).violations.map(formatViolation));
  const ratcheted = found.violations.filter((v) => before.has(formatViolation(v)));
  const violations = [
    ...found.violations.filter((v) => !before.has(formatViolation(v))),
    ...updateViolations(object, old),
  ];
  const fieldWarnings = found.warnings.filter((w) => !jsonEqual(valueAt(object, w.field), valueAt(old, w.field)));
  return { violations, warnings: [...ratcheted.map(toMySQLRatchetWarning), ...fieldWarnings.map((w) => w.message)] };
};
