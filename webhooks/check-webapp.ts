// What is wrong with a WebApp, and what is worth a warning: structural checks from the WebApp zod
// schema, then the configured limits as a Namespace's annotations adjust them. Pure; the
// validating webhook (validate-webapp.ts) and the reconciler both judge objects with it, so they
// never disagree about what a WebApp breaks.
import type { z } from 'zod';
import { DEFAULTS, RESOURCE_NAMES } from '../src/api/defaults.ts';
import { compiledWebAppSchema } from '../src/api/webapp.ts';
import { type JsonObject, isObject } from '../src/json/json.ts';
import { parseImageReference } from './image-reference.ts';
import type { Limits } from './limits.ts';
import type { FieldWarning, Findings, PolicyContext, Problem, Violation } from './policy.ts';
import {
  type Breach,
  type Issue,
  defaulted,
  failedPaths,
  namespaceLimits,
  overriddenPortWarning,
  rangeViolation,
  withIssues,
} from './findings.ts';
import { parseQuantity } from './quantity.ts';

/** A compiled zod schema of a WebApp version (validate() builds no copy; safeParse reports). */
type CompiledSchema = Pick<typeof compiledWebAppSchema, 'validate' | 'safeParse'>;

/** RFC 1035 label (k8s.io/apimachinery validation.IsDNS1035Label). */
const DNS_1035_LABEL = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/** spec.env[1].name; keys that are not identifiers in brackets, as kubectl prints label keys. */
function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => {
      if (typeof key === 'number') return `[${key}]`;
      const text = String(key);
      if (!/^[A-Za-z_$][\w$]*$/.test(text)) return `[${text}]`;
      return i === 0 ? text : `.${text}`;
    })
    .join('');
}

/**
 * The parse options the structural checks use: a missing field is "required", a value of neither
 * type a quantity takes names both; every other issue keeps zod's message.
 */
export const STRUCTURAL_PARSE = {
  error: (issue) => {
    if (issue.input === undefined) return 'required';
    if (issue.code === 'invalid_union') return 'must be an integer or a quantity such as 500m or 1Gi';
    return undefined;
  },
} satisfies { error: z.core.$ZodErrorMap };

/** What `schema` (v1's by default; check-webapp-v2.ts passes v2's) finds wrong with `object`. */
export function structuralIssues(object: unknown, schema: CompiledSchema = compiledWebAppSchema): Issue[] {
  // validate() builds no copy; the issues of an object it refuses come from a parse.
  if (schema.validate(object)) return [];
  const result = schema.safeParse(object, STRUCTURAL_PARSE);
  if (result.success) return [];
  return result.error.issues.flatMap((issue): Issue[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        message: 'unknown field',
        range: false,
      }));
    }
    const range = (issue.code === 'too_big' || issue.code === 'too_small') && issue.origin === 'number';
    return [{ path: formatPath(issue.path), message: issue.message, range }];
  });
}

/**
 * The checks beyond the schema, on the raw object; a field that failed parsing is skipped. The
 * fields v1 and v2 share (image, replicas, env names, resources) are at the same paths in both,
 * so check-webapp-v2.ts runs this on a v2 spec without its ports.
 */
