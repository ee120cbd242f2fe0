// The command line, parsed into what main.ts runs. Pure: a bad command line is a CliError
// ('CLI_USAGE'), which main.ts prints with a pointer to --help and exits 2 for.
import { parseArgs } from 'node:util';
import { ANNOTATION_PREFIX } from '../constants.ts';
import { ENFORCEMENT_ANNOTATION } from '../../webhooks/enforcement.ts';
import { OVERRIDE_ANNOTATIONS } from '../../webhooks/limits.ts';
import { MYSQL_MAX_REPLICAS_ANNOTATION, MYSQL_MAX_STORAGE_ANNOTATION } from '../../webhooks/mysql-policy-config.ts';
import { CliError } from './cli-error.ts';
import { CRD_HELP, MAIN_HELP, MANIFESTS_HELP, REVIEW_HELP } from './help.ts';
import { OUTPUT_FORMATS, type OutputFormat } from './report.ts';

export type ReviewOptions = {
  files: string[];
  old: string[];
  recursive: boolean;
  namespace: string;
  output: OutputFormat;
  config?: string;
  namespaceAnnotations?: Record<string, string>;
  server?: { url: string; ca?: string; tlsServerName?: string };
  /**
   * --cluster: the stored WebApps are reviewed instead of files. `namespace` undefined with
   * `allNamespaces` false: the kubeconfig context's namespace.
   */
  cluster?: { allNamespaces: boolean; namespace?: string; kubeconfig?: string };
  /** --audit-log: the WebApp writes these audit logs recorded are replayed; `namespace` filters. */
  auditLog?: { files: string[]; namespace?: string };
};

/** Which CRD `shipshape crd` prints: --kind, WebApp's by default (the command as it always was). */
export const CRD_KINDS = ['webapp', 'mysqlcluster', 'all'] as const;
export type CrdKind = (typeof CRD_KINDS)[number];

export type Command =
  | { command: 'help'; text: string }
  | { command: 'review'; options: ReviewOptions }
  | { command: 'crd'; kind: CrdKind }
  | { command: 'manifests' };

function usage(message: string, command?: string): CliError {
  const help = command ? `shipshape ${command} --help` : 'shipshape --help';
  return new CliError('CLI_USAGE', `${message}\nRun "${help}" for usage and examples.`);
}

/**
 * parseArgs' own errors (unknown flag, missing value) as usage errors of `command`. An unknown
 * flag gets a message of our own: Node's ends in unbalanced quotes (`as in '-- "--frobnicate"`)
 * and suggests a positional argument, which no command here takes.
 */
function parse<T>(command: string, parser: () => T): T {
  try {
    return parser();
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    const unknown = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /^Unknown option '([^']*)'/.exec(message) : null;
    throw usage(unknown ? `unknown flag "${unknown[1]}"` : message, command);
  }
}

const helpFlag = { type: 'boolean', short: 'h' } as const;

/** The Namespace annotations the policies read: the limits' overrides (WebApp's, MySQLCluster's) and the enforcement mode. */
export const NAMESPACE_ANNOTATIONS: readonly string[] = [
  ...Object.keys(OVERRIDE_ANNOTATIONS),
  MYSQL_MAX_REPLICAS_ANNOTATION,
  MYSQL_MAX_STORAGE_ANNOTATION,
  ENFORCEMENT_ANNOTATION,
];

/**
 * "max-replicas=20,shipshape.dev/denied-ports=9090,9443" → annotations. A part without "=" continues
 * the previous value, so comma-separated ports need no quoting; the prefix may be left out.
 */
