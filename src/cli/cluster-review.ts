// `shipshape review --cluster`: every stored WebApp and MySQLCluster judged by the given settings
// as an UPDATE of itself (./judge-stored.ts), with its Namespace's override annotations, under
// enforcement (a preview asks what `enforce` would refuse, whatever the enforcement setting or
// annotation says), grouped by namespace and reported. Pure: the objects come from cluster-source.ts.
//
// Ratcheting (webhooks/validate-webapp.ts, validate-mysqlcluster.ts) admits an update that keeps a
// stored violation, so an unchanged object is never trapped; what the new settings deny is a create
// of the same spec and a change that leaves a field over a limit. So an object is DENIED when the
// settings find any violation in it, every one a reason, and `trapped` says whether even an
// unchanged update would be refused (only when defaulting with the new settings makes the object
// break a limit). A MySQLCluster is defaulted and judged as the reconciler judges it
// (webhooks/judge-mysqlcluster.ts): an update of itself, its update rules never broken by itself.
//
// The report is WebApp's as it always was (`webApps`, `deleting`, `summary`); MySQLClusters come
// beside it in the same shapes (`mysqlClusters`, `mysqlClustersDeleting`, `summary.mysqlClusters`),
// present only where any are listed, so a WebApp-only cluster's report is unchanged.
import { stringify } from 'yaml';
import { nameOf } from '../../webhooks/check-webapp.ts';
import { mysqlConfigOf } from '../../webhooks/default-mysqlcluster.ts';
import { enforcementOf } from '../../webhooks/enforcement.ts';
import { type PolicyConfig, applyNamespaceOverrides } from '../../webhooks/limits.ts';
import { applyMySQLOverrides } from '../../webhooks/mysql-policy-config.ts';
import { MYSQLCLUSTER_KIND } from '../api/mysqlcluster.ts';
import { WEBAPP_KIND } from '../constants.ts';
import { type JsonObject, isObject } from '../json/json.ts';
import { type StoredObject, isMySQLCluster, judgeStored } from './judge-stored.ts';
import type { OutputFormat } from './report.ts';

/** The name the report type had when it held WebApps alone. */
export type StoredWebApp = StoredObject;

export type NamespaceReview = {
  namespace: string;
  /** The namespace's enforcement mode today (annotation, else the settings'). */
  enforcement: 'warn' | 'enforce';
  webApps: StoredObject[];
  /** WebApps being deleted: never denied, not judged. */
  deleting: string[];
  /** Annotations of the Namespace that are ignored (malformed), as admission warns of them. */
  warnings: string[];
  /** The namespace's MySQLClusters, when it holds any. */
  mysqlClusters?: StoredObject[];
  /** MySQLClusters being deleted, when it holds any MySQLCluster. */
  mysqlClustersDeleting?: string[];
};

export type ClusterReviewSummary = {
  namespaces: number;
  reviewed: number;
  allowed: number;
  denied: number;
  deleting: number;
};

export type ClusterReview = {
  namespaces: NamespaceReview[];
  /** WebApps' counts; MySQLClusters' in `mysqlClusters`, when any are listed. */
  summary: ClusterReviewSummary & { mysqlClusters?: ClusterReviewSummary };
};

function metadataOf(object: JsonObject): JsonObject {
  return isObject(object.metadata) ? object.metadata : {};
}

type Grouped = {
  entry: NamespaceReview;
  annotations: Record<string, string> | undefined;
  webApps: boolean;
  mysqlClusters: boolean;
};

/** The warnings admission gives in the namespace: ignored overrides of the kinds it holds, then the enforcement mode's. */
function namespaceWarnings(group: Grouped, config: PolicyConfig, modeWarning: string | undefined): string[] {
  return [
    ...(group.webApps ? applyNamespaceOverrides(config.limits, group.annotations).warnings : []),
    ...(group.mysqlClusters
      ? applyMySQLOverrides(mysqlConfigOf({ config, namespaceAnnotations: undefined }).limits, group.annotations)
          .warnings
      : []),
    ...(modeWarning ? [modeWarning] : []),
  ];
}

function summarize(namespaces: readonly NamespaceReview[], kind: 'webApps' | 'mysqlClusters'): ClusterReviewSummary {
  const listed = (n: NamespaceReview) => (kind === 'webApps' ? n.webApps : (n.mysqlClusters ?? []));
  const deleting = (n: NamespaceReview) => (kind === 'webApps' ? n.deleting : (n.mysqlClustersDeleting ?? []));
  const holding = namespaces.filter((n) =>
    kind === 'webApps' ? n.webApps.length > 0 || n.deleting.length > 0 : n.mysqlClusters,
  );
  const all = holding.flatMap(listed);
  const denied = all.filter((o) => o.denied).length;
  return {
    namespaces: holding.length,
    reviewed: all.length,
    allowed: all.length - denied,
    denied,
    deleting: holding.reduce((sum, n) => sum + deleting(n).length, 0),
  };
}

/**
 * Judges `stored` (WebApps and MySQLClusters as listed: with metadata.namespace; a MySQLCluster by
 * its kind) with `config`; `annotations` holds each Namespace's annotations (undefined: not
 * readable, judged without overrides). Namespaces in name order, each kind's objects in name order.
 */
