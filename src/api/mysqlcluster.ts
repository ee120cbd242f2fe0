// The MySQLCluster API (issue #36): a namespaced, stateful kind beside WebApp, in the same group.
// One zod schema is the source of the TypeScript type, the structural checks of its validating
// webhook and the CRD's OpenAPI v3 schema, as for WebApp (src/api/webapp.ts). Absolute bounds live
// here; configurable limits (replicas, storage per cluster) live in the policies, because a
// Namespace may raise them and the CRD must not.
// Served at v1alpha1: a new kind whose shape may still change before it is promised.
import { z } from 'zod';
import { API_GROUP } from '../constants.ts';
import { conditionSchema, objectMetaSchema, quantitySchema, resourceListSchema } from './webapp.ts';

export const MYSQLCLUSTER_VERSION = 'v1alpha1';
export const MYSQLCLUSTER_API_VERSION = `${API_GROUP}/${MYSQLCLUSTER_VERSION}`;
export const MYSQLCLUSTER_KIND = 'MySQLCluster';
export const MYSQLCLUSTER_LIST_KIND = 'MySQLClusterList';
export const MYSQLCLUSTER_PLURAL = 'mysqlclusters';
export const MYSQLCLUSTER_SINGULAR = 'mysqlcluster';
export const MYSQLCLUSTER_SHORT_NAMES = ['mysql'];
export const MYSQLCLUSTER_CRD_NAME = `${MYSQLCLUSTER_PLURAL}.${API_GROUP}`;

/** A MySQL server version: major.minor, or major.minor.patch (8.4, 8.0.36). */
export const MYSQL_VERSION_PATTERN = /^(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})(\.(0|[1-9][0-9]{0,3}))?$/;

/** What deleting the MySQLCluster does with its data's PersistentVolumeClaims (and root password). */
export const CLAIM_RETENTION = ['Retain', 'Delete'] as const;

/** A server setting's name, as my.cnf's [mysqld] section takes it (letters, digits, '_', '-'). */
export const SERVER_SETTING_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * A server setting's value, written verbatim after `name = ` (src/mysql/server-config.ts): no
 * control character, so no line break that would start a `[section]` or an `!include` of the
 * value's choosing, and no `#`. MySQL's option files start a comment at a `#` anywhere on a line
 * unless the value is quoted ("Using Option Files" in the MySQL manual), so `#` would silently cut
 * the value short; a value the user quotes themselves would be safe, but telling a quoted `#` from
 * an unquoted one is the option reader's rule, not ours to copy, and no server setting needs one.
 */
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
export const SERVER_SETTING_VALUE_PATTERN = /^[^\x00-\x1f\x7f#]*$/;

export const mysqlClusterSpecSchema = z.strictObject({
  version: z
    .string()
    .regex(MYSQL_VERSION_PATTERN, { error: 'must be a MySQL version such as 8.4 or 8.0.36' })
    .optional()
    .describe('MySQL server version (major.minor or major.minor.patch); defaulted by the webhook; never lowered'),
  image: z
    .string()
    .min(1)
    .optional()
    .describe("The server's image; defaulted to the configured repository tagged with spec.version"),
  replicas: z.int32().min(1).optional().describe('Database Pods; defaulted to 1, limited by the validating webhook'),
  storage: z
    .strictObject({
      size: quantitySchema.optional().describe("Each member's data volume; defaulted; may only grow"),
      storageClassName: z
        .string()
        .min(1)
        .optional()
        .describe("The data volumes' StorageClass; defaulted from the settings when one is set; immutable"),
      claimRetention: z
        .enum(CLAIM_RETENTION)
        .optional()
        .describe(
          'Retain (the default) keeps the data claims and the root password Secret when the MySQLCluster is deleted; Delete removes the claims (the Secret stays: Shipshape deletes no Secret)',
        ),
    })
    .optional()
    .describe('The data volumes, one PersistentVolumeClaim per member'),
  resources: z
    .strictObject({
      requests: resourceListSchema.optional().describe('What each member is guaranteed: cpu and memory quantities'),
      limits: resourceListSchema.optional().describe('The most each member may use: cpu and memory quantities'),
    })
    .optional()
    .describe('CPU and memory requests and limits of each member; defaulted'),
  settings: z
    .record(
      z.string().regex(SERVER_SETTING_PATTERN),
      z.string().regex(SERVER_SETTING_VALUE_PATTERN, {
        error:
          "must not contain '#' or a control character such as a line break: my.cnf would read '#' as a comment and a line break as a new line",
      }),
    )
    .optional()
    .describe(
      "Server settings, written to the [mysqld] section of the members' my.cnf (a ConfigMap); a value holds no '#' and no control character (no line break)",
    ),
});

export const MYSQL_PHASES = ['Pending', 'Running', 'Failed'] as const;
export const mysqlClusterStatusSchema = z.object({
  phase: z.enum(MYSQL_PHASES).optional().describe('Running when Ready, Failed when Degraded, else Pending'),
  replicas: z.int32().optional().describe("Members, from the StatefulSet's status"),
  readyReplicas: z.int32().optional().describe("Ready members, from the StatefulSet's status"),
  currentVersion: z.string().optional().describe('The version every member runs, once a rollout completes'),
  observedGeneration: z.int().optional().describe('The generation of the spec last reconciled'),
  conditions: z.array(conditionSchema).optional().describe('Ready, Progressing, Degraded and WithinLimits'),
  message: z.string().optional().describe("Degraded's message when degraded, else Ready's"),
});

export const mysqlClusterSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: objectMetaSchema,
  spec: mysqlClusterSpecSchema,
  status: mysqlClusterStatusSchema.optional(),
});

export type MySQLClusterSpec = z.infer<typeof mysqlClusterSpecSchema>;
export type MySQLClusterStatus = z.infer<typeof mysqlClusterStatusSchema>;
export type MySQLCluster = z.infer<typeof mysqlClusterSchema>;
export type ClaimRetention = (typeof CLAIM_RETENTION)[number];

/** A MySQLCluster after the mutating webhook: every field the children are built from is set. */
export type DefaultedMySQLCluster = MySQLCluster & {
  spec: {
    version: string;
    image: string;
    replicas: number;
    storage: { size: string | number; storageClassName?: string; claimRetention: ClaimRetention };
    resources: NonNullable<MySQLClusterSpec['resources']>;
    settings: Record<string, string>;
  };
};

/**
 * What the reconciler builds a MySQLCluster's children from: the webhook's own policies called on
 * the stored object (webhooks/judge-mysqlcluster.ts). `limitExceeded` reports a configurable limit
 * the spec exceeds (built all the same: admission ratchets it); `invalid` a spec that cannot be built.
 */
export type MySQLDesired = { limitExceeded?: string } & (
  { invalid: string; cluster?: undefined } | { invalid?: undefined; cluster: DefaultedMySQLCluster }
);

/**
 * mysqlClusterSchema compiled ahead of time, as compiledWebAppSchema is (src/api/webapp.ts): the
 * admission checks and the reconciler's judging parse with it; the CRD is rendered from
 * mysqlClusterSchema itself.
 */
export const compiledMySQLClusterSchema = z.compile(mysqlClusterSchema);