export function parseNamespaceAnnotations(values: readonly string[]): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const value of values) {
    let key: string | undefined;
    for (const part of value.split(',')) {
      const eq = part.indexOf('=');
      if (eq === -1) {
        if (key === undefined) throw usage(`--namespace-annotations: expected key=value, got "${value}"`, 'review');
        annotations[key] += `,${part}`;
        continue;
      }
      const name = part.slice(0, eq).trim();
      key = name.includes('/') ? name : `${ANNOTATION_PREFIX}${name}`;
      if (!NAMESPACE_ANNOTATIONS.includes(key)) {
        const known = NAMESPACE_ANNOTATIONS.join(', ');
        throw usage(`--namespace-annotations: "${name}" overrides no limit; known: ${known}`, 'review');
      }
      annotations[key] = part.slice(eq + 1);
    }
  }
  return annotations;
}

function parseReview(args: string[]): Command {
  const { values, positionals } = parse('review', () =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        help: helpFlag,
        filename: { type: 'string', short: 'f', multiple: true },
        recursive: { type: 'boolean', short: 'R' },
        old: { type: 'string', multiple: true },
        namespace: { type: 'string', short: 'n' },
        output: { type: 'string', short: 'o' },
        config: { type: 'string' },
        'namespace-annotations': { type: 'string', multiple: true },
        server: { type: 'string' },
        ca: { type: 'string' },
        'tls-server-name': { type: 'string' },
        cluster: { type: 'boolean' },
        'all-namespaces': { type: 'boolean', short: 'A' },
        kubeconfig: { type: 'string' },
        'audit-log': { type: 'string', multiple: true },
      },
    }),
  );
  if (values.help) return { command: 'help', text: REVIEW_HELP };
  if (positionals.length) throw usage(`unexpected argument "${positionals[0]}"; name files with -f`, 'review');
  const source = values.cluster ? '--cluster' : values['audit-log']?.length ? '--audit-log' : undefined;
  if (values.cluster && values['audit-log']?.length) throw usage('--cluster and --audit-log: give one', 'review');
  if (source) return parseSourceReview(source, values);
  for (const flag of ['all-namespaces', 'kubeconfig'] as const) {
    if (values[flag] !== undefined) throw usage(`--${flag} needs --cluster or --audit-log`, 'review');
  }
  if (!values.filename?.length) throw usage('no manifests: give -f FILE, -f DIR or -f - (stdin)', 'review');
  const output = values.output ?? 'diff';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(output)) {
    throw usage(`-o ${output}: expected one of ${OUTPUT_FORMATS.join(', ')}`, 'review');
  }
  for (const flag of ['ca', 'tls-server-name'] as const) {
    if (values.server === undefined && values[flag] !== undefined) throw usage(`--${flag} needs --server`, 'review');
  }
  if (values.server !== undefined) {
    let url: URL;
    try {
      url = new URL(values.server);
    } catch {
      throw usage(`--server ${values.server}: not a URL`, 'review');
    }
    if (url.protocol !== 'https:') throw usage(`--server ${values.server}: Shipshape serves HTTPS only`, 'review');
    for (const flag of ['config', 'namespace-annotations'] as const) {
      if (values[flag] !== undefined) {
        throw usage(`--${flag} applies offline only; the server uses its own settings and namespaces`, 'review');
      }
    }
  }
  const namespace = values.namespace ?? 'default';
  if (!namespace) throw usage('--namespace: empty', 'review');
  return {
    command: 'review',
    options: {
      files: values.filename,
      old: values.old ?? [],
      recursive: values.recursive ?? false,
      namespace,
      output: output as OutputFormat,
      ...(values.config !== undefined && { config: values.config }),
      ...(values['namespace-annotations'] && {
        namespaceAnnotations: parseNamespaceAnnotations(values['namespace-annotations']),
      }),
      ...(values.server !== undefined && {
        server: {
          url: values.server,
          ...(values.ca !== undefined && { ca: values.ca }),
          ...(values['tls-server-name'] !== undefined && { tlsServerName: values['tls-server-name'] }),
        },
      }),
    },
  };
}

type ReviewValues = {
  filename?: string[];
  old?: string[];
  namespace?: string;
  output?: string;
  config?: string;
  'namespace-annotations'?: string[];
  server?: string;
  'all-namespaces'?: boolean;
  kubeconfig?: string;
  'audit-log'?: string[];
};

