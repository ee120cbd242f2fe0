// What the MySQLCluster policies read besides the request (issue #36): the defaults the mutating
// webhook fills in and the limits the validating webhook enforces, with the Namespace annotations
// that override those limits. Built once from Config (src/config/config.ts, toPolicyConfig) and
// carried in PolicyConfig.mysql, so the server, the reconciler and the CLI pass the one context
// they already pass for WebApp. A malformed annotation is ignored with a warning, never a crash.
import { ANNOTATION_PREFIX } from '../src/constants.ts';
import type { ResourceList } from '../src/api/webapp.ts';
import { parseQuantity } from './quantity.ts';

export type MySQLLimits = {
  /** The most members one cluster may have. */
  maxReplicas: number;
  /** The most storage one cluster may claim: replicas x storage.size (a quantity). */
  maxStoragePerCluster: string;
};

export type MySQLPolicyConfig = {
  /** spec.version when omitted. */
  defaultVersion: string;
  /** spec.image when omitted is `<imageRepository>:<version>`; no registry host is assumed. */
  imageRepository: string;
  /** spec.storage.size when omitted. */
  defaultStorageSize: string;
  /** spec.storage.storageClassName when omitted; undefined: none (the cluster's default class). */
  storageClassName?: string;
  /** Requests and limits filled in per resource when a cluster leaves them out. */
  defaultResources: { requests?: ResourceList; limits?: ResourceList };
  limits: MySQLLimits;
};

/** The defaults, as the settings' defaults (src/config/settings.ts) give them. */
export const DEFAULT_MYSQL_POLICY_CONFIG: MySQLPolicyConfig = Object.freeze({
  defaultVersion: '8.4',
  imageRepository: 'mysql',
  defaultStorageSize: '10Gi',
  defaultResources: Object.freeze({
    requests: Object.freeze({ cpu: '500m', memory: '1Gi' }),
    limits: Object.freeze({ memory: '1Gi' }),
  }),
  limits: Object.freeze({ maxReplicas: 5, maxStoragePerCluster: '500Gi' }),
}) as MySQLPolicyConfig;

export const MYSQL_MAX_REPLICAS_ANNOTATION = `${ANNOTATION_PREFIX}mysql-max-replicas`;
export const MYSQL_MAX_STORAGE_ANNOTATION = `${ANNOTATION_PREFIX}mysql-max-storage-per-cluster`;

/**
 * The limits a Namespace's annotations make from `base`, and one warning per annotation ignored
 * (not an integer in range, not a quantity). `base` itself when neither annotation is set.
 */
export function applyMySQLOverrides(
  base: MySQLLimits,
  annotations: Record<string, string> | undefined,
): { limits: MySQLLimits; warnings: string[] } {
  const replicasText = annotations?.[MYSQL_MAX_REPLICAS_ANNOTATION];
  const storageText = annotations?.[MYSQL_MAX_STORAGE_ANNOTATION];
  if (replicasText === undefined && storageText === undefined) return { limits: base, warnings: [] };
  const limits = { ...base };
  const warnings: string[] = [];
  if (replicasText !== undefined) {
    const n = /^\s*\d+\s*$/.test(replicasText) ? Number(replicasText) : NaN;
    if (Number.isSafeInteger(n) && n <= 2147483647) limits.maxReplicas = n;
    else
      warnings.push(
        `namespace annotation ${MYSQL_MAX_REPLICAS_ANNOTATION}="${replicasText}" is not an integer in [0, 2147483647]; using ${base.maxReplicas}`,
      );
  }
  if (storageText !== undefined) {
    const text = storageText.trim();
    if (isQuantity(text)) limits.maxStoragePerCluster = text;
    else
      warnings.push(
        `namespace annotation ${MYSQL_MAX_STORAGE_ANNOTATION}="${storageText}" is not a quantity such as 200Gi; using ${base.maxStoragePerCluster}`,
      );
  }
  return { limits, warnings };
}

/** A non-negative Kubernetes quantity. */
function isQuantity(text: string): boolean {
  try {
    return parseQuantity(text) >= 0;
  } catch {
    return false;
  }
}
