// The limits the validating webhook enforces, their defaults, and per-namespace overrides read from
// Namespace annotations. A malformed annotation is ignored with a warning, never a crash or a zero.
import { ANNOTATION_PREFIX } from '../src/constants.ts';
import type { ResourceList } from '../src/api/webapp.ts';
import type { MySQLPolicyConfig } from './mysql-policy-config.ts';

export type Limits = {
  minReplicas: number;
  maxReplicas: number;
  minPort: number;
  maxPort: number;
  /** Container ports refused even inside [minPort, maxPort]. */
  deniedPorts: number[];
  minServicePort: number;
  maxServicePort: number;
};

export const DEFAULT_LIMITS: Limits = Object.freeze({
  minReplicas: 1,
  maxReplicas: 10,
  minPort: 1024,
  maxPort: 65535,
  deniedPorts: [],
  minServicePort: 1,
  maxServicePort: 65535,
}) as Limits;

/** What the policies read besides the request. Built once from Config in src/main.ts. */
export type PolicyConfig = {
  limits: Limits;
  /** Resources the mutating webhook fills in when a WebApp has none; absent means none. */
  defaultResources?: { requests?: ResourceList; limits?: ResourceList };
  /** warn: limit violations are admitted with a warning (webhooks/enforcement.ts); absent: enforce. */
  enforcement?: 'warn' | 'enforce';
  /** MySQLCluster's defaults and limits (issue #36); absent: DEFAULT_MYSQL_POLICY_CONFIG. WebApp's policies ignore it. */
  mysql?: MySQLPolicyConfig;
  /**
   * The kinds this process reconciles (--controllers). Only their defaulters add the controller's
   * finalizer: on a kind no replica of this server reconciles, nothing would remove it and deleting
   * the object (or its Namespace) would hang. Absent: every kind, as the default server.
   */
  reconciledKinds?: readonly ReconciledKind[];
};

/** A kind a replica can reconcile, as --controllers names it. */
export type ReconciledKind = 'webapp' | 'mysqlcluster';

/** Whether `config`'s process reconciles `kind`, so its defaulter adds the finalizer. */
export function reconciles(config: PolicyConfig, kind: ReconciledKind): boolean {
  return config.reconciledKinds === undefined || config.reconciledKinds.includes(kind);
}

/** Namespace annotations and the limit each overrides. */
export const OVERRIDE_ANNOTATIONS = {
  [`${ANNOTATION_PREFIX}min-replicas`]: 'minReplicas',
  [`${ANNOTATION_PREFIX}max-replicas`]: 'maxReplicas',
  [`${ANNOTATION_PREFIX}min-port`]: 'minPort',
  [`${ANNOTATION_PREFIX}max-port`]: 'maxPort',
  [`${ANNOTATION_PREFIX}denied-ports`]: 'deniedPorts',
} as const satisfies Record<string, keyof Limits>;

const BOUNDS: Record<string, [number, number]> = {
  minReplicas: [0, 2147483647],
  maxReplicas: [0, 2147483647],
  minPort: [1, 65535],
  maxPort: [1, 65535],
  deniedPorts: [1, 65535],
};

function parseInteger(text: string, [min, max]: [number, number]): number | undefined {
  if (!/^\s*\d+\s*$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
}

const OVERRIDES = Object.entries(OVERRIDE_ANNOTATIONS);

/**
 * Applies a Namespace's override annotations to `base`. Returns the effective limits and one
 * warning per annotation that was ignored (not an integer in range, or a min above its max). The
 * limits are `base` itself when no override annotation is set (nearly every Namespace, on every
 * AdmissionReview): read them, never change them.
 */
export function applyNamespaceOverrides(
  base: Limits,
  annotations: Record<string, string> | undefined,
): { limits: Limits; warnings: string[] } {
  if (annotations === undefined || OVERRIDES.every(([annotation]) => annotations[annotation] === undefined)) {
    return { limits: base, warnings: [] };
  }
  const limits: Limits = { ...base, deniedPorts: [...base.deniedPorts] };
  const warnings: string[] = [];
  for (const [annotation, key] of OVERRIDES) {
    const text = annotations?.[annotation];
    if (text === undefined) continue;
    const bounds = BOUNDS[key]!;
    if (key === 'deniedPorts') {
      const parts = text
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
      const ports = parts.map((p) => parseInteger(p, bounds));
      if (ports.some((p) => p === undefined)) {
        warnings.push(`namespace annotation ${annotation}="${text}" is not a comma-separated list of ports; ignored`);
      } else {
        limits.deniedPorts = ports as number[];
      }
      continue;
    }
    const value = parseInteger(text, bounds);
    if (value === undefined) {
      warnings.push(
        `namespace annotation ${annotation}="${text}" is not an integer in [${bounds[0]}, ${bounds[1]}]; using ${limits[key]}`,
      );
    } else {
      limits[key] = value;
    }
  }
  for (const [min, max] of [
    ['minReplicas', 'maxReplicas'],
    ['minPort', 'maxPort'],
  ] as const) {
    if (limits[min] > limits[max]) {
      warnings.push(`namespace overrides give ${min} ${limits[min]} above ${max} ${limits[max]}; using the defaults`);
      limits[min] = base[min];
      limits[max] = base[max];
    }
  }
  return { limits, warnings };
}