export function reviewCluster(
  stored: readonly JsonObject[],
  annotations: ReadonlyMap<string, Record<string, string> | undefined>,
  config: PolicyConfig,
): ClusterReview {
  const groups = new Map<string, Grouped>();
  const enforced: PolicyConfig = { ...config, enforcement: 'enforce' };
  for (const object of stored) {
    const metadata = metadataOf(object);
    const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
    const namespaceAnnotations = annotations.get(namespace);
    let group = groups.get(namespace);
    if (!group) {
      const mode = enforcementOf({ config, namespaceAnnotations }).mode;
      const entry = { namespace, enforcement: mode, webApps: [], deleting: [], warnings: [] };
      group = { entry, annotations: namespaceAnnotations, webApps: false, mysqlClusters: false };
      groups.set(namespace, group);
    }
    const { entry } = group;
    const mysql = isMySQLCluster(object);
    if (mysql && !group.mysqlClusters) [entry.mysqlClusters, entry.mysqlClustersDeleting] = [[], []];
    group[mysql ? 'mysqlClusters' : 'webApps'] = true;
    if (metadata.deletionTimestamp) {
      (mysql ? entry.mysqlClustersDeleting! : entry.deleting).push(nameOf(object, undefined) ?? '(no name)');
      continue;
    }
    (mysql ? entry.mysqlClusters! : entry.webApps).push(
      judgeStored(object, { config: enforced, namespaceAnnotations }),
    );
  }
  for (const group of groups.values()) {
    const modeWarning = enforcementOf({ config, namespaceAnnotations: group.annotations }).warning;
    group.entry.warnings = namespaceWarnings(group, config, modeWarning);
  }
  const namespaces = [...groups.values()].map((g) => g.entry).sort((a, b) => a.namespace.localeCompare(b.namespace));
  const byName = (a: StoredObject, b: StoredObject) => a.name.localeCompare(b.name);
  for (const n of namespaces) {
    n.webApps.sort(byName);
    n.mysqlClusters?.sort(byName);
  }
  const summary: ClusterReview['summary'] = summarize(namespaces, 'webApps');
  if (namespaces.some((n) => n.mysqlClusters)) summary.mysqlClusters = summarize(namespaces, 'mysqlClusters');
  return { namespaces, summary };
}

/** Whether any stored object, of either kind, is denied (exit 1). */
export function anyDenied(review: ClusterReview): boolean {
  return review.summary.denied + (review.summary.mysqlClusters?.denied ?? 0) > 0;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Each kind's judged objects and those being deleted in `n`. */
const kindsOf = (n: NamespaceReview) =>
  [
    [WEBAPP_KIND, n.webApps, n.deleting],
    [MYSQLCLUSTER_KIND, n.mysqlClusters ?? [], n.mysqlClustersDeleting ?? []],
  ] as const;

function summaryLine(
  kind: string,
  s: ClusterReviewSummary,
  namespaces: readonly NamespaceReview[],
  listed: (n: NamespaceReview) => readonly StoredObject[],
): string {
  const byNamespace = namespaces
    .map((n) => [n.namespace, listed(n).filter((o) => o.denied).length] as const)
    .filter(([, count]) => count > 0)
    .map(([namespace, count]) => `${namespace}: ${count}`);
  return (
    `${plural(s.reviewed, kind)} in ${plural(s.namespaces, 'namespace')} reviewed as updates of themselves: ` +
    `${s.allowed} allowed, ${s.denied} denied${byNamespace.length ? ` (${byNamespace.join(', ')})` : ''}` +
    `${s.deleting ? `, ${s.deleting} being deleted` : ''}.`
  );
}

function formatText(review: ClusterReview): string {
  const lines: string[] = [];
  for (const n of review.namespaces) {
    const judged = kindsOf(n).flatMap(([, listed]) => listed);
    const denied = judged.filter((o) => o.denied);
    lines.push(`namespace ${n.namespace} (enforcement: ${n.enforcement}): ${denied.length} of ${judged.length} denied`);
    for (const warning of n.warnings) lines.push(`  warning: ${warning}`);
    for (const [kind, listed, deleting] of kindsOf(n)) {
      for (const o of listed) {
        if (!o.denied && !o.warnings.length) continue;
        lines.push(`  ${o.denied ? 'DENIED ' : 'ALLOWED'}  ${kind} ${n.namespace}/${o.name}`);
        for (const r of o.reasons) lines.push(`    reason: ${r}`);
        if (o.trapped) lines.push('    even an update that changes nothing is denied');
        for (const warning of o.warnings) lines.push(`    warning: ${warning}`);
      }
      for (const name of deleting) lines.push(`  SKIPPED  ${kind} ${n.namespace}/${name}: being deleted`);
    }
  }
  const { mysqlClusters, ...webApps } = review.summary;
  lines.push('');
  // WebApps' line as it always was; left out only when the cluster listed MySQLClusters alone.
  if (webApps.namespaces || !mysqlClusters) {
    lines.push(summaryLine(WEBAPP_KIND, webApps, review.namespaces, (n) => n.webApps));
  }
  if (mysqlClusters) {
    lines.push(summaryLine(MYSQLCLUSTER_KIND, mysqlClusters, review.namespaces, (n) => n.mysqlClusters ?? []));
  }
  if (anyDenied(review)) {
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
