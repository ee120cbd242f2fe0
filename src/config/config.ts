// Config: every setting parsed once, at start-up, from flags over environment over defaults.
// A bad value is a ConfigError naming the variable and flag; nothing starts.
import { z } from 'zod';
import { QUANTITY_PATTERN } from '../api/webapp.ts';
import { CodedError } from '../errors/coded-error.ts';
import type { PolicyConfig, ReconciledKind } from '../../webhooks/limits.ts';
import { MYSQL_VERSION_PATTERN } from '../api/mysqlcluster.ts';
import type { MySQLPolicyConfig } from '../../webhooks/mysql-policy-config.ts';
import { parseImageReference } from '../../webhooks/image-reference.ts';
import {
  DEFAULT_CA_RENEW_BEFORE_MS,
  DEFAULT_SERVING_RENEW_BEFORE_MS,
  type RotationSettings,
  rotationSettingsProblems,
} from '../tls/rotation-settings.ts';
import { SETTINGS } from './settings.ts';

// Settings arrive as text; zod's own message for "lots" would be "expected number, received NaN".
/** The kinds a replica can reconcile (--controllers); '' names none: admission only. */
export const CONTROLLERS = ['webapp', 'mysqlcluster'] as const satisfies readonly ReconciledKind[];

const number = () => z.coerce.number({ error: 'must be a number' });
const integer = () => number().int({ error: 'must be a whole number' });
const port = integer().min(1).max(65535);
const count = integer().min(0).max(2147483647);
const quantity = z.union([z.literal(''), z.string().regex(QUANTITY_PATTERN, 'must be a Kubernetes quantity')]);
const portList = z
  .string()
  .regex(/^[\d,\s]*$/, 'must be a comma-separated list of ports')
  .transform((s) =>
    s
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map(Number),
  )
  .pipe(z.array(z.number().int().min(1).max(65535)));

const dnsName = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS subdomain name');
/** An image repository without a tag or digest: what `<repository>:<version>` is a valid reference of. */
const imageRepository = z.string().refine((r) => parseImageReference(`${r}:0`)?.name === r, {
  error: 'must be an image repository without a tag or digest, such as mysql or registry.example/db/mysql',
});

