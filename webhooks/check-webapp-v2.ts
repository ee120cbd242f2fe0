// What is wrong with a WebApp v2, and what is worth a warning (issue #35): v1's checks
// (./check-webapp.ts) at the paths both versions share, with v1's limits applied to each port and to
// autoscaling, and the rules across fields v2's schema cannot state. Pure. The admission webhooks
// judge a v2 client's request with it (converted to v2 from the v1 they are registered for:
// docs/decisions/0019-admission-on-one-version.md), and ./check-v2-fields.ts judges the v2-only
// fields a v1 object carries in its annotation with it; a reconciler reading v2 can call it too.
import { z } from 'zod';
import { webAppV2Schema } from '../src/api/webapp-v2.ts';
import { V2_DEFAULTS } from '../src/api/defaults-v2.ts';
import { DEFAULTS } from '../src/api/defaults.ts';
import { type JsonObject, isObject, jsonEqual } from '../src/json/json.ts';
import { limitViolations, nameViolations, structuralIssues } from './check-webapp.ts';
import {
  type Breach,
  defaulted,
  failedPaths,
  namespaceLimits,
  overriddenPortWarning,
  rangeViolation,
  withIssues,
} from './findings.ts';
import type { Limits } from './limits.ts';
import type { FieldWarning, Findings, PolicyContext, Violation } from './policy.ts';

/** webAppV2Schema compiled ahead of time, as v1's compiledWebAppSchema (src/api/webapp.ts). */
const compiledV2Schema = z.compile(webAppV2Schema);

/** validation.IsValidPortName's rules the CRD's pattern cannot hold (RE2 has no look-arounds). */
const HAS_LETTER = /[a-z]/;

type Checks = { violations: Violation[]; warnings: FieldWarning[]; failed: (path: string) => boolean };

/**
 * Every violation of a v2 `object` and every warning, as checkWebApp reports a v1 one: the same
 * messages at the paths v2 names (spec.ports[1].containerPort for v1's spec.port), a `limit`
 * violation carrying the setting it breaks, a bound the schema enforces too reported once.
 */
export function checkWebAppV2(object: JsonObject, context: PolicyContext): Findings {
  const { limits, warnings } = namespaceLimits(context);
  const issues = structuralIssues(object, compiledV2Schema);
  const failed = failedPaths(issues);
  const violations = nameViolations(object, context.name, failed);
  if (isObject(object.spec)) {
    const spec = object.spec;
    // v1's checks of the fields at the same paths: image, replicas, env names, resources. v2 has no
    // spec.port or spec.service.port (were they written, each is an unknown field, failed).
    const common = limitViolations(spec, limits, failed);
    violations.push(...common.violations);
    warnings.push(...common.warnings);
    const checks: Checks = { violations, warnings, failed };
    checkPorts(spec.ports, limits, context.config.limits, checks);
    checkEnv(spec.env, checks);
    checkAutoscaling(spec.autoscaling, limits, checks);
  }
  return withIssues(issues, violations, warnings);
}

function portBreach(port: number, limits: Limits): Breach | undefined {
  const denial = limits.deniedPorts.includes(port)
    ? { message: `${port} is in the denied list (${limits.deniedPorts.join(', ')})`, setting: 'denied-ports' }
    : undefined;
  return rangeViolation(port, limits.minPort, limits.maxPort, 'port') ?? denial;
}

/**
 * Each port's numbers against the limits (a breach of the defaulted first port says so, as v1's
 * spec.port does), its name against IsValidPortName, and no name, containerPort or servicePort
 * twice: the Deployment and the Service would refuse them.
 */
