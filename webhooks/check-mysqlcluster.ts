// What is wrong with a MySQLCluster, and what is worth a warning (issue #36): the schema's
// structural checks, the name, the image, the quantities, then the configured limits as a
// Namespace's annotations adjust them. Pure; the validating webhook (validate-mysqlcluster.ts) and
// the reconciler (judge-mysqlcluster.ts) both judge with it, so they never disagree. The update
// rules, which compare with the stored object, are mysql-update-rules.ts's.
import { compiledMySQLClusterSchema } from '../src/api/mysqlcluster.ts';
import { RESOURCE_NAMES } from '../src/api/defaults.ts';
import { type JsonObject, isObject } from '../src/json/json.ts';
import { nameOf, structuralIssues } from './check-webapp.ts';
import { type Issue, failedPaths, withIssues } from './findings.ts';
import { mysqlConfigOf } from './default-mysqlcluster.ts';
import { parseImageReference } from './image-reference.ts';
import { applyMySQLOverrides, type MySQLLimits } from './mysql-policy-config.ts';
import type { FieldWarning, Findings, PolicyContext, Violation } from './policy.ts';
import { parseQuantity } from './quantity.ts';

/**
 * The longest name a MySQLCluster may have. Its StatefulSet is named after it, and every Pod of a
 * StatefulSet carries the label controller-revision-hash=<statefulset>-<hash>, the hash up to 10
 * characters: a label value is at most 63, so 63 - 1 - 10 = 52 (the upstream StatefulSet name
 * limit, kubernetes/kubernetes#64023). Its Pods (<name>-<ordinal>), the data claims
 * (data-<name>-<ordinal>, a DNS subdomain of up to 253) and Services named <name>-<suffix of up to
 * 10> all fit within that.
 */
export const MYSQLCLUSTER_MAX_NAME_LENGTH = 52;

const DNS_1035_LABEL = /^[a-z](?:[-a-z0-9]*[a-z0-9])?$/;

/** metadata.name's violation: not a DNS-1035 label, or longer than the children's names allow. */
function nameViolations(object: JsonObject, requestName: string | undefined, failed: (p: string) => boolean) {
  const name = nameOf(object, requestName);
  if (name === undefined || failed('metadata.name')) return [];
  const problem = !DNS_1035_LABEL.test(name)
    ? "must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter, ending with a letter or digit)"
    : name.length > MYSQLCLUSTER_MAX_NAME_LENGTH
      ? `is ${name.length} characters; at most ${MYSQLCLUSTER_MAX_NAME_LENGTH} (the StatefulSet's Pods carry a label of its name and a 10-character hash)`
      : undefined;
  return problem ? [{ path: 'metadata.name', message: `${JSON.stringify(name)} ${problem}`, limit: false }] : [];
}

/** The limits a Namespace's annotations make, and a warning per annotation ignored. */
export function mysqlLimitsOf(context: PolicyContext): { limits: MySQLLimits; warnings: FieldWarning[] } {
  const { limits, warnings } = applyMySQLOverrides(mysqlConfigOf(context).limits, context.namespaceAnnotations);
  return { limits, warnings: warnings.map((message) => ({ field: 'spec', message })) };
}

type Quantity = string | number;
const isQuantity = (value: unknown): value is Quantity => typeof value === 'string' || typeof value === 'number';

/** "3 x 200Gi = 600Gi": a product shown with the size's own unit when it has a binary one. */
function product(replicas: number, size: Quantity): string {
  const match = typeof size === 'string' ? /^(\d+)([KMGTPE]i)$/.exec(size) : null;
  return match ? `${replicas * Number(match[1])}${match[2]}` : String(replicas * parseQuantity(size));
}

function checkSpec(spec: JsonObject, limits: MySQLLimits, failed: (p: string) => boolean): Findings {
  const violations: Violation[] = [];
  const warnings: FieldWarning[] = [];
  const add = (path: string, message: string) => violations.push({ path, message, limit: false });
  const quantity = (path: string, value: unknown): number | undefined => {
    if (!isQuantity(value) || failed(path)) return undefined;
    try {
      return parseQuantity(value);
    } catch (err) {
      add(path, err instanceof Error ? err.message : String(err));
      return undefined;
    }
  };

  if (typeof spec.image === 'string' && !failed('spec.image')) {
    const image = spec.image;
    const ref = parseImageReference(image);
    if (!ref) add('spec.image', `${JSON.stringify(image)} is not a valid image reference`);
    else if (!ref.digest && !ref.tag)
      warnings.push({
        field: 'spec.image',
        message: `spec.image: ${JSON.stringify(image)} has no tag; pin a version (":latest" is implied)`,
      });
    else if (!ref.digest && ref.tag === 'latest')
      warnings.push({
        field: 'spec.image',
        message: `spec.image: ${JSON.stringify(image)} uses the mutable tag "latest"; pin a version`,
      });
  }

  const replicas = Number.isInteger(spec.replicas) && !failed('spec.replicas') ? (spec.replicas as number) : undefined;
  if (replicas !== undefined && replicas > limits.maxReplicas) {
    violations.push({
      path: 'spec.replicas',
      message: `${replicas} exceeds the maximum of ${limits.maxReplicas}`,
      limit: true,
      setting: 'mysql-max-replicas',
    });
  }

  const storage = isObject(spec.storage) ? spec.storage : {};
  const size = quantity('spec.storage.size', storage.size);
  if (size !== undefined && size <= 0) add('spec.storage.size', `${String(storage.size)} must be above zero`);
  else if (size !== undefined && replicas !== undefined) {
    const max = parseQuantity(limits.maxStoragePerCluster);
    if (replicas * size > max) {
      violations.push({
        path: 'spec.storage.size',
        message: `${replicas} x ${String(storage.size)} = ${product(replicas, storage.size as Quantity)} exceeds the maximum of ${limits.maxStoragePerCluster} per cluster (spec.replicas x spec.storage.size)`,
        limit: true,
        setting: 'mysql-max-storage-per-cluster',
      });
    }
  }

  const resources = isObject(spec.resources) ? spec.resources : {};
  const requests = isObject(resources.requests) ? resources.requests : {};
  const limitList = isObject(resources.limits) ? resources.limits : {};
  for (const r of RESOURCE_NAMES) {
    const request = quantity(`spec.resources.requests.${r}`, requests[r]);
    const limit = quantity(`spec.resources.limits.${r}`, limitList[r]);
    if (request !== undefined && limit !== undefined && limit < request) {
      add(`spec.resources.limits.${r}`, `${String(limitList[r])} is below the request of ${String(requests[r])}`);
    }
  }
  return { violations, warnings };
}

/**
 * Every violation of `object` (structural issues first) and every warning. `context.name` is the
 * request's name, used when the object names none.
 */
export function checkMySQLCluster(object: JsonObject, context: PolicyContext): Findings {
  const { limits, warnings } = mysqlLimitsOf(context);
  const issues: Issue[] = structuralIssues(object, compiledMySQLClusterSchema as never);
  const failed = failedPaths(issues);
  const violations = nameViolations(object, context.name, failed);
  if (isObject(object.spec)) {
    const checked = checkSpec(object.spec, limits, failed);
    violations.push(...checked.violations);
    warnings.push(...checked.warnings);
  }
  return withIssues(issues, violations, warnings);
}
