// RFC 7386 JSON Merge Patch, as the apiserver applies application/merge-patch+json (what kubectl
// apply sends for a custom resource). Our own: a dozen lines, no library kept for it.
import { type JsonObject, isPlainObject } from './json.ts';

/** `target` with `patch` merged in: null removes a key, objects merge, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const result: JsonObject = isPlainObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}