function checkPorts(ports: unknown, limits: Limits, base: Limits, { violations, warnings, failed }: Checks): void {
  if (!Array.isArray(ports)) return;
  const add = (path: string, message: string) => violations.push({ path, message, limit: false });
  const breach = (path: string, found: Breach | undefined) =>
    found && violations.push({ path, message: found.message, limit: true, setting: found.setting });
  const seen = { name: new Map<unknown, number>(), containerPort: new Map<unknown, number>(), servicePort: new Map() };
  const isDefault = jsonEqual(ports, V2_DEFAULTS.ports);
  ports.forEach((port: unknown, i) => {
    if (!isObject(port)) return;
    const at = `spec.ports[${i}]`;
    const integer = (field: string) =>
      Number.isInteger(port[field]) && !failed(`${at}.${field}`) ? (port[field] as number) : undefined;
    const containerPort = integer('containerPort');
    if (containerPort !== undefined) {
      const found = portBreach(containerPort, limits);
      breach(`${at}.containerPort`, isDefault ? defaulted(found, 'spec.ports', containerPort, DEFAULTS.port) : found);
      if (!found && containerPort < base.minPort)
        warnings.push(overriddenPortWarning(`${at}.containerPort`, containerPort, base, 'spec.ports'));
    }
    const servicePort = integer('servicePort');
    if (servicePort !== undefined) {
      const found = rangeViolation(servicePort, limits.minServicePort, limits.maxServicePort, 'service-port');
      breach(
        `${at}.servicePort`,
        isDefault ? defaulted(found, 'spec.ports', servicePort, DEFAULTS.service.port) : found,
      );
    }
    const name = port.name;
    if (typeof name === 'string' && !failed(`${at}.name`)) {
      if (!HAS_LETTER.test(name)) add(`${at}.name`, `${JSON.stringify(name)} must contain at least one letter`);
      else if (name.includes('--')) add(`${at}.name`, `${JSON.stringify(name)} must not contain '--'`);
    }
    for (const field of ['name', 'containerPort', 'servicePort'] as const) {
      const value = port[field];
      if (value === undefined || failed(`${at}.${field}`)) continue;
      const first = seen[field].get(value);
      if (first === undefined) seen[field].set(value, i);
      else add(`${at}.${field}`, `duplicate ${field} ${JSON.stringify(value)} (also at spec.ports[${first}])`);
    }
  });
}

/** An entry has a value or a valueFrom, not both; a valueFrom names exactly one key reference. */
function checkEnv(env: unknown, { violations, failed }: Checks): void {
  if (!Array.isArray(env)) return;
  env.forEach((entry: unknown, i) => {
    if (!isObject(entry) || entry.valueFrom === undefined || failed(`spec.env[${i}]`)) return;
    const at = `spec.env[${i}]`;
    if (entry.value !== undefined) {
      violations.push({ path: `${at}.valueFrom`, message: 'must not be set with value', limit: false });
    }
    const source = isObject(entry.valueFrom) ? entry.valueFrom : {};
    const refs = ['secretKeyRef', 'configMapKeyRef'].filter((r) => source[r] !== undefined);
    if (refs.length !== 1) {
      violations.push({
        path: `${at}.valueFrom`,
        message: `must set exactly one of secretKeyRef or configMapKeyRef (${refs.length ? 'both are' : 'neither is'} set)`,
        limit: false,
      });
    }
  });
}

/** maxReplicas within the replica limits (as spec.replicas is), and minReplicas no more than it. */
function checkAutoscaling(autoscaling: unknown, limits: Limits, { violations, failed }: Checks): void {
  if (!isObject(autoscaling)) return;
  const integer = (field: string) =>
    Number.isInteger(autoscaling[field]) && !failed(`spec.autoscaling.${field}`)
      ? (autoscaling[field] as number)
      : undefined;
  const max = integer('maxReplicas');
  if (max === undefined) return;
  const found = rangeViolation(max, limits.minReplicas, limits.maxReplicas, 'replicas');
  if (found) {
    violations.push({
      path: 'spec.autoscaling.maxReplicas',
      message: found.message,
      limit: true,
      setting: found.setting,
    });
  }
  const min = integer('minReplicas');
  if (min !== undefined && min > max) {
    violations.push({
      path: 'spec.autoscaling.minReplicas',
      message: `${min} exceeds maxReplicas (${max})`,
      limit: false,
    });
  }
}