export function limitViolations(spec: JsonObject, limits: Limits, failed: (path: string) => boolean): Findings {
  const violations: Violation[] = [];
  const warnings: FieldWarning[] = [];
  const add = (path: string, message: string | undefined) =>
    message && violations.push({ path, message, limit: false });
  const breach = (path: string, found: Breach | undefined) =>
    found && violations.push({ path, message: found.message, limit: true, setting: found.setting });
  const warn = (field: string, message: string) => warnings.push({ field, message });
  const integer = (path: string, value: unknown) =>
    Number.isInteger(value) && !failed(path) ? (value as number) : undefined;

  if (typeof spec.image === 'string' && !failed('spec.image')) {
    const image = spec.image;
    const ref = parseImageReference(image);
    if (!ref) add('spec.image', `${JSON.stringify(image)} is not a valid image reference`);
    else if (!ref.digest && !ref.tag)
      warn('spec.image', `spec.image: ${JSON.stringify(image)} has no tag; pin a version (":latest" is implied)`);
    else if (!ref.digest && ref.tag === 'latest') {
      warn('spec.image', `spec.image: ${JSON.stringify(image)} uses the mutable tag "latest"; pin a version`);
    }
  }

  const replicas = integer('spec.replicas', spec.replicas);
  if (replicas !== undefined) {
    const found = rangeViolation(replicas, limits.minReplicas, limits.maxReplicas, 'replicas');
    breach('spec.replicas', defaulted(found, 'spec.replicas', replicas, DEFAULTS.replicas));
  }

  const port = integer('spec.port', spec.port);
  if (port !== undefined) {
    const denial = limits.deniedPorts.includes(port)
      ? { message: `${port} is in the denied list (${limits.deniedPorts.join(', ')})`, setting: 'denied-ports' }
      : undefined;
    const found = rangeViolation(port, limits.minPort, limits.maxPort, 'port') ?? denial;
    breach('spec.port', defaulted(found, 'spec.port', port, DEFAULTS.port));
  }

  const service = isObject(spec.service) ? spec.service : {};
  const servicePort = integer('spec.service.port', service.port);
  if (servicePort !== undefined) {
    const found = rangeViolation(servicePort, limits.minServicePort, limits.maxServicePort, 'service-port');
    breach('spec.service.port', defaulted(found, 'spec.service.port', servicePort, DEFAULTS.service.port));
  }

  if (Array.isArray(spec.env)) {
    const seen = new Map<string, number>();
    spec.env.forEach((entry: unknown, i) => {
      const name = isObject(entry) ? entry.name : undefined;
      if (typeof name !== 'string' || failed(`spec.env[${i}].name`)) return;
      const first = seen.get(name);
      if (first === undefined) seen.set(name, i);
      else add(`spec.env[${i}].name`, `duplicate name ${JSON.stringify(name)} (also at spec.env[${first}])`);
    });
  }

  const resources = isObject(spec.resources) ? spec.resources : spec.resources === undefined ? {} : undefined;
  if (resources) {
    const requests = isObject(resources.requests) ? resources.requests : {};
    const limitList = isObject(resources.limits) ? resources.limits : {};
    const quantity = (path: string, value: unknown) => {
      if ((typeof value !== 'string' && typeof value !== 'number') || failed(path)) return undefined;
      try {
        return parseQuantity(value);
      } catch (err) {
        add(path, err instanceof Error ? err.message : String(err));
        return undefined;
      }
    };
    for (const r of RESOURCE_NAMES) {
      const request = quantity(`spec.resources.requests.${r}`, requests[r]);
      const limit = quantity(`spec.resources.limits.${r}`, limitList[r]);
      if (request !== undefined && limit !== undefined && limit < request) {
        add(`spec.resources.limits.${r}`, `${String(limitList[r])} is below the request of ${String(requests[r])}`);
      }
    }
    const noRequests =
      resources.requests === undefined || (requests.cpu === undefined && requests.memory === undefined);
    if (noRequests && !failed('spec.resources.requests')) {
      warn('spec.resources.requests', 'spec.resources.requests: none set; the scheduler cannot place pods well');
    }
  }
  return { violations, warnings };
}

/**
 * Every violation of `object` (in the order they are reported) and every warning. `requestName`
 * is the request's name, used when the object names none. A violation of a numeric bound that the
 * CRD's schema enforces too (port 70000) is reported once, by the limit's clearer message, and is
 * not a `limit` one: such a spec cannot be stored, let alone built.
 */
export function checkWebApp(object: JsonObject, context: PolicyContext): Findings {
  const base = context.config.limits;
  const { limits, warnings } = namespaceLimits(context);
  const issues = structuralIssues(object);
  const failed = failedPaths(issues);
  const violations = nameViolations(object, context.name, failed);
  if (isObject(object.spec)) {
    const checked = limitViolations(object.spec, limits, failed);
    violations.push(...checked.violations);
    warnings.push(...checked.warnings);
    const port = object.spec.port;
    const admitted =
      Number.isInteger(port) &&
      !issues.some((i) => i.path === 'spec.port') &&
      !checked.violations.some((v) => v.path === 'spec.port');
    if (admitted && (port as number) < base.minPort)
      warnings.push(overriddenPortWarning('spec.port', port as number, base));
  }
  return withIssues(issues, violations, warnings);
}

/** metadata.name's violation, when it is not a DNS-1035 label. */
export function nameViolations(
  object: JsonObject,
  requestName: string | undefined,
  failed: (path: string) => boolean,
): Violation[] {
  const name = nameOf(object, requestName);
  if (name === undefined || failed('metadata.name') || DNS_1035_LABEL.test(name)) return [];
  return [
    {
      path: 'metadata.name',
      message: `${JSON.stringify(name)} must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter, ending with a letter or digit, at most 63 characters)`,
      limit: false,
    },
  ];
}

/** metadata.name, else the request's name; undefined when neither is a non-empty string. */
export function nameOf(object: JsonObject, requestName: string | undefined): string | undefined {
  const metadata = isObject(object.metadata) ? object.metadata : {};
  return typeof metadata.name === 'string' && metadata.name ? metadata.name : requestName || undefined;
}

/** "<path>: <problem>", as the denial lists it. */
export function formatViolation(violation: Problem): string {
  return `${violation.path}: ${violation.message}`;
}

/** The denial's message: `<kind> "<name>" is invalid: <violation>; <violation>` (kind WebApp unless given). */
export function toInvalidMessage(
  object: JsonObject,
  requestName: string | undefined,
  violations: Problem[],
  kind = 'WebApp',
): string {
  const metadata = isObject(object.metadata) ? object.metadata : {};
  const name = nameOf(object, requestName);
  const display = name ?? (typeof metadata.generateName === 'string' ? metadata.generateName : '');
  return `${kind} ${JSON.stringify(display)} is invalid: ${violations.map(formatViolation).join('; ')}`;
}
