// Warn before enforce (Gatekeeper's enforcementAction, ValidatingAdmissionPolicy's
// validationActions: [Warn]): in `warn` mode a violation of a configurable limit does not deny;
// it becomes a warning that names the limit and says the request would be denied under
// enforcement. Every other violation (schema, name, image, env, quantities) denies in both modes:
// such a spec cannot be built. The mode is the `enforcement` setting, overridden per Namespace by
// the annotation shipshape.dev/enforcement; a malformed value is ignored with a warning.
import { ANNOTATION_PREFIX } from '../src/constants.ts';
import { formatViolation } from './check-webapp.ts';
import type { PolicyContext, Validation, Violation } from './policy.ts';

export const ENFORCEMENT_MODES = ['warn', 'enforce'] as const;
export type Enforcement = (typeof ENFORCEMENT_MODES)[number];
export const DEFAULT_ENFORCEMENT: Enforcement = 'enforce';
export const ENFORCEMENT_ANNOTATION = `${ANNOTATION_PREFIX}enforcement`;

/** The mode a request is judged in, where it comes from, and a warning for an ignored annotation. */
export type EnforcementMode = { mode: Enforcement; source: 'setting' | 'annotation'; warning?: string };

const isMode = (text: string): text is Enforcement => (ENFORCEMENT_MODES as readonly string[]).includes(text);

/** The setting's mode, unless the Namespace's annotation names a valid one. */
export function enforcementOf(context: PolicyContext): EnforcementMode {
  const setting = context.config.enforcement ?? DEFAULT_ENFORCEMENT;
  const text = context.namespaceAnnotations?.[ENFORCEMENT_ANNOTATION];
  if (text === undefined) return { mode: setting, source: 'setting' };
  const value = text.trim();
  if (isMode(value)) return { mode: value, source: 'annotation' };
  return {
    mode: setting,
    source: 'setting',
    warning: `namespace annotation ${ENFORCEMENT_ANNOTATION}="${text}" is not one of ${ENFORCEMENT_MODES.join(', ')}; using ${setting}`,
  };
}

/** The warning a limit violation becomes in `warn` mode. */
export function toWouldDenyWarning(violation: Violation, source: EnforcementMode['source']): string {
  const limit = violation.setting ? ` (limit ${violation.setting})` : '';
  const where = source === 'annotation' ? `namespace annotation ${ENFORCEMENT_ANNOTATION}` : 'setting enforcement';
  return `${formatViolation(violation)}${limit}; this request would be denied under enforcement (${where} is warn)`;
}

/** A Validation judged in a mode: `wouldDeny` holds the limit violations `warn` admitted. */
export type Enforced = Validation & { wouldDeny: Violation[] };

/**
 * Applies the mode to a validator's verdict. In `enforce` it is unchanged; in `warn` its limit
 * violations move to `wouldDeny` and to warnings, and the rest still deny. A malformed annotation
 * adds its warning in either mode.
 */
export function applyEnforcement(validation: Validation, enforcement: EnforcementMode): Enforced {
  const warnings = enforcement.warning ? [...validation.warnings, enforcement.warning] : validation.warnings;
  if (enforcement.mode === 'enforce') return { ...validation, warnings, wouldDeny: [] };
  const wouldDeny = validation.violations.filter((v) => v.limit);
  return {
    violations: validation.violations.filter((v) => !v.limit),
    warnings: [...wouldDeny.map((v) => toWouldDenyWarning(v, enforcement.source)), ...warnings],
    wouldDeny,
  };
}
