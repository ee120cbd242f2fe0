// The v2-only fields a v1 WebApp carries in its v2-fields annotation, judged (issue #35). The
// webhooks are registered for v1 (docs/decisions/0019-admission-on-one-version.md), so a v1 client
// that updates an object created at v2 sends its other ports, its env entries from Secrets and
// ConfigMaps and its autoscaling inside the annotation: they are judged as a v2 client's would be,
// at the annotation's path, since a v1 client has no spec.ports[1] to look at. Pure.
import { convertWebApp } from '../src/api/webapp-versions.ts';
import { V2_FIELDS_ANNOTATION, v2FieldsAnnotationOf } from '../src/api/v2-fields-annotation.ts';
import { WEBAPP_V2_API_VERSION } from '../src/api/webapp-v2.ts';
import { type JsonObject, isObject } from '../src/json/json.ts';
import { checkWebAppV2 } from './check-webapp-v2.ts';
import type { Findings, PolicyContext, Violation } from './policy.ts';

/** Where a v1 client is told a v2-only field is: the annotation, then the field's v2 path. */
export const V2_FIELDS_PATH = `metadata.annotations[${V2_FIELDS_ANNOTATION}]`;

/**
 * Whether `path` of the v2 form of a v1 object names what only the annotation holds: ports other
 * than the first, the first one's name, an env entry read from a Secret or ConfigMap, autoscaling.
 * The rest (the first port's numbers, literal env entries, ...) are v1 fields, which checkWebApp
 * reports at their v1 paths.
 */
function isV2Only(path: string, spec: JsonObject): boolean {
  if (path === 'spec.ports' || path.startsWith('spec.autoscaling')) return true;
  const port = /^spec\.ports\[(\d+)\](?:\.(\w+))?/.exec(path);
  if (port) return Number(port[1]) > 0 || port[2] === 'name';
  const env = /^spec\.env\[(\d+)\]/.exec(path);
  if (!env || !Array.isArray(spec.env)) return false;
  const entry: unknown = spec.env[Number(env[1])];
  return isObject(entry) && entry.valueFrom !== undefined;
}

/**
 * The violations of the v2-only fields `object` (a v1 WebApp) carries in its annotation, at
 * V2_FIELDS_PATH; none when it carries none. Warnings are a v2 client's business: a v1 client
 * cannot act on them.
 */
export function checkV2Fields(object: JsonObject, context: PolicyContext): Violation[] {
  if (v2FieldsAnnotationOf(object.metadata) === undefined) return [];
  const converted = convertWebApp(object, WEBAPP_V2_API_VERSION);
  if (!converted.ok || !isObject(converted.object.spec)) return [];
  const spec = converted.object.spec;
  return checkWebAppV2(converted.object, context)
    .violations.filter((v) => isV2Only(v.path, spec))
    .map((v) => ({ ...v, path: `${V2_FIELDS_PATH}.${v.path}` }));
}

/** checkWebApp's findings with the annotation's violations after them. */
export function withV2Fields(findings: Findings, object: JsonObject, context: PolicyContext): Findings {
  const carried = checkV2Fields(object, context);
  return carried.length ? { ...findings, violations: [...findings.violations, ...carried] } : findings;
}
