// The validating webhook: every violation that check-webapp.ts finds is collected and reported in
// one denial, so a user fixes them all in one round trip. UPDATEs follow Kubernetes' ratcheting
// rule (CRD validation ratcheting, KEP-4008): what the stored object already broke, with the same
// value, is admitted with a warning, so lowering a limit never traps the objects that exist.
import { allowed, denied, errored, withWarnings } from './decision.ts';
import { jsonEqual } from './json-patch.ts';
import { type Violation, checkWebApp, formatViolation, toInvalidMessage } from './check-webapp.ts';
import type { Policy } from './policy.ts';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a dotted path ("spec.resources.requests"); undefined where the path breaks off. */
function valueAt(object: unknown, field: string): unknown {
  let value = object;
  for (const key of field.split('.')) value = isObject(value) ? value[key] : undefined;
  return value;
}

/** The ratcheting warning: the violation itself (path, value, limit) and why it got in. */
export function toRatchetWarning(violation: Violation): string {
  return `${formatViolation(violation)}; allowed because the stored object already has this value (an existing WebApp keeps it; a new or larger one is denied)`;
}

/**
 * Validates a WebApp on CREATE and UPDATE. Denies with 422 and every violation as
 * "<path>: <problem>". On UPDATE, a violation that the old object has too, with the same value
 * under the same limit, is not a reason: it becomes a warning. An object with a deletionTimestamp
 * is always allowed: its finalizers must be able to come off whatever its spec says.
 *
 * Warnings (unpinned images, missing requests, ignored namespace annotations, ports admitted only
 * by a namespace override) are given on CREATE, and on UPDATE only when the field they are about
 * changed: a `kubectl label` does not repeat them.
 */
export const validateWebApp: Policy = (request, context) => {
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return allowed();
  const object = request.object;
  if (!object) return errored(400, new Error(`${request.operation} request for a WebApp carries no object`));
  if (isObject(object.metadata) && object.metadata.deletionTimestamp) return allowed();

  const found = checkWebApp(object, request.name, context);
  const old = request.operation === 'UPDATE' && isObject(request.oldObject) ? request.oldObject : undefined;
  let reasons = found.violations;
  const warnings: string[] = [];
  let fieldWarnings = found.warnings;
  if (old) {
    const before = new Set(checkWebApp(old, request.name, context).violations.map(formatViolation));
    const ratcheted = reasons.filter((v) => before.has(formatViolation(v)));
    reasons = reasons.filter((v) => !before.has(formatViolation(v)));
    warnings.push(...ratcheted.map(toRatchetWarning));
    fieldWarnings = fieldWarnings.filter((w) => !jsonEqual(valueAt(object, w.field), valueAt(old, w.field)));
  }
  warnings.push(...fieldWarnings.map((w) => w.message));
  if (!reasons.length) return withWarnings(allowed(), ...warnings);
  return withWarnings(denied(toInvalidMessage(object, request.name, reasons), 422), ...warnings);
};
