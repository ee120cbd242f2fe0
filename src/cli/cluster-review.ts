// `shipshape review --cluster`: every stored WebApp judged by the given settings as an UPDATE of
// itself, with its Namespace's override annotations, under enforcement (a preview asks what
// `enforce` would refuse, whatever the enforcement setting or annotation says). Pure: the objects
// come from cluster-source.ts.
//
// Ratcheting (webhooks/validate-webapp.ts) admits an update that keeps a stored violation, so an
// unchanged object is never trapped; what the new settings deny is a create of the same spec and
// a change that leaves a field over a limit. So a WebApp is DENIED when the settings find any
// violation in it, every one a reason, and `trapped` says whether even an unchanged update would
// be refused (only when defaulting with the new settings makes the object break a limit).
import { stringify } from 'yaml';
import { formatViolation, nameOf } from '../../webhooks/check-webapp.ts';
import { defaultWebApp } from '../../webhooks/default-webapp.ts';
import { enforcementOf } from '../../webhooks/enforcement.ts';
import { type PolicyConfig, applyNamespaceOverrides } from '../../webhooks/limits.ts';
import type { Defaulter, PolicyContext, Validator } from '../../webhooks/policy.ts';
import { toRatchetWarning, validateWebApp } from '../../webhooks/validate-webapp.ts';
import { defaultWebAppV2 } from '../../webhooks/default-webapp-v2.ts';
import { validateWebAppV2 } from '../../webhooks/validate-webapp-v2.ts';
import { v2FieldsAnnotationOf } from '../api/v2-fields-annotation.ts';
import { WEBAPP_V2_API_VERSION } from '../api/webapp-v2.ts';
import { convertWebApp } from '../api/webapp-versions.ts';
import { type JsonObject, isObject } from '../json/json.ts';
import type { OutputFormat } from './report.ts';

export type StoredWebApp = {
  name: string;
  denied: boolean;
  /** Every violation of the settings, as the denial of a create would list it. */
  reasons: string[];
  /** Even an update that changes nothing would be denied. */
  trapped: boolean;
  /** Ignored namespace annotations and the like, as admission would give them. */
  warnings: string[];
};

export type NamespaceReview = {
  namespace: string;
  /** The namespace's enforcement mode today (annotation, else the settings'). */
  enforcement: 'warn' | 'enforce';
  webApps: StoredWebApp[];
  /** Being deleted: never denied, not judged. */
  deleting: string[];
  /** Annotations of the Namespace that are ignored (malformed), as admission warns of them. */
  warnings: string[];
};

export type ClusterReview = {
  namespaces: NamespaceReview[];
  summary: { namespaces: number; reviewed: number; allowed: number; denied: number; deleting: number };
};

function metadataOf(object: JsonObject): JsonObject {
  return isObject(object.metadata) ? object.metadata : {};
}

/**
 * The policies a stored WebApp is judged by, and the object they judge: a WebApp listed at v1 that
 * carries the v2-fields annotation holds what only v2 expresses, so its owner writes v2: it is
 * judged at v2, as the webhooks judge a v2 client's update (decision 19), with v2's paths.
 */
function atItsVersion(stored: JsonObject): { object: JsonObject; defaulter: Defaulter; validator: Validator } {
  if (v2FieldsAnnotationOf(stored.metadata) !== undefined) {
    const converted = convertWebApp(stored, WEBAPP_V2_API_VERSION);
    if (converted.ok) return { object: converted.object, defaulter: defaultWebAppV2, validator: validateWebAppV2 };
  }
  return { object: stored, defaulter: defaultWebApp, validator: validateWebApp };
}

function judge(listed: JsonObject, context: PolicyContext): StoredWebApp {
  const name = nameOf(listed, undefined) ?? '(no name)';
  const { object: stored, defaulter, validator } = atItsVersion(listed);
  // As the reconciler defaults it: an update of itself, so what it was stored without stays without.
  const defaulted = defaulter(stored, { ...context, stored });
  const found = validator(defaulted, undefined, context).violations;
  const update = validator(defaulted, stored, context);
  const ratchet = new Set(found.map(toRatchetWarning));
  return {
    name,
    denied: found.length > 0,
    reasons: found.map(formatViolation),
    trapped: update.violations.length > 0,
    warnings: update.warnings.filter((w) => !ratchet.has(w)),
  };
}