export const configSchema = z
  .object({
    host: z.string().min(1),
    port,
    metricsPort: integer().min(0).max(65535),
    tlsCertFile: z.string().min(1),
    tlsKeyFile: z.string().min(1),
    tlsCaFile: z.string(),
    tlsRenewBeforeSeconds: number().min(0),
    caRenewBeforeSeconds: number().min(0),
    requireCaBundle: z.enum(['true', 'false']).transform((v) => v === 'true'),
    clientCaFile: z.string(),
    certificates: z.enum(['files', 'self-managed'], { error: 'must be files or self-managed' }),
    tlsSecret: dnsName,
    webhookService: z.string().regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label'),
    caLifetimeSeconds: number().positive(),
    tlsLifetimeSeconds: number().positive(),
    certificateCheckIntervalSeconds: number().positive(),
    certificateSettleSeconds: number().min(0),
    certificateBackdateSeconds: number().min(0),
    bodyLimitBytes: integer().min(1024),
    conversionBodyLimitBytes: integer().min(1024),
    requestTimeoutSeconds: number().positive(),
    minReplicas: count,
    maxReplicas: count,
    minPort: port,
    maxPort: port,
    deniedPorts: portList,
    minServicePort: port,
    maxServicePort: port,
    enforcement: z.enum(['warn', 'enforce'], { error: 'must be warn or enforce' }),
    defaultCpuRequest: quantity,
    defaultMemoryRequest: quantity,
    defaultCpuLimit: quantity,
    defaultMemoryLimit: quantity,
    mysqlDefaultVersion: z.string().regex(MYSQL_VERSION_PATTERN, 'must be a MySQL version such as 8.4 or 8.0.36'),
    mysqlImageRepository: imageRepository,
    mysqlDefaultStorageSize: z.string().regex(QUANTITY_PATTERN, 'must be a Kubernetes quantity'),
    mysqlStorageClass: z.union([z.literal(''), dnsName]),
    mysqlDefaultCpuRequest: quantity,
    mysqlDefaultMemoryRequest: quantity,
    mysqlDefaultCpuLimit: quantity,
    mysqlDefaultMemoryLimit: quantity,
    mysqlMaxReplicas: count,
    mysqlMaxStoragePerCluster: z.string().regex(QUANTITY_PATTERN, 'must be a Kubernetes quantity'),
    controllers: z
      .string()
      .transform((v) => (v.trim() === '' ? [] : v.split(',').map((c) => c.trim())))
      .pipe(
        z
          .array(z.enum(CONTROLLERS, { error: `each must be one of ${CONTROLLERS.join(', ')}` }))
          .refine((l) => new Set(l).size === l.length, 'must not name a kind twice'),
      ),
    workers: integer().min(1).max(64),
    resyncSeconds: integer().min(1),
    apiTimeoutSeconds: number().positive(),
    leaderElection: z.enum(['true', 'false']).transform((v) => v === 'true'),
    leaseName: dnsName,
    leaseDurationSeconds: number().positive(),
    renewDeadlineSeconds: number().positive(),
    retryPeriodSeconds: number().positive(),
    namespace: z.string().min(1),
    podName: z.string().min(1),
    serviceAccountDir: z.string().min(1),
    shutdownDelaySeconds: number().min(0),
    shutdownTimeoutSeconds: number().positive(),
    heapWarningRatio: number().min(0).max(1),
    memoryWarningRatio: number().min(0).max(1),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']),
  })
  .refine((c) => c.minReplicas <= c.maxReplicas, { path: ['maxReplicas'], message: 'must be >= min replicas' })
  .refine((c) => c.minPort <= c.maxPort, { path: ['maxPort'], message: 'must be >= min port' })
  .refine((c) => c.minServicePort <= c.maxServicePort, { path: ['maxServicePort'], message: 'must be >= min' })
  // client-go's rule: the leader must give up (renew deadline) before anyone may take over (lease
  // duration), and must get more than one retry in before its deadline.
  .refine((c) => c.leaseDurationSeconds > c.renewDeadlineSeconds, {
    path: ['leaseDurationSeconds'],
    message: 'must be greater than the renew deadline',
  })
  .refine((c) => c.renewDeadlineSeconds > 1.2 * c.retryPeriodSeconds, {
    path: ['renewDeadlineSeconds'],
    message: 'must be greater than 1.2 x the retry period',
  })
  // Self-managed certificates renew in time only with windows that cover a missed check, the
  // settle wait and the clock skew (src/tls/rotation-settings.ts says why).
  .superRefine((c, ctx) => {
    if (c.certificates !== 'self-managed') return;
    for (const problem of rotationSettingsProblems(toRotationSettings(c)))
      ctx.addIssue({ code: 'custom', path: ['certificates'], message: `self-managed: ${problem}` });
  });

export type Config = z.infer<typeof configSchema>;

/** A setting that cannot be used; the message is printed as it is (`shipshape: <message>`). */
export class ConfigError extends CodedError<'CONFIG_INVALID'> {
  static override readonly codeInMessage = false;
  constructor(message: string, options?: ErrorOptions) {
    super('CONFIG_INVALID', message, options);
  }
}

/** `--help` was given: the caller prints usage() and exits 0. */
export type ParsedArgs = { help: true } | { help: false; config: Config };

/**
 * Parses flags (`--max-replicas 20` or `--max-replicas=20`) over environment variables over
 * defaults. Throws ConfigError listing every bad or unknown setting.
 */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedArgs {
  const raw: Record<string, string> = {};
  for (const s of SETTINGS) raw[s.key] = env[s.env] ?? s.default;
  const errors: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return { help: true };
    const [flag, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    const setting = SETTINGS.find((s) => s.flag === flag);
    if (!setting) {
      errors.push(`unknown argument ${arg}`);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) errors.push(`${flag} needs a value`);
    else raw[setting.key] = value;
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const s = SETTINGS.find((x) => x.key === issue.path[0]);
      errors.push(s ? `${s.env} (${s.flag}) = "${raw[s.key]}": ${issue.message}` : issue.message);
    }
  }
  if (errors.length || !result.success) throw new ConfigError(`invalid configuration:\n  ${errors.join('\n  ')}`);
  return { help: false, config: result.data };
}

