// What `shipshape review --audit-log` prints: the writes the given settings would have denied
// (how many, every reason, the namespaces, the users, the first and last time) beside those the
// apiserver actually denied then, and how the two differ. -o yaml and -o json: the same facts.
//
// One report per kind, since a reason ("spec.replicas: 6 exceeds the maximum of 5") reads the same
// for a WebApp and a MySQLCluster: the WebApps' report as it always was, and the MySQLClusters'
// (issue #36), of the same shape, under `mysqlClusters` and after it in the text, only when the
// log recorded any, so a WebApp-only log gives the report it gave before.
import { stringify } from 'yaml';
import { MYSQLCLUSTER_KIND } from '../api/mysqlcluster.ts';
import { WEBAPP_KIND } from '../constants.ts';
import type { Replayed, Unreplayed } from './audit-log.ts';
import type { OutputFormat } from './report.ts';

type Counts = Record<string, number>;

export type ReasonTally = {
  reason: string;
  count: number;
  namespaces: Counts;
  users: Counts;
  first: string;
  last: string;
};

export type Tally = {
  count: number;
  reasons: ReasonTally[];
  namespaces: Counts;
  users: Counts;
  first?: string;
  last?: string;
};

export type AuditReport = {
  replayed: number;
  creates: number;
  updates: number;
  /** Updates whose stored object the log did not show: judged without ratcheting. */
  updatesWithoutOld: number;
  skipped: Counts;
  wouldDeny: Tally;
  deniedThen: Tally;
  /** Allowed then, denied now: what the change would break. */
  newlyDenied: number;
  deniedThenAndNow: number;
  deniedThenAllowedNow: number;
  first?: string;
  last?: string;
};

/** The WebApps' report, with the MySQLClusters' beside it when the log recorded any. */
export type AuditReview = AuditReport & { mysqlClusters?: AuditReport };

const bump = (counts: Counts, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

function tally(entries: readonly { replayed: Replayed; reasons: string[] }[]): Tally {
  const result: Tally = { count: entries.length, reasons: [], namespaces: {}, users: {} };
  const byReason = new Map<string, ReasonTally>();
  for (const { replayed, reasons } of entries) {
    const { namespace, user, time } = replayed.event;
    bump(result.namespaces, namespace);
    bump(result.users, user);
    if (result.first === undefined || time < result.first) result.first = time;
    if (result.last === undefined || time > result.last) result.last = time;
    for (const reason of new Set(reasons)) {
      let r = byReason.get(reason);
      if (!r) byReason.set(reason, (r = { reason, count: 0, namespaces: {}, users: {}, first: time, last: time }));
      r.count++;
      bump(r.namespaces, namespace);
      bump(r.users, user);
      if (time < r.first) r.first = time;
      if (time > r.last) r.last = time;
    }
  }
  result.reasons = [...byReason.values()].sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  return result;
}

export function toAuditReport(replayed: readonly Replayed[], skipped: readonly Unreplayed[]): AuditReport {
  const times = replayed.map((r) => r.event.time).sort();
  const skippedCounts: Counts = {};
  for (const s of skipped) bump(skippedCounts, s.why);
  return {
    replayed: replayed.length,
    creates: replayed.filter((r) => r.operation === 'CREATE').length,
    updates: replayed.filter((r) => r.operation === 'UPDATE').length,
    updatesWithoutOld: replayed.filter((r) => r.oldUnknown).length,
    skipped: skippedCounts,
    wouldDeny: tally(replayed.filter((r) => r.now.denied).map((r) => ({ replayed: r, reasons: r.now.reasons }))),
    deniedThen: tally(replayed.filter((r) => r.then.denied).map((r) => ({ replayed: r, reasons: r.then.reasons }))),
    newlyDenied: replayed.filter((r) => r.now.denied && !r.then.denied).length,
    deniedThenAndNow: replayed.filter((r) => r.now.denied && r.then.denied).length,
    deniedThenAllowedNow: replayed.filter((r) => !r.now.denied && r.then.denied).length,
    ...(times.length && { first: times[0], last: times.at(-1) }),
  };
}

/** Splits the replayed and skipped writes by kind into one report each. */
export function toAuditReview(replayed: readonly Replayed[], skipped: readonly Unreplayed[]): AuditReview {
  const of = (kind: string) =>
    [replayed.filter((r) => r.event.kind === kind), skipped.filter((s) => s.event.kind === kind)] as const;
  const review: AuditReview = toAuditReport(...of(WEBAPP_KIND));
  const [mysqlReplayed, mysqlSkipped] = of(MYSQLCLUSTER_KIND);
  if (mysqlReplayed.length || mysqlSkipped.length) review.mysqlClusters = toAuditReport(mysqlReplayed, mysqlSkipped);
  return review;
}

/** Whether the settings would have denied any write, of either kind (exit 1). */
export function anyWouldDeny(review: AuditReview): boolean {
  return review.wouldDeny.count + (review.mysqlClusters?.wouldDeny.count ?? 0) > 0;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const list = (counts: Counts) =>
  Object.entries(counts)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([key, n]) => `${key || '(none)'} (${n})`)
    .join(', ');

function formatTally(title: string, t: Tally, of: number): string[] {
  const lines = [`${title}: ${t.count} of ${of}`];
  if (!t.count) return lines;
  lines.push(`  namespaces: ${list(t.namespaces)}; users: ${list(t.users)}; first ${t.first}, last ${t.last}`);
  for (const r of t.reasons) {
    lines.push(`  reason: ${r.reason}`);
    lines.push(
      `    ${plural(r.count, 'write')}; namespaces: ${list(r.namespaces)}; users: ${list(r.users)}; first ${r.first}, last ${r.last}`,
    );
  }
  return lines;
}

function formatText(report: AuditReport, logs: number, kind: string): string {
  const span = report.first ? `, ${report.first} to ${report.last}` : '';
  const skipped = Object.entries(report.skipped).map(([why, n]) => `${n}: ${why}`);
  const lines = [
    `Replayed ${plural(report.replayed, `${kind} write`)} (${report.creates} creates, ${report.updates} updates) from ${plural(logs, 'audit log')}${span}.`,
    ...(skipped.length ? [`Not replayed: ${skipped.join('; ')}.`] : []),
    ...(report.updatesWithoutOld
      ? [`${plural(report.updatesWithoutOld, 'update')} of a ${kind} the log had not shown: judged without ratcheting.`]
      : []),
    '',
    ...formatTally('Would be denied with these settings', report.wouldDeny, report.replayed),
    '',
    ...formatTally('Denied then', report.deniedThen, report.replayed),
    '',
    `Newly denied (allowed then): ${report.newlyDenied}; denied then and now: ${report.deniedThenAndNow}; denied then, allowed now: ${report.deniedThenAllowedNow}.`,
  ];
  return `${lines.join('\n')}\n`;
}

export function formatAuditReport(review: AuditReview, output: OutputFormat, logs: number): string {
  if (output === 'json') return `${JSON.stringify(review, null, 2)}\n`;
  if (output === 'yaml') return stringify(review);
  const { mysqlClusters, ...webApps } = review;
  if (!mysqlClusters) return formatText(webApps, logs, WEBAPP_KIND);
  const mysql = formatText(mysqlClusters, logs, MYSQLCLUSTER_KIND);
  // WebApps' section left out only when the log recorded MySQLClusters alone.
  const none = !webApps.replayed && !Object.keys(webApps.skipped).length;
  return none ? mysql : `${formatText(webApps, logs, WEBAPP_KIND)}\n${mysql}`;
}
