// The validating webhook: every violation that check-webapp.ts finds is collected and reported in
// one denial, so a user fixes them all in one round trip. UPDATEs follow Kubernetes' ratcheting
// rule (CRD validation ratcheting, KEP-4008): what the stored object already broke, with the same
// value, is admitted with a warning, so lowering a limit never traps the objects that exist.
import { type JsonObject, isObject, jsonEqual, valueAt } from '../src/json/json.ts';
import { checkWebApp, formatViolation } from './check-webapp.ts';
import { withV2Fields } from './check-v2-fields.ts';
import type { Findings, PolicyContext, Validation, Validator, Violation } from './policy.ts';

/** The ratcheting warning: the violation itself (path, value, limit) and why it got in. */
export function toRatchetWarning(violation: Violation): string {
  return `${formatViolation(violation)}; allowed because the stored object already has this value (an existing WebApp keeps it; a new or larger one is denied)`;
}

/**
 * Validates a WebApp; `old` is the stored object on an UPDATE. Every violation is a reason to deny
 * (the admission adapter reports them all as "<path>: <problem>", 422). A violation that `old` has
 * too, with the same value under the same limit, is not a reason: it becomes a warning. An object
 * with a deletionTimestamp is never denied: its finalizers must be able to come off whatever its
 * spec says.
 *
 * Warnings (unpinned images, missing requests, ignored namespace annotations, ports admitted only
 * by a namespace override) are given on CREATE, and on UPDATE only when the field they are about
 * changed: a `kubectl label` does not repeat them.
 */
export const validateWebApp: Validator = ratcheting((object, context) =>
  withV2Fields(checkWebApp(object, context), object, context),
);

/**
 * The validator of a WebApp version from its check (checkWebApp with the v2-fields annotation's
 * violations for v1, checkWebAppV2 for v2): the ratcheting and warning rules above, the same for
 * every version.
 */
export function ratcheting(check: (object: JsonObject, context: PolicyContext) => Findings): Validator {
  return (object, old, context) => validate(check, object, old, context);
}

function validate(
  check: (object: JsonObject, context: PolicyContext) => Findings,
  object: JsonObject,
  old: JsonObject | undefined,
  context: PolicyContext,
): Validation {
  if (isObject(object.metadata) && object.metadata.deletionTimestamp) return { violations: [], warnings: [] };
  const found = check(object, context);
  let violations = found.violations;
  const warnings: string[] = [];
  let fieldWarnings = found.warnings;
  if (old) {
    const before = new Set(check(old, context).violations.map(formatViolation));
    const ratcheted = violations.filter((v) => before.has(formatViolation(v)));
    violations = violations.filter((v) => !before.has(formatViolation(v)));
    warnings.push(...ratcheted.map(toRatchetWarning));
    fieldWarnings = fieldWarnings.filter((w) => !jsonEqual(valueAt(object, w.field), valueAt(old, w.field)));
  }
  warnings.push(...fieldWarnings.map((w) => w.message));
  return { violations, warnings };
}
