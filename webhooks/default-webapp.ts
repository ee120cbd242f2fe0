// The mutating webhook: fills in what a WebApp leaves out, and nothing else. It never judges the
// object; a field of the wrong type is left as it is for the validating webhook to report.
import { FINALIZER, LABEL_MANAGED_BY, LABEL_NAME, MANAGED_BY } from '../src/constants.ts';
import { DEFAULTS, RESOURCE_NAMES } from '../src/api/defaults.ts';
import { type JsonObject, isObject } from '../src/json/json.ts';
import { nameOf } from './check-webapp.ts';
import { type PolicyConfig, type ReconciledKind, reconciles } from './limits.ts';
import type { Defaulter, PolicyContext } from './policy.ts';
import { compareQuantities } from './quantity.ts';

type DefaultResources = NonNullable<PolicyConfig['defaultResources']>;

/** A label value (k8s.io/apimachinery validation.IsValidLabelValue); longer names get no label. */
const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Null counts as missing: the apiserver prunes nulls from non-nullable custom resource fields. */
function isMissing(value: unknown): boolean {
  return value === undefined || value === null;
}

/** Sets a missing `key` to a copy of `value` (the defaults are frozen and shared). */
export function fill(target: JsonObject, key: string, value: unknown): void {
  if (isMissing(target[key])) target[key] = typeof value === 'object' ? structuredClone(value) : value;
}

/**
 * The object under `key` as a shallow copy put in its place (created when missing), or undefined
 * when `key` holds something else. Copy-on-write: `target` is itself a copy, so the caller's
 * object is never changed, and what the defaulter does not descend into stays shared.
 */
export function child(target: JsonObject, key: string): JsonObject | undefined {
  const value = target[key];
  if (isMissing(value)) return (target[key] = {});
  if (!isObject(value)) return undefined;
  return (target[key] = { ...value });
}

function fillLabels(metadata: JsonObject, name: string | undefined): void {
  const labels = child(metadata, 'labels');
  if (!labels) return;
  if (name !== undefined && LABEL_VALUE.test(name)) fill(labels, LABEL_NAME, name);
  fill(labels, LABEL_MANAGED_BY, MANAGED_BY);
}

/**
 * The controller's finalizer, which every live WebApp carries (src/operator/finalizer.ts). Set here
 * it comes with the create, not in a write of the reconciler's own through both webhooks (one more
 * write for every new WebApp, which shows in bench/convergence.ts). On every update too, as
 * the labels: a server-side apply that leaves it out would otherwise drop it, since the fields a
 * webhook sets belong to the request's field manager. The reconciler still adds it when missing.
 * Only when this process reconciles `kind` (--controllers): a finalizer no controller removes
 * would hang the object's deletion. MySQLCluster's defaulter calls it too.
 */
export function fillFinalizer(metadata: JsonObject, config: PolicyConfig, kind: ReconciledKind): void {
  if (!reconciles(config, kind)) return;
  const finalizers = metadata.finalizers;
  if (isMissing(finalizers)) metadata.finalizers = [FINALIZER];
  else if (Array.isArray(finalizers) && !finalizers.includes(FINALIZER))
    metadata.finalizers = [...finalizers, FINALIZER];
}

/** `a` orders before `b`; false when either is not a quantity (validation reports that). */
function isBelow(a: unknown, b: unknown): boolean {
  if (typeof a !== 'string' && typeof a !== 'number') return false;
  if (typeof b !== 'string' && typeof b !== 'number') return false;
  try {
    return compareQuantities(a, b) < 0;
  } catch {
    return false;
  }
}

/** A copy of the list under `key`: {} when missing, undefined when it holds something else. */
function listAt(resources: JsonObject, key: string): JsonObject | undefined {
  const value = resources[key];
  if (isMissing(value)) return {};
  return isObject(value) ? { ...value } : undefined;
}

/**
 * Fills missing requests and limits, per cpu and memory, from the configured defaults. A default
 * never contradicts what the user set: a default request above the user's limit becomes that
 * limit, and a default limit below the user's request becomes that request (as Kubernetes makes a
 * Pod's missing request equal to its limit). Otherwise the user would be denied for a value they
 * never wrote.
 */
