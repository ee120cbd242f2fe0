// The hub of WebApp conversion (issue #35): the one internal form every served version converts to
// and from (kubebuilder's hub and spokes), so that n versions need 2n conversions, not n². It has
// every capability of every version; today those are v2's, in v2's field names, so ./conversion-v2.ts
// copies and ./conversion-v1.ts does the work. It has no apiVersion: it is served as none. When a v3
// renames or reshapes a field, v3's pair of conversions changes and the hub need not.
//
// Conversion never judges: it runs on every read of a stored object, and an object stored before a
// rule existed (replicas out of range, a duplicate env name, a port with no number) must still read.
// So values are carried as they are, of any type; a reader parses the hub before it trusts it, as
// the reconciler parses a v1 WebApp today. Fields that no version's schema knows are dropped, as the
// apiserver's pruning would drop them.
//
// The conversion webhook (src/conversion/review-conversion.ts, served by the server's conversion
// plugin) and the tests convert through it; the CRD's spec.conversion and the reconciler's reading
// of the hub are the wiring still to come.
import { type JsonObject, isObject } from '../json/json.ts';

/** The hub's spec fields, in the order they are written. */
export const HUB_FIELDS = ['image', 'replicas', 'ports', 'env', 'resources', 'service', 'autoscaling'] as const;
export type HubField = (typeof HUB_FIELDS)[number];

/** A hub spec: v2's fields, each as read (see the module comment). */
export type HubSpec = { [F in HubField]?: unknown };

/**
 * A WebApp in the hub form: kind, metadata, status and any other top-level field as read, spec a
 * HubSpec (or, when the object has no spec object, whatever it had), no apiVersion.
 */
export type HubWebApp = { apiVersion?: never; spec?: HubSpec | unknown; [field: string]: unknown };

/** The default name of the port v1's `port` becomes. */
export const DEFAULT_PORT_NAME = 'http';

/** A deep copy of a JSON value, so that no converted object shares anything with its source. */
export function copy<T>(value: T): T {
  return typeof value === 'object' && value !== null ? structuredClone(value) : value;
}

/** `fields` of `object` that are present, copied, in the order of `fields`. */
export function pick(object: JsonObject, fields: readonly string[]): JsonObject {
  return Object.fromEntries(
    fields.filter((f) => Object.hasOwn(object, f) && object[f] !== undefined).map((f) => [f, copy(object[f])]),
  );
}

/**
 * A copy of `object` with `apiVersion` first (when given) and `replace` applied: a field set to
 * undefined there is left out, one missing keeps its copied value. Built with Object.fromEntries, so
 * a "__proto__" key read from JSON stays a plain field.
 */
export function rebuild(object: JsonObject, apiVersion: string | undefined, replace: JsonObject): JsonObject {
  const entries: [string, unknown][] = apiVersion === undefined ? [] : [['apiVersion', apiVersion]];
  for (const [key, value] of Object.entries(object)) {
    if (key === 'apiVersion') continue;
    const next = Object.hasOwn(replace, key) ? replace[key] : copy(value);
    if (next !== undefined) entries.push([key, next]);
  }
  for (const [key, value] of Object.entries(replace)) {
    if (!Object.hasOwn(object, key) && value !== undefined) entries.push([key, value]);
  }
  return Object.fromEntries(entries);
}

/** metadata with annotation `name` set to `value`, or removed when `value` is undefined. */
export function withAnnotation(metadata: unknown, name: string, value: string | undefined): unknown {
  const current = isObject(metadata) ? metadata : undefined;
  const annotations = isObject(current?.annotations) ? current.annotations : undefined;
  if (value === undefined && (annotations === undefined || !Object.hasOwn(annotations, name))) return copy(metadata);
  const rest = Object.entries(annotations ?? {}).filter(([key]) => key !== name);
  if (value !== undefined) rest.push([name, value]);
  // An empty map is left out: the apiserver stores ObjectMeta without one (omitempty).
  return rebuild(current ?? {}, undefined, { annotations: rest.length ? Object.fromEntries(rest) : undefined });
}
