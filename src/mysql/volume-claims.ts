// What a MySQLCluster's StatefulSet cannot take in place (issue #36): its volumeClaimTemplates are
// immutable (as are its selector, serviceName and podManagementPolicy, which the builders derive
// from the name or fix, so they never change). The reconciler compares the StatefulSet the cache
// holds with the one it would apply before applying it:
// - the same templates: applied as ever;
// - only the storage request grown: the claims are resized and the StatefulSet recreated
//   (storage-growth.ts), which is how a StatefulSet's storage grows;
// - anything else (a shrink, a storage class changed, any other field of a template): not applied,
//   reported as ImmutableChange, since an apply would be refused with a 422 on every retry.
// The webhook denies all of those; they reach the reconciler when it was down or bypassed.
import { jsonEqual } from '../json/json.ts';
import { compareQuantities } from '../../webhooks/quantity.ts';

export type ClaimTemplateChange =
  | { kind: 'none' }
  /** Every template as before but the storage request, larger: `from` and `to` as written. */
  | { kind: 'grown'; from: string; to: string }
  /** `field` names the MySQLCluster's field when one explains it, else the StatefulSet's. */
  | { kind: 'immutable'; field: string; message: string };

/** A claim template: as the builder writes it (V1PersistentVolumeClaim) or the cache's view of one. */
export type ClaimTemplate = { metadata?: { name?: string; labels?: Record<string, string> }; spec?: object };

type Template = { metadata?: { name?: string; labels?: unknown }; spec?: Record<string, unknown> };

const storageOf = (t: Template): string | undefined => {
  const storage = (t.spec?.resources as { requests?: Record<string, unknown> } | undefined)?.requests?.storage;
  return storage === undefined ? undefined : String(storage);
};

/** Why the change cannot be applied, for the status and the Event: the field, its values, the rule. */
function immutable(field: string, from: unknown, to: unknown, rule: string): ClaimTemplateChange {
  const show = (value: unknown) => (value === undefined ? 'none' : JSON.stringify(value));
  return {
    kind: 'immutable',
    field,
    message: `${field} cannot change from ${show(from)} to ${show(to)}: ${rule}; the StatefulSet is left as it is`,
  };
}

const TEMPLATE_RULE = "a StatefulSet's volume claim templates are immutable";

/**
 * The change from `current` (the cache's view of the stored StatefulSet's templates) to `desired`
 * (the builder's). A storage request that cannot be read as a quantity throws (QuantityError).
 */
export function compareClaimTemplates(
  current: readonly ClaimTemplate[] | undefined,
  desired: readonly ClaimTemplate[],
): ClaimTemplateChange {
  const stored = (current ?? []) as readonly Template[];
  if (stored.length !== desired.length) {
    const names = (list: readonly Template[]) => list.map((t) => t.metadata?.name);
    return immutable('spec.volumeClaimTemplates', names(stored), names(desired as Template[]), TEMPLATE_RULE);
  }
  let grown: { from: string; to: string } | undefined;
  for (const [i, want] of (desired as Template[]).entries()) {
    const have = stored[i]!;
    const path = `spec.volumeClaimTemplates[${i}]`;
    const haveClass = have.spec?.storageClassName;
    const wantClass = want.spec?.storageClassName;
    if (haveClass !== wantClass) {
      return immutable(
        'spec.storage.storageClassName',
        haveClass,
        wantClass,
        'the storage class of the data is immutable',
      );
    }
    const from = storageOf(have);
    const to = storageOf(want);
    const order = from === undefined || to === undefined ? (from === to ? 0 : NaN) : compareQuantities(to, from);
    if (order < 0) return immutable('spec.storage.size', from, to, 'storage may only grow');
    if (Number.isNaN(order)) return immutable(`${path}.spec.resources.requests.storage`, from, to, TEMPLATE_RULE);
    if (order > 0) grown = { from: from!, to: to! };
    if (!jsonEqual(have.metadata?.name, want.metadata?.name)) {
      return immutable(`${path}.metadata.name`, have.metadata?.name, want.metadata?.name, TEMPLATE_RULE);
    }
    if (!jsonEqual(have.metadata?.labels, want.metadata?.labels)) {
      return immutable(`${path}.metadata.labels`, have.metadata?.labels, want.metadata?.labels, TEMPLATE_RULE);
    }
    for (const field of ['accessModes', 'volumeMode'] as const) {
      if (!jsonEqual(have.spec?.[field], want.spec?.[field])) {
        return immutable(`${path}.spec.${field}`, have.spec?.[field], want.spec?.[field], TEMPLATE_RULE);
      }
    }
  }
  return grown ? { kind: 'grown', ...grown } : { kind: 'none' };
}
