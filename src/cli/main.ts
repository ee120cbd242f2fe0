#!/usr/bin/env node
// `shipshape`: the command line (package.json "bin"). The one CLI module with side effects: it
// reads stdin, the --config, --ca and --audit-log files and (--cluster) the cluster, prints, and
// sets the exit code: 0 every WebApp allowed, 1 any denied, 2 bad input or usage (also for a
// failure of its own, never 1).
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { ConfigError, defaultPolicyConfig } from '../config/config.ts';
import type { PolicyConfig } from '../../webhooks/limits.ts';
import { CliError, type CliErrorCode } from './cli-error.ts';
import { toPolicyConfigFromFile } from './config-file.ts';
import { type AuditEvent, parseAuditLog, replayAuditEvents } from './audit-log.ts';
import { anyWouldDeny, formatAuditReport, toAuditReview } from './audit-report.ts';
import { anyDenied, formatClusterReview, reviewCluster } from './cluster-review.ts';
import { contextNamespace, loadKubeConfig, readCluster } from './cluster-source.ts';
import { type ManifestError, loadManifests } from './load-manifests.ts';
import { type ReviewOptions, parseCommandLine } from './options.ts';
import {
  EXIT_ALLOWED,
  EXIT_DENIED,
  EXIT_INVALID,
  type Entry,
  formatError,
  formatReport,
  toExitCode,
} from './report.ts';
import { reviewOffline } from './review-offline.ts';
import { reviewOnServer } from './review-server.ts';
import { planReviews } from './targets.ts';

async function readText(path: string, flag: string, code: CliErrorCode): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new CliError(code, `${flag} ${path}: ${(cause as Error).message}`, { cause });
  }
}

async function policyConfig(options: ReviewOptions): Promise<PolicyConfig> {
  if (options.config === undefined) {
    // No settings: the server's defaults.
    return defaultPolicyConfig();
  }
  return toPolicyConfigFromFile(await readText(options.config, '--config', 'CLI_CONFIG'), options.config);
}

/** --cluster: the stored WebApps and MySQLClusters, judged as updates of themselves. */
async function reviewStored(options: ReviewOptions, cluster: NonNullable<ReviewOptions['cluster']>): Promise<number> {
  const config = await policyConfig(options);
  const kc = loadKubeConfig(cluster.kubeconfig);
  const namespace = cluster.allNamespaces ? undefined : (cluster.namespace ?? contextNamespace(kc));
  const objects = await readCluster(kc, namespace);
  for (const problem of objects.problems) process.stderr.write(`warning: ${problem}\n`);
  const result = reviewCluster([...objects.webApps, ...objects.mysqlClusters], objects.annotations, config);
  process.stdout.write(formatClusterReview(result, options.output));
  return anyDenied(result) ? EXIT_DENIED : EXIT_ALLOWED;
}

/** --audit-log: the recorded WebApp and MySQLCluster writes, replayed. */
async function reviewAudit(options: ReviewOptions, audit: NonNullable<ReviewOptions['auditLog']>): Promise<number> {
  const config = await policyConfig(options);
  const events: AuditEvent[] = [];
  const errors: ManifestError[] = [];
  for (const file of audit.files) {
    const parsed = parseAuditLog(await readText(file, '--audit-log', 'CLI_USAGE'), file);
    events.push(...parsed.events);
    errors.push(...parsed.errors);
  }
  const { replayed, skipped } = await replayAuditEvents(events, {
    config,
    ...(options.namespaceAnnotations && { namespaceAnnotations: options.namespaceAnnotations }),
    ...(audit.namespace !== undefined && { namespace: audit.namespace }),
  });
  const report = toAuditReview(replayed, skipped);
  for (const error of errors) process.stderr.write(`${formatError(error)}\n`);
  process.stdout.write(formatAuditReport(report, options.output, audit.files.length));
  if (errors.length) return EXIT_INVALID;
  return anyWouldDeny(report) ? EXIT_DENIED : EXIT_ALLOWED;
}

async function review(options: ReviewOptions): Promise<number> {
  if (options.cluster) return reviewStored(options, options.cluster);
  if (options.auditLog) return reviewAudit(options, options.auditLog);
  const config = options.server ? undefined : await policyConfig(options);
  const ca = options.server?.ca === undefined ? undefined : await readText(options.server.ca, '--ca', 'CLI_USAGE');
  let stdin: Promise<string> | undefined;
  const read = { recursive: options.recursive, readStdin: () => (stdin ??= text(process.stdin)) };
  const input = await loadManifests(options.files, read);
  const old = options.old.length ? await loadManifests(options.old, read) : { documents: [], errors: [] };
  const errors = [...input.errors, ...old.errors];
  // As `kubectl apply` refuses "no objects passed to apply": an empty input is a mistake upstream.
  if (!input.documents.length && !input.errors.length) {
    const source = options.files.map((f) => (f === '-' ? 'stdin' : f)).join(', ');
    errors.push({ source, message: 'no objects to review' });
  }

  const entries: Entry[] = [];
  for (const planned of planReviews(input.documents, old.documents, options.namespace)) {
    if ('skipped' in planned) {
      entries.push(planned);
      continue;
    }
    const result = options.server
      ? await reviewOnServer(planned.target, {
          url: options.server.url,
          ...(ca !== undefined && { ca }),
          ...(options.server.tlsServerName !== undefined && { servername: options.server.tlsServerName }),
        })
      : await reviewOffline(planned.target, {
          config: config!,
          ...(options.namespaceAnnotations && { namespaceAnnotations: options.namespaceAnnotations }),
        });
    entries.push({ ...planned, review: result });
  }
  const report = formatReport(entries, errors, options.output);
  process.stderr.write(report.stderr);
  process.stdout.write(report.stdout);
  return toExitCode(entries, errors);
}

async function run(argv: readonly string[]): Promise<number> {
  const parsed = parseCommandLine(argv);
  switch (parsed.command) {
    case 'help':
      process.stdout.write(parsed.text);
      return 0;
    case 'crd': {
      const webApp = async () => (await import('../api/crd.ts')).renderCrdYaml();
      const mysql = async () => (await import('../api/mysqlcluster-crd.ts')).renderMySQLClusterCrdYaml();
      const renders = { webapp: [webApp], mysqlcluster: [mysql], all: [webApp, mysql] }[parsed.kind];
      // --kind all: one multi-document stream, as `kubectl apply -f crds/` reads the two files.
      process.stdout.write((await Promise.all(renders.map((render) => render()))).join('---\n'));
      return 0;
    }
    case 'manifests': {
      const { renderWebhookConfigurationsYaml } = await import('../manifests/webhook-configurations.ts');
      process.stdout.write(renderWebhookConfigurationsYaml());
      return 0;
    }
    case 'review':
      return review(parsed.options);
  }
}

// `shipshape review ... | head` closes the pipe early; that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (err) {
  const known = err instanceof CliError || err instanceof ConfigError;
  process.stderr.write(`shipshape: ${known ? err.message : ((err as Error).stack ?? String(err))}\n`);
  process.exitCode = EXIT_INVALID;
}
