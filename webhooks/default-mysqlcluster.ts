// The MySQLCluster mutating webhook (issue #36): fills in what a cluster leaves out, and nothing
// else; a field of the wrong type is left for the validating webhook to report.
//
// On an UPDATE, the version, the storage size and the storage class, when missing, take the stored
// object's values before the settings' (the version, when the stored spec has none either, the
// stored status.currentVersion): a changed setting does not rewrite what an existing cluster runs
// or where its data lives, and a write that omits one of them is not turned into a downgrade, a
// shrink or a class change the validating webhook would then deny. One gap remains: a cluster
// stored without spec.storage.size takes the current setting's, since its status does not record
// the size its claims were made with. The storage class is never
// filled on an UPDATE from the setting: a StatefulSet's claim templates are immutable, so a class
// that was not set at creation stays unset. Every other missing field (replicas, claimRetention,
// resources, settings) takes its default, as removing a field from a manifest means.
import { LABEL_MANAGED_BY, LABEL_NAME, MANAGED_BY } from '../src/constants.ts';
import { RESOURCE_NAMES } from '../src/api/defaults.ts';
import { type JsonObject, isObject } from '../src/json/json.ts';
import { nameOf } from './check-webapp.ts';
import { child, fill, fillFinalizer } from './default-webapp.ts';
import { DEFAULT_MYSQL_POLICY_CONFIG, type MySQLPolicyConfig } from './mysql-policy-config.ts';
import type { Defaulter, PolicyContext } from './policy.ts';
import { parseImageReference } from './image-reference.ts';
import { compareQuantities } from './quantity.ts';

export const MYSQL_DEFAULT_REPLICAS = 1;
export const MYSQL_DEFAULT_CLAIM_RETENTION = 'Retain';

const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

const isMissing = (value: unknown) => value === undefined || value === null;
const objectAt = (object: JsonObject | undefined, key: string): JsonObject | undefined =>
  object && isObject(object[key]) ? object[key] : undefined;

/** The MySQL settings in `context`, or the defaults. */
export function mysqlConfigOf(context: PolicyContext): MySQLPolicyConfig {
  return context.config.mysql ?? DEFAULT_MYSQL_POLICY_CONFIG;
}

/** `<repository>:<version>`: the image a cluster without one runs. */
export function defaultImage(repository: string, version: string): string {
  return `${repository}:${version}`;
}

/**
 * The image of `spec`, when it is missing or when it is the image derived from the stored version
 * and only the version changed: a `kubectl apply` that raises spec.version keeps the stored,
 * defaulted spec.image, which would otherwise go on running the old version. An image the user
 * chose (any other value) is theirs to change.
 */
function fillImage(spec: JsonObject, storedSpec: JsonObject | undefined, config: MySQLPolicyConfig): void {
  if (typeof spec.version !== 'string') return;
  const storedImage = storedSpec?.image;
  const storedRef = typeof storedImage === 'string' ? parseImageReference(storedImage) : undefined;
  const derived =
    storedRef !== undefined &&
    typeof storedSpec?.version === 'string' &&
    storedImage === defaultImage(storedRef.name, storedSpec.version);
  if (isMissing(spec.image)) {
    // The stored cluster's repository when its image was derived: a changed setting does not move it.
    spec.image = defaultImage(derived ? storedRef.name : config.imageRepository, spec.version);
  } else if (derived && spec.image === storedImage && spec.version !== storedSpec?.version) {
    spec.image = defaultImage(storedRef.name, spec.version);
  }
}

function fillStorage(spec: JsonObject, storedSpec: JsonObject | undefined, config: MySQLPolicyConfig): void {
  const storage = child(spec, 'storage');
  if (!storage) return;
  const stored = objectAt(storedSpec, 'storage');
  fill(storage, 'size', stored?.size ?? config.defaultStorageSize);
  if (storedSpec) {
    if (stored?.storageClassName !== undefined) fill(storage, 'storageClassName', stored.storageClassName);
  } else if (config.storageClassName !== undefined) {
    fill(storage, 'storageClassName', config.storageClassName);
  }
  fill(storage, 'claimRetention', MYSQL_DEFAULT_CLAIM_RETENTION);
}

