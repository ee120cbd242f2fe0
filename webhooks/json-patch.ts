// Turns a before/after pair of JSON documents into the RFC 6902 JSON Patch that the apiserver
// applies to the object. The mutating webhook changes a copy and calls this once.
import type { JsonPatchOperation } from './decision.ts';

type JsonObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** RFC 6901: '~' becomes '~0' and '/' becomes '~1', in that order. */
export function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Keys whose value is `undefined` do not exist in JSON, so they count as missing. */
function keysOf(object: JsonObject): string[] {
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

function diff(before: unknown, after: unknown, path: string, operations: JsonPatchOperation[]): void {
  if (isPlainObject(before) && isPlainObject(after)) {
    for (const key of keysOf(before)) {
      const child = `${path}/${escapePointerToken(key)}`;
      if (after[key] === undefined) operations.push({ op: 'remove', path: child });
      else diff(before[key], after[key], child, operations);
    }
    for (const key of keysOf(after)) {
      if (before[key] === undefined) {
        operations.push({ op: 'add', path: `${path}/${escapePointerToken(key)}`, value: after[key] });
      }
    }
    return;
  }
  if (!jsonEqual(before, after)) operations.push({ op: 'replace', path, value: after });
}

/**
 * The JSON Patch that turns `before` into `after`. Plain objects are compared key by key; arrays
 * and scalars are replaced whole when they differ; a subtree missing from `before` is one `add`.
 * Order: removals and replacements in `before`'s key order, then additions in `after`'s key order.
 * Values are shared with `after`, not copied. Empty when the documents are equal. Throws a
 * TypeError when `after` is undefined: a document cannot be patched into nothing.
 */
export function toJsonPatch(before: unknown, after: unknown): JsonPatchOperation[] {
  if (after === undefined) throw new TypeError('toJsonPatch: the document after the change is undefined');
  if (before === undefined) return [{ op: 'add', path: '', value: after }];
  const operations: JsonPatchOperation[] = [];
  diff(before, after, '', operations);
  return operations;
}

function unescapeToken(token: string): string {
  return token.replaceAll('~1', '/').replaceAll('~0', '~');
}

/**
 * Applies add/remove/replace (what toJsonPatch emits) to a copy of `document`, as the apiserver
 * applies a mutating webhook's patch; throws where the apiserver would refuse.
 */
export function applyJsonPatch(document: unknown, operations: JsonPatchOperation[] | undefined): unknown {
  let root = structuredClone(document);
  for (const operation of operations ?? []) {
    if (operation.op !== 'add' && operation.op !== 'remove' && operation.op !== 'replace') {
      throw new Error(`unsupported op ${operation.op}`);
    }
    if (operation.path === '') {
      if (operation.op === 'remove') throw new Error('cannot remove the document');
      root = structuredClone(operation.value);
      continue;
    }
    const tokens = operation.path.slice(1).split('/').map(unescapeToken);
    const last = tokens.pop()!;
    let parent = root as JsonObject;
    for (const token of tokens) {
      const next = parent[token];
      if (typeof next !== 'object' || next === null) throw new Error(`path ${operation.path} has no parent`);
      parent = next as JsonObject;
    }
    if (operation.op !== 'add' && !(last in parent)) throw new Error(`path ${operation.path} does not exist`);
    if (operation.op === 'remove') delete parent[last];
    else parent[last] = structuredClone(operation.value);
  }
  return root;
}