/** `review --cluster` and `review --audit-log`: no files; settings from --config. */
function parseSourceReview(source: '--cluster' | '--audit-log', values: ReviewValues): Command {
  for (const flag of ['filename', 'old', 'server'] as const) {
    if (values[flag] !== undefined) throw usage(`--${flag} does not go with ${source}`, 'review');
  }
  if (values['all-namespaces'] && values.namespace !== undefined) throw usage('-n and -A: give one', 'review');
  if (values.namespace === '') throw usage('--namespace: empty', 'review');
  const output = values.output ?? 'diff';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(output)) {
    throw usage(`-o ${output}: expected one of ${OUTPUT_FORMATS.join(', ')}`, 'review');
  }
  const namespace = values.namespace !== undefined && { namespace: values.namespace };
  const common = {
    files: [],
    old: [],
    recursive: false,
    namespace: values.namespace ?? 'default',
    output: output as OutputFormat,
    ...(values.config !== undefined && { config: values.config }),
  };
  if (source === '--cluster') {
    if (values['namespace-annotations'] !== undefined) {
      throw usage('--namespace-annotations does not go with --cluster: the Namespaces are read', 'review');
    }
    const cluster = {
      allNamespaces: values['all-namespaces'] ?? false,
      ...namespace,
      ...(values.kubeconfig !== undefined && { kubeconfig: values.kubeconfig }),
    };
    return { command: 'review', options: { ...common, cluster } };
  }
  if (values.kubeconfig !== undefined) throw usage('--kubeconfig needs --cluster', 'review');
  return {
    command: 'review',
    options: {
      ...common,
      ...(values['namespace-annotations'] && {
        namespaceAnnotations: parseNamespaceAnnotations(values['namespace-annotations']),
      }),
      auditLog: { files: values['audit-log'] ?? [], ...namespace },
    },
  };
}

function parseManifests(args: string[]): Command {
  const { values, positionals } = parse('manifests', () =>
    parseArgs({ args, allowPositionals: true, options: { help: helpFlag } }),
  );
  if (values.help) return { command: 'help', text: MANIFESTS_HELP };
  if (positionals.length) throw usage(`unexpected argument "${positionals[0]}"`, 'manifests');
  return { command: 'manifests' };
}

/** `crd [--kind webapp|mysqlcluster|all]`; the kind's name in any case (WebApp, MySQLCluster). */
function parseCrd(args: string[]): Command {
  const { values, positionals } = parse('crd', () =>
    parseArgs({ args, allowPositionals: true, options: { help: helpFlag, kind: { type: 'string' } } }),
  );
  if (values.help) return { command: 'help', text: CRD_HELP };
  if (positionals.length) throw usage(`unexpected argument "${positionals[0]}"`, 'crd');
  const kind = (values.kind ?? 'webapp').toLowerCase();
  if (!(CRD_KINDS as readonly string[]).includes(kind)) {
    throw usage(`--kind ${values.kind}: expected one of ${CRD_KINDS.join(', ')}`, 'crd');
  }
  return { command: 'crd', kind: kind as CrdKind };
}

/** Parses `shipshape <command> [flags]` (argv without node and the script). Throws CliError. */
export function parseCommandLine(argv: readonly string[]): Command {
  const [command, ...args] = argv;
  switch (command) {
    case 'review':
      return parseReview(args);
    case 'crd':
      return parseCrd(args);
    case 'manifests':
      return parseManifests(args);
    case 'help':
      // `shipshape help review` is `shipshape review --help`.
      return args[0] ? parseCommandLine([args[0], '--help']) : { command: 'help', text: MAIN_HELP };
    case '--help':
    case '-h':
      return { command: 'help', text: MAIN_HELP };
    case undefined:
      throw usage('no command given');
    default:
      throw usage(`unknown command "${command}"`);
  }
}
