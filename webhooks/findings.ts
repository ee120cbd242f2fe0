// The pieces every version's check (./check-webapp.ts for v1, ./check-webapp-v2.ts for v2) builds
// its findings from: which paths failed parsing, the structural issues merged with the other
// violations, the limits a Namespace's annotations make, and the messages of a limit's breach.
// Pure.
import { ANNOTATION_PREFIX } from '../src/constants.ts';
import { applyNamespaceOverrides, type Limits } from './limits.ts';
import type { FieldWarning, Findings, PolicyContext, Problem, Violation } from './policy.ts';

/** A structural issue; `range` marks a numeric bound, which a limit check may report better. */
export type Issue = Problem & { range: boolean };

const MIN_PORT_ANNOTATION = `${ANNOTATION_PREFIX}min-port`;

/**
 * A limit violation of a value the mutating webhook may have filled in: the validating webhook
 * sees only the defaulted object, so when the value is the default it says so, lest a user hunt
 * for a port they never wrote.
 */
export function defaulted(
  breach: Breach | undefined,
  field: string,
  value: number,
  fallback: number,
): Breach | undefined {
  if (breach === undefined || value !== fallback) return breach;
  return { ...breach, message: `${breach.message} (the default for an omitted ${field}: set one the limits allow)` };
}

/** A limit's violation: the message and the setting it breaks (max-replicas, denied-ports, ...). */
export type Breach = { message: string; setting: string };

/** `name` is the settings' stem: "replicas" for min-replicas and max-replicas. */
export function rangeViolation(value: number, min: number, max: number, name: string): Breach | undefined {
  if (value < min) return { message: `${value} is below the minimum of ${min}`, setting: `min-${name}` };
  if (value > max) return { message: `${value} exceeds the maximum of ${max}`, setting: `max-${name}` };
  return undefined;
}

/** The limits a namespace's annotations make, and a warning per annotation ignored. */
export function namespaceLimits(context: PolicyContext): { limits: Limits; warnings: FieldWarning[] } {
  const { limits, warnings: ignored } = applyNamespaceOverrides(context.config.limits, context.namespaceAnnotations);
  // An ignored annotation changes the limits the whole spec is judged by.
  return { limits, warnings: ignored.map((message) => ({ field: 'spec', message })) };
}

/**
 * The warning for a port below the cluster's minimum that a namespace's min-port admits; `field`,
 * the dotted path an UPDATE compares to repeat it, is `path` unless that has a list index.
 */
export function overriddenPortWarning(path: string, port: number, base: Limits, field = path): FieldWarning {
  return {
    field,
    message: `${path}: ${port} is below the cluster minimum of ${base.minPort}; allowed by namespace annotation ${MIN_PORT_ANNOTATION}`,
  };
}

/** Whether a path (or a field under it) failed parsing; range issues do not count. */
export function failedPaths(issues: readonly Issue[]): (path: string) => boolean {
  // Nearly every object has no structural issue: then nothing failed, and nothing is asked.
  if (issues.length === 0) return () => false;
  return (path) =>
    issues.some((i) => !i.range && (i.path === path || i.path.startsWith(`${path}.`) || i.path.startsWith(`${path}[`)));
}

/**
 * The structural issues first, then the other violations. A violation of a numeric bound that the
 * CRD's schema enforces too (port 70000) is reported once, by the limit's clearer message, and is
 * not a `limit` one: such a spec cannot be stored, let alone built.
 */
export function withIssues(issues: readonly Issue[], violations: Violation[], warnings: FieldWarning[]): Findings {
  if (issues.length === 0) return { violations, warnings };
  const ranged = new Set(issues.filter((i) => i.range).map((i) => i.path));
  const reported = new Set(violations.map((v) => v.path));
  return {
    violations: [
      ...issues
        .filter((i) => !(i.range && reported.has(i.path)))
        .map(({ path, message }) => ({ path, message, limit: false })),
      ...violations.map((v) =>
        v.limit && ranged.has(v.path) ? { path: v.path, message: v.message, limit: false } : v,
      ),
    ],
    warnings,
  };
}