/** `a` orders before `b`; false when either is not a quantity (validation reports that). */
function isBelow(a: unknown, b: unknown): boolean {
  if ((typeof a !== 'string' && typeof a !== 'number') || (typeof b !== 'string' && typeof b !== 'number'))
    return false;
  try {
    return compareQuantities(a, b) < 0;
  } catch {
    return false;
  }
}

/**
 * Per cpu and memory: a missing request or limit takes the setting's; a default never contradicts what the user set (a request above their limit becomes that limit, a
 * limit below their request that request), as WebApp's resources are defaulted.
 */
function fillResources(spec: JsonObject, config: MySQLPolicyConfig): void {
  const resources = child(spec, 'resources');
  if (!resources) return;
  const requests = child(resources, 'requests');
  const limits = child(resources, 'limits');
  for (const r of RESOURCE_NAMES) {
    const request = config.defaultResources.requests?.[r];
    if (requests && request !== undefined && isMissing(requests[r])) {
      requests[r] = limits && isBelow(limits[r], request) ? limits[r] : request;
    }
    const limit = config.defaultResources.limits?.[r];
    if (limits && limit !== undefined && isMissing(limits[r])) {
      limits[r] = requests && isBelow(limit, requests[r]) ? requests[r] : limit;
    }
  }
  if (requests && Object.keys(requests).length === 0) delete resources.requests;
  if (limits && Object.keys(limits).length === 0) delete resources.limits;
}

/**
 * The version a spec without one takes on an UPDATE: the stored spec's, else the version the stored
 * status says every member runs, before the setting. An object stored without spec.version (its
 * namespace opted out of the webhooks, or created before they were installed) is judged by the
 * reconciler as an update of itself on every reconcile: without the status, a changed
 * --mysql-default-version would move (even downgrade) the version of a running database.
 */
function storedVersion(stored: JsonObject | undefined, storedSpec: JsonObject | undefined): unknown {
  if (!isMissing(storedSpec?.version)) return storedSpec?.version;
  const current = objectAt(stored, 'status')?.currentVersion;
  return typeof current === 'string' && current !== '' ? current : undefined;
}

function fillSpec(
  spec: JsonObject,
  stored: JsonObject | undefined,
  storedSpec: JsonObject | undefined,
  config: MySQLPolicyConfig,
): void {
  fill(spec, 'version', storedVersion(stored, storedSpec) ?? config.defaultVersion);
  fillImage(spec, storedSpec, config);
  fill(spec, 'replicas', MYSQL_DEFAULT_REPLICAS);
  fillStorage(spec, storedSpec, config);
  fillResources(spec, config);
  fill(spec, 'settings', {});
}

/**
 * Defaults a MySQLCluster: spec.version, image, replicas, storage (size, class, claimRetention),
 * resources and settings, plus the name and managed-by labels and, when this process reconciles
 * MySQLClusters (`--controllers`), the controller's finalizer (set with the create, as for WebApp,
 * so the reconciler needs no write of its own to add it).
 * Idempotent; never changes its argument (copy-on-write along the paths it fills). An object with
 * a deletionTimestamp is returned as it is.
 */
export const defaultMySQLCluster: Defaulter = (object, context) => {
  if (isObject(object.metadata) && object.metadata.deletionTimestamp) return object;
  const after = { ...object };
  const name = nameOf(after, context.name);
  const metadata = child(after, 'metadata');
  if (metadata) {
    const labels = child(metadata, 'labels');
    if (labels) {
      if (name !== undefined && LABEL_VALUE.test(name)) fill(labels, LABEL_NAME, name);
      fill(labels, LABEL_MANAGED_BY, MANAGED_BY);
    }
    fillFinalizer(metadata, context.config, 'mysqlcluster');
  }
  const storedSpec = context.stored ? (objectAt(context.stored, 'spec') ?? {}) : undefined;
  const spec = isObject(after.spec) ? child(after, 'spec') : undefined;
  if (spec) fillSpec(spec, context.stored, storedSpec, mysqlConfigOf(context));
  return after;
};
