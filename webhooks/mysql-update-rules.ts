// The rules a database's UPDATE must follow (issue #36), judged against the stored object. Each is
// a violation that denies in either enforcement mode (never a `limit`: no setting or annotation
// lifts it) and is never ratcheted: it compares the request with what is stored, so an object
// never breaks it by itself. Why each exists:
// - spec.storage.size may only grow: a PersistentVolumeClaim can be expanded, never shrunk; a
//   smaller size cannot be applied to the claims that hold the data.
// - spec.version may not go backwards: MySQL upgrades its data dictionary and data files in place
//   on start and does not support an in-place downgrade (MySQL 8.4 Reference Manual, "Downgrading
//   MySQL"); an older server cannot be trusted to read them. Nor may it skip a long-term series
//   (./mysql-version.ts says which and why).
// - spec.storage.storageClassName is immutable: a StatefulSet's volume claim templates cannot be
//   changed, and the existing claims would stay on their class anyway; moving data between
//   classes is a migration, not an edit. Unset counts as a value (the cluster's default class).
import { type JsonObject, isObject } from '../src/json/json.ts';
import { compareMySQLVersions, parseMySQLVersion, skippedSeries } from './mysql-version.ts';
import type { Violation } from './policy.ts';
import { parseQuantity } from './quantity.ts';

const storageOf = (spec: JsonObject): JsonObject => (isObject(spec.storage) ? spec.storage : {});

function quantityOf(value: unknown): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  try {
    return parseQuantity(value);
  } catch {
    return undefined;
  }
}

/** The update rules `object` breaks against `old` (both as the validating webhook sees them). */
export function updateViolations(object: JsonObject, old: JsonObject): Violation[] {
  const spec = isObject(object.spec) ? object.spec : undefined;
  const stored = isObject(old.spec) ? old.spec : undefined;
  if (!spec || !stored) return [];
  const violations: Violation[] = [];
  const deny = (path: string, message: string) => violations.push({ path, message, limit: false });

  const size = storageOf(spec).size;
  const storedSize = storageOf(stored).size;
  const [now, before] = [quantityOf(size), quantityOf(storedSize)];
  if (now !== undefined && before !== undefined && now < before) {
    deny('spec.storage.size', `may only grow (stored ${String(storedSize)}, requested ${String(size)})`);
  }

  const version = parseMySQLVersion(spec.version);
  const storedVersion = parseMySQLVersion(stored.version);
  if (version && storedVersion) {
    const change = `stored ${String(stored.version)}, requested ${String(spec.version)}`;
    const skipped = skippedSeries(storedVersion, version);
    if (compareMySQLVersions(version, storedVersion) < 0) {
      deny('spec.version', `may not go backwards (${change}): MySQL does not downgrade its data in place`);
    } else if (skipped !== undefined) {
      deny('spec.version', `may not skip the ${skipped} series (${change}): upgrade to ${skipped} first`);
    }
  }

  const storageClass = storageOf(spec).storageClassName;
  const storedClass = storageOf(stored).storageClassName;
  if (storageClass !== storedClass) {
    const show = (value: unknown) => (value === undefined ? "none (the cluster's default)" : JSON.stringify(value));
    deny(
      'spec.storage.storageClassName',
      `is immutable (stored ${show(storedClass)}, requested ${show(storageClass)}): the data's claims stay on their class`,
    );
  }
  return violations;
}
