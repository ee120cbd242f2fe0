// RFC 6902 JSON Patch: the operation type, the diff that turns a before/after pair into a patch
// (the mutating webhook changes a copy and calls it once) and an applier with the apiserver's
// semantics for the operations Shipshape sends (the finalizer's `test` included). Our own code,
// not a library: the diff must emit exactly the patch admission tests assert, and it is small.
import { type JsonObject, isPlainObject, jsonEqual, keysOf } from './json.ts';

export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/** RFC 6901: '~' becomes '~0' and '/' becomes '~1', in that order. */
export function escapePointerToken(token: string): string {
  // Most keys have neither; replaceAll would still build two strings for each.
  if (!token.includes('~') && !token.includes('/')) return token;
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

function diff(before: unknown, after: unknown, path: string, operations: JsonPatchOperation[]): void {
  // A subtree the change shares with the original (the defaulter copies only what it fills in)
  // is equal without a walk.
  if (before === after) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    for (const key of keysOf(before)) {
      const next = after[key];
      // Checked here too, so that a shared child costs no pointer string: a WebApp's metadata is
      // copied for its labels, and most of its keys stay shared.
      if (next === before[key]) continue;
      const child = `${path}/${escapePointerToken(key)}`;
      if (next === undefined) operations.push({ op: 'remove', path: child });
      else diff(before[key], next, child, operations);
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
 * Applies add, remove, replace and test to a copy of `document`, as the apiserver applies a JSON
 * Patch (array indices and `-` included); throws where the apiserver would refuse, a failed
 * `test` among them. `move` and `copy` are not sent by Shipshape and throw.
 */
export function applyJsonPatch(document: unknown, operations: readonly JsonPatchOperation[] | undefined): unknown {
  let root = structuredClone(document);
  for (const operation of operations ?? []) {
    if (operation.op === 'move' || operation.op === 'copy') throw new Error(`unsupported op ${operation.op}`);
    const value = 'value' in operation ? operation.value : undefined;
    if (operation.path === '') {
      if (operation.op === 'remove') throw new Error('cannot remove the document');
      if (operation.op === 'test') {
        if (!jsonEqual(root, value)) throw new Error('test failed at the document root');
      } else root = structuredClone(value);
      continue;
    }
    const tokens = operation.path.slice(1).split('/').map(unescapeToken);
    const last = tokens.pop()!;
    let parent: unknown = root;
    for (const token of tokens) {
      const next = (parent as JsonObject)[token];
      if (typeof next !== 'object' || next === null) throw new Error(`path ${operation.path} has no parent`);
      parent = next;
    }
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      const size = operation.op === 'add' ? parent.length + 1 : parent.length;
      if (!(Number.isInteger(index) && index >= 0 && index < size))
        throw new Error(`path ${operation.path}: index out of range`);
      if (operation.op === 'test') {
        if (!jsonEqual(parent[index], value)) throw new Error(`test failed at ${operation.path}`);
      } else if (operation.op === 'add') parent.splice(index, 0, structuredClone(value));
      else if (operation.op === 'remove') parent.splice(index, 1);
      else parent[index] = structuredClone(value);
      continue;
    }
    const record = parent as JsonObject;
    if (operation.op !== 'add' && !(last in record)) throw new Error(`path ${operation.path} does not exist`);
    if (operation.op === 'test') {
      if (!jsonEqual(record[last], value)) throw new Error(`test failed at ${operation.path}`);
    } else if (operation.op === 'remove') delete record[last];
    else record[last] = structuredClone(value);
  }
  return root;
}