export function fillResources(spec: JsonObject, defaults: DefaultResources): void {
  if (!isMissing(spec.resources) && !isObject(spec.resources)) return;
  const resources = isObject(spec.resources) ? { ...spec.resources } : {};
  const requests = listAt(resources, 'requests');
  const limits = listAt(resources, 'limits');
  for (const r of RESOURCE_NAMES) {
    const request = defaults.requests?.[r];
    if (requests && request !== undefined && isMissing(requests[r])) {
      requests[r] = limits && isBelow(limits[r], request) ? limits[r] : request;
    }
    const limit = defaults.limits?.[r];
    if (limits && limit !== undefined && isMissing(limits[r])) {
      limits[r] = requests && isBelow(limit, requests[r]) ? requests[r] : limit;
    }
  }
  if (requests && Object.keys(requests).length) resources.requests = requests;
  if (limits && Object.keys(limits).length) resources.limits = limits;
  if (Object.keys(resources).length) spec.resources = resources;
}

/**
 * Whether a stored spec had a Service port. One without is a WebApp a v2 client wrote with no
 * servicePort on its first port (stored at v1 as `port` alone: nothing to carry in the v2-fields
 * annotation), or one that bypassed this webhook; either way read at v2 it has no Service.
 */
function storedServicePort(stored: JsonObject | undefined): boolean {
  return stored === undefined || (isObject(stored.service) && stored.service.port !== undefined);
}

function fillSpec(spec: JsonObject, config: PolicyConfig, stored: JsonObject | undefined): void {
  fill(spec, 'replicas', DEFAULTS.replicas);
  fill(spec, 'port', DEFAULTS.port);
  fill(spec, 'env', DEFAULTS.env);
  const service = child(spec, 'service');
  if (service) {
    fill(service, 'type', DEFAULTS.service.type);
    // Not on an update of a spec stored without one: a v1 client's label or edit would otherwise
    // expose a port its v2 writer kept off the Service, on port 80 (or be denied for it).
    if (storedServicePort(stored)) fill(service, 'port', DEFAULTS.service.port);
  }
  if (config.defaultResources) fillResources(spec, config.defaultResources);
}

/**
 * Defaults a WebApp: spec.replicas, port, env, service.type, service.port, the configured
 * resources, and the app.kubernetes.io name and managed-by labels; values already present, of any
 * type, are kept. Idempotent: defaulting its own output changes nothing. An object with a
 * deletionTimestamp is returned as it is: the only update it needs is its finalizers coming off.
 */
export const defaultWebApp: Defaulter = defaulterOf(fillSpec);

/**
 * The defaulter of a WebApp version from what fills its spec (fillSpec above for v1, fillV2Spec in
 * ./default-webapp-v2.ts): the labels, the finalizer and the copy-on-write rules, the same for every
 * version.
 */
export function defaulterOf(
  fillSpec: (spec: JsonObject, config: PolicyConfig, stored: JsonObject | undefined) => void,
): Defaulter {
  return (object, context) => defaulted(fillSpec, object, context);
}

function defaulted(
  fillSpec: (spec: JsonObject, config: PolicyConfig, stored: JsonObject | undefined) => void,
  object: JsonObject,
  context: PolicyContext,
): JsonObject {
  if (isObject(object.metadata) && object.metadata.deletionTimestamp) return object;
  // Copies along the paths it fills in only, not structuredClone(object): that was most of the
  // mutating webhook's own CPU (bench/webhook.ts profile), with the JSON Patch diff walking the
  // whole copy (managedFields, annotations) behind it. Unchanged subtrees are the argument's own.
  const after = { ...object };
  const name = nameOf(after, context.name);
  const metadata = child(after, 'metadata');
  if (metadata) {
    fillLabels(metadata, name);
    fillFinalizer(metadata, context.config, 'webapp');
  }
  const spec = isObject(after.spec) ? child(after, 'spec') : undefined;
  const storedSpec = context.stored && isObject(context.stored.spec) ? context.stored.spec : undefined;
  if (spec) fillSpec(spec, context.config, context.stored && (storedSpec ?? {}));
  return after;
}
