// The annotation that carries, on a v1 WebApp, what v1 cannot express of the hub (issue #35;
// docs/decisions/0016-webapp-v2-and-conversion.md): a JSON object with, for each of the fields
// below that the v1 fields do not rebuild, the hub's whole value of it. Written by hub -> v1 only
// when needed, read and removed by v1 -> hub, removed by v2 -> hub (on a v2 object it means
// nothing). Pure; the conversion webhook is what writes and reads it in a cluster.
import { ANNOTATION_PREFIX } from '../constants.ts';
import { isObject } from '../json/json.ts';
import type { HubField } from './hub.ts';

export const V2_FIELDS_ANNOTATION = `${ANNOTATION_PREFIX}v2-fields`;

/** The hub fields v1 cannot always express, in the order they are written. */
export const V2_ONLY_FIELDS = ['ports', 'service', 'env', 'autoscaling'] as const satisfies readonly HubField[];
export type V2OnlyField = (typeof V2_ONLY_FIELDS)[number];
export type V2Fields = { [F in V2OnlyField]?: unknown };

/** The annotation's value, or undefined when no field needs carrying. */
export function encodeV2Fields(fields: V2Fields): string | undefined {
  const present = V2_ONLY_FIELDS.filter((f) => fields[f] !== undefined);
  if (present.length === 0) return undefined;
  return JSON.stringify(Object.fromEntries(present.map((f) => [f, fields[f]])));
}

/**
 * The fields an annotation value carries. Never throws: a value that is not a string holding a JSON
 * object (a hand edit, a truncated copy) carries nothing, and keys other than V2_ONLY_FIELDS are
 * ignored.
 */
export function decodeV2Fields(value: unknown): V2Fields {
  if (typeof value !== 'string') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return {};
  }
  if (!isObject(parsed)) return {};
  const fields: V2Fields = {};
  for (const f of V2_ONLY_FIELDS) {
    if (Object.hasOwn(parsed, f)) fields[f] = parsed[f];
  }
  return fields;
}

/** The annotation's value on `metadata`, if any. */
export function v2FieldsAnnotationOf(metadata: unknown): unknown {
  if (!isObject(metadata) || !isObject(metadata.annotations)) return undefined;
  const annotations = metadata.annotations;
  return Object.hasOwn(annotations, V2_FIELDS_ANNOTATION) ? annotations[V2_FIELDS_ANNOTATION] : undefined;
}