/** The policies' view of Config. */
export function toPolicyConfig(config: Config): PolicyConfig {
  const list = (cpu: string, memory: string) =>
    cpu || memory ? { ...(cpu && { cpu }), ...(memory && { memory }) } : undefined;
  const requests = list(config.defaultCpuRequest, config.defaultMemoryRequest);
  const limits = list(config.defaultCpuLimit, config.defaultMemoryLimit);
  return {
    limits: {
      minReplicas: config.minReplicas,
      maxReplicas: config.maxReplicas,
      minPort: config.minPort,
      maxPort: config.maxPort,
      deniedPorts: config.deniedPorts,
      minServicePort: config.minServicePort,
      maxServicePort: config.maxServicePort,
    },
    ...((requests || limits) && { defaultResources: { ...(requests && { requests }), ...(limits && { limits }) } }),
    ...(config.enforcement === 'warn' && { enforcement: 'warn' as const }),
    mysql: toMySQLPolicyConfig(config),
    // Absent when every kind is reconciled (the default): the policies read that as every kind.
    ...(config.controllers.length < CONTROLLERS.length && { reconciledKinds: config.controllers }),
  };
}

/** The MySQLCluster policies' view of Config (issue #36); PolicyConfig.mysql carries it. */
export function toMySQLPolicyConfig(config: Config): MySQLPolicyConfig {
  const list = (cpu: string, memory: string) =>
    cpu || memory ? { ...(cpu && { cpu }), ...(memory && { memory }) } : undefined;
  const requests = list(config.mysqlDefaultCpuRequest, config.mysqlDefaultMemoryRequest);
  const limits = list(config.mysqlDefaultCpuLimit, config.mysqlDefaultMemoryLimit);
  return {
    defaultVersion: config.mysqlDefaultVersion,
    imageRepository: config.mysqlImageRepository,
    defaultStorageSize: config.mysqlDefaultStorageSize,
    ...(config.mysqlStorageClass && { storageClassName: config.mysqlStorageClass }),
    defaultResources: { ...(requests && { requests }), ...(limits && { limits }) },
    limits: { maxReplicas: config.mysqlMaxReplicas, maxStoragePerCluster: config.mysqlMaxStoragePerCluster },
  };
}

type RotationFields =
  | 'caLifetimeSeconds'
  | 'caRenewBeforeSeconds'
  | 'tlsLifetimeSeconds'
  | 'tlsRenewBeforeSeconds'
  | 'certificateCheckIntervalSeconds'
  | 'certificateSettleSeconds'
  | 'certificateBackdateSeconds';

/** The self-managed certificates' view of Config: a renew-before of 0 takes the default. */
export function toRotationSettings(c: Pick<Config, RotationFields>): RotationSettings {
  return {
    caLifetimeMs: c.caLifetimeSeconds * 1000,
    caRenewBeforeMs: c.caRenewBeforeSeconds > 0 ? c.caRenewBeforeSeconds * 1000 : DEFAULT_CA_RENEW_BEFORE_MS,
    servingLifetimeMs: c.tlsLifetimeSeconds * 1000,
    servingRenewBeforeMs:
      c.tlsRenewBeforeSeconds > 0 ? c.tlsRenewBeforeSeconds * 1000 : DEFAULT_SERVING_RENEW_BEFORE_MS,
    checkIntervalMs: c.certificateCheckIntervalSeconds * 1000,
    settleMs: c.certificateSettleSeconds * 1000,
    backdateMs: c.certificateBackdateSeconds * 1000,
  };
}

/**
 * The policies' view of the defaults (no flag, no environment variable), parsed as the server
 * parses them: what the CLI judges by when given no settings.
 */
export function defaultPolicyConfig(): PolicyConfig {
  const parsed = parseConfig([], {});
  if (parsed.help) throw new Error('unreachable: parseConfig([]) cannot ask for help');
  return toPolicyConfig(parsed.config);
}

export function usage(): string {
  const rows = SETTINGS.map(
    (s) => `  ${s.flag.padEnd(28)} ${s.env.padEnd(34)} ${s.description} (default: ${s.default || 'none'})`,
  );
  return [
    'Usage: shipshape-server [flags]',
    '',
    'Runs the Shipshape admission webhooks (and, on the leader, the WebApp reconciler).',
    'Every flag can also be given as the environment variable beside it; flags win.',
    'The Kubernetes connection follows KUBECONFIG, else the in-cluster service account.',
    '',
    ...rows,
    '',
    'Example: KUBECONFIG=~/.kube/config npm start -- --tls-cert-file certs/dev/tls.crt --tls-key-file certs/dev/tls.key',
  ].join('\n');
}
