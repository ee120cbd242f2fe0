// JSON values as they come off the wire (YAML, the apiserver, an AdmissionReview): the one
// object type and the checks every module reads such values with.

/** A JSON object whose fields have not been checked yet. */
export type JsonObject = Record<string, unknown>;

/** A JSON object: not null, not an array. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A plain object (object literal or JSON.parse output), not a Date, Map or class instance. */
export function isPlainObject(value: unknown): value is JsonObject {
  if (!isObject(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Keys whose value is `undefined` do not exist in JSON, so they count as missing. */
export function keysOf(object: JsonObject): string[] {
  return Object.keys(object).filter((key) => object[key] !== undefined);
}

/** Equality of JSON values: object key order does not matter, array order does. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = keysOf(a);
    return keys.length === keysOf(b).length && keys.every((key) => b[key] !== undefined && jsonEqual(a[key], b[key]));
  }
  return false;
}

/** The value at a dotted path ("spec.resources.requests"); undefined where the path breaks off. */
export function valueAt(object: unknown, field: string): unknown {
  let value = object;
  for (const key of field.split('.')) value = isObject(value) ? value[key] : undefined;
  return value;
}
