// What `shipshape review` prints. Text (-o diff, -o patch): one ALLOWED, DENIED or SKIPPED line per
// document, its reasons and warnings, then the diff or the patch, then a summary. -o yaml and
// -o json: the same facts as one machine-readable report, with each defaulted object.
import { stringify } from 'yaml';
import { MUTATING_WEBHOOK_NAME, MYSQL_MUTATING_WEBHOOK_NAME } from '../constants.ts';
import { unifiedDiff } from './line-diff.ts';
import type { ManifestError } from './load-manifests.ts';
import { KUBE_APISERVER, type Review, type ReviewTarget } from './review.ts';
import type { Planned } from './targets.ts';

export const OUTPUT_FORMATS = ['diff', 'patch', 'yaml', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export type Reviewed = Planned & { target: ReviewTarget; review: Review };
export type Skipped = Planned & { skipped: string };
export type Entry = Reviewed | Skipped;

export const EXIT_ALLOWED = 0;
export const EXIT_DENIED = 1;
export const EXIT_INVALID = 2;

const isReviewed = (entry: Entry): entry is Reviewed => 'review' in entry;

/** 2 when any input was bad, else 1 when any WebApp was denied, else 0. */
export function toExitCode(entries: readonly Entry[], errors: readonly ManifestError[]): number {
  if (errors.length) return EXIT_INVALID;
  return entries.some((e) => isReviewed(e) && !e.review.allowed) ? EXIT_DENIED : EXIT_ALLOWED;
}

/** "k8s/app.yaml:3:7: Map keys must be unique", then the parser's excerpt, indented. */
export function formatError(error: ManifestError): string {
  const at = [error.source, error.line, error.col].filter((p) => p !== undefined).join(':');
  const excerpt = error.excerpt ? `\n${error.excerpt.replace(/^/gm, '    ')}` : '';
  return `${at}: ${error.message}${excerpt}`;
}

function summarize(entries: readonly Entry[], errors: readonly ManifestError[]) {
  const reviewed = entries.filter(isReviewed);
  const allowed = reviewed.filter((e) => e.review.allowed).length;
  return {
    allowed,
    denied: reviewed.length - allowed,
    skipped: entries.length - reviewed.length,
    errors: errors.length,
  };
}

function header(entry: Entry): string {
  const where = `${entry.document.source}:${entry.document.line}`;
  const what = `${entry.kind} ${entry.namespace}/${entry.name}`;
  if (!isReviewed(entry)) return `SKIPPED  ${entry.apiVersion} ${what} (${where}): ${entry.skipped}`;
  const verdict = entry.review.allowed ? 'ALLOWED' : 'DENIED ';
  return `${verdict}  ${what} (${where}, ${entry.review.operation})`;
}

function indent(text: string): string {
  return text.replace(/\n$/, '').replace(/^/gm, '  ');
}

function changes(entry: Reviewed, format: 'diff' | 'patch'): string {
  const { review } = entry;
  // A mutating denial: nothing was defaulted and nothing validated.
  if (review.deniedBy === MUTATING_WEBHOOK_NAME || review.deniedBy === MYSQL_MUTATING_WEBHOOK_NAME) return '';
  if (format === 'patch') {
    if (!review.patch.length) return '  patch: none';
    return ['  patch:', ...review.patch.map((op) => `    ${JSON.stringify(op)}`)].join('\n');
  }
  const name = `${entry.kind} ${entry.namespace}/${entry.name}`;
  const diff = unifiedDiff(
    stringify(entry.target.object),
    stringify(review.object),
    `${name} as written`,
    `${name} defaulted`,
  );
  return diff ? indent(diff) : '  (defaulting changes nothing)';
}

function deniedBy(review: Review, kind: string): string {
  if (review.deniedBy !== KUBE_APISERVER) return `denied by admission webhook "${review.deniedBy}"`;
  // Strict decoding runs before any webhook; the schema after the mutating one.
  return review.message?.startsWith('The ')
    ? `denied by kube-apiserver: the ${kind} CRD schema (checked after the mutating webhook)`
    : 'denied by kube-apiserver while decoding (kubectl --validate=strict)';
}

/** What the summary counts: the one kind reviewed (WebApp when none was), else "object". */
function reviewedWord(entries: readonly Entry[]): string {
  const kinds = new Set(entries.filter(isReviewed).map((e) => e.kind));
  return kinds.size === 0 ? 'WebApp' : kinds.size === 1 ? [...kinds][0]! : 'object';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function formatText(entries: readonly Entry[], errors: readonly ManifestError[], format: 'diff' | 'patch'): string {
  const blocks = entries.map((entry) => {
    if (!isReviewed(entry)) return header(entry);
    const { review } = entry;
    return [
      header(entry),
      ...(review.deniedBy ? [`  ${deniedBy(review, entry.kind)}`] : []),
      ...review.reasons.map((r) => `  reason: ${r}`),
      ...review.warnings.map((w) => `  warning: ${w}`),
      changes(entry, format),
    ]
      .filter(Boolean)
      .join('\n');
  });
  const s = summarize(entries, errors);
  const parts = [
    `${plural(s.allowed + s.denied, reviewedWord(entries))} reviewed: ${s.allowed} allowed, ${s.denied} denied`,
    ...(s.skipped ? [`${plural(s.skipped, 'document')} skipped`] : []),
    ...(s.errors ? [`${plural(s.errors, 'input error')} (see above)`] : []),
  ];
  // A blank line before each multi-line block; SKIPPED lines stay together.
  const body = blocks.map((b) => (b.includes('\n') ? `\n${b}` : b)).join('\n');
  return `${body}\n\n${parts.join('; ')}.`.replace(/^\n+/, '');
}

/** The machine-readable report of -o json and -o yaml. */
export function toReport(entries: readonly Entry[], errors: readonly ManifestError[]) {
  return {
    results: entries.map((entry) => {
      const common = {
        file: entry.document.source,
        line: entry.document.line,
        apiVersion: entry.apiVersion,
        kind: entry.kind,
        namespace: entry.namespace,
        name: entry.name,
      };
      if (!isReviewed(entry)) return { ...common, result: 'SKIPPED', reason: entry.skipped };
      const { review } = entry;
      return {
        ...common,
        operation: review.operation,
        result: review.allowed ? 'ALLOWED' : 'DENIED',
        ...(review.deniedBy && { deniedBy: review.deniedBy, message: review.message }),
        reasons: review.reasons,
        warnings: review.warnings,
        patch: review.patch,
        object: review.object,
      };
    }),
    errors: errors.map((e) => ({ ...e })),
    summary: summarize(entries, errors),
  };
}

/** What goes to stdout (the report) and to stderr (one line per input error). */
export function formatReport(
  entries: readonly Entry[],
  errors: readonly ManifestError[],
  format: OutputFormat,
): { stdout: string; stderr: string } {
  const stderr = errors.map((e) => `${formatError(e)}\n`).join('');
  if (format === 'json') return { stdout: `${JSON.stringify(toReport(entries, errors), null, 2)}\n`, stderr };
  if (format === 'yaml') return { stdout: stringify(toReport(entries, errors)), stderr };
  return { stdout: `${formatText(entries, errors, format)}\n`, stderr };
}