/**
 * Judges `webApps` (as listed: with metadata.namespace) with `config`; `annotations` holds each
 * Namespace's annotations (undefined: not readable, judged without overrides). Namespaces in
 * name order, WebApps in name order.
 */
export function reviewCluster(
  webApps: readonly JsonObject[],
  annotations: ReadonlyMap<string, Record<string, string> | undefined>,
  config: PolicyConfig,
): ClusterReview {
  const byNamespace = new Map<string, NamespaceReview>();
  const enforced: PolicyConfig = { ...config, enforcement: 'enforce' };
  for (const stored of webApps) {
    const metadata = metadataOf(stored);
    const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
    const namespaceAnnotations = annotations.get(namespace);
    let entry = byNamespace.get(namespace);
    if (!entry) {
      const mode = enforcementOf({ config, namespaceAnnotations });
      const ignored = applyNamespaceOverrides(config.limits, namespaceAnnotations).warnings;
      const warnings = [...ignored, ...(mode.warning ? [mode.warning] : [])];
      entry = { namespace, enforcement: mode.mode, webApps: [], deleting: [], warnings };
      byNamespace.set(namespace, entry);
    }
    if (metadata.deletionTimestamp) {
      entry.deleting.push(nameOf(stored, undefined) ?? '(no name)');
      continue;
    }
    entry.webApps.push(judge(stored, { config: enforced, namespaceAnnotations }));
  }
  const namespaces = [...byNamespace.values()].sort((a, b) => a.namespace.localeCompare(b.namespace));
  for (const n of namespaces) n.webApps.sort((a, b) => a.name.localeCompare(b.name));
  const all = namespaces.flatMap((n) => n.webApps);
  const denied = all.filter((w) => w.denied).length;
  return {
    namespaces,
    summary: {
      namespaces: namespaces.length,
      reviewed: all.length,
      allowed: all.length - denied,
      denied,
      deleting: namespaces.reduce((sum, n) => sum + n.deleting.length, 0),
    },
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function formatText(review: ClusterReview): string {
  const lines: string[] = [];
  for (const n of review.namespaces) {
    const denied = n.webApps.filter((w) => w.denied);
    lines.push(
      `namespace ${n.namespace} (enforcement: ${n.enforcement}): ${denied.length} of ${n.webApps.length} denied`,
    );
    for (const warning of n.warnings) lines.push(`  warning: ${warning}`);
    for (const w of n.webApps) {
      if (!w.denied && !w.warnings.length) continue;
      lines.push(`  ${w.denied ? 'DENIED ' : 'ALLOWED'}  WebApp ${n.namespace}/${w.name}`);
      for (const r of w.reasons) lines.push(`    reason: ${r}`);
      if (w.trapped) lines.push('    even an update that changes nothing is denied');
      for (const warning of w.warnings) lines.push(`    warning: ${warning}`);
    }
    for (const name of n.deleting) lines.push(`  SKIPPED  WebApp ${n.namespace}/${name}: being deleted`);
  }
  const s = review.summary;
  const byNamespace = review.namespaces
    .map((n) => [n.namespace, n.webApps.filter((w) => w.denied).length] as const)
    .filter(([, count]) => count > 0)
    .map(([namespace, count]) => `${namespace}: ${count}`);
  lines.push(
    '',
    `${plural(s.reviewed, 'WebApp')} in ${plural(s.namespaces, 'namespace')} reviewed as updates of themselves: ` +
      `${s.allowed} allowed, ${s.denied} denied${byNamespace.length ? ` (${byNamespace.join(', ')})` : ''}` +
      `${s.deleting ? `, ${s.deleting} being deleted` : ''}.`,
  );
  if (s.denied) {
    lines.push(
      'Denied: a create of the same spec, or a change that leaves a field over a limit, is refused under these',
      'settings; an update that keeps the stored values is admitted with a warning (ratcheting).',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** -o yaml and -o json: the review as it is; otherwise text. */
export function formatClusterReview(review: ClusterReview, output: OutputFormat): string {
  if (output === 'json') return `${JSON.stringify(review, null, 2)}\n`;
  if (output === 'yaml') return stringify(review);
  return formatText(review);
}
