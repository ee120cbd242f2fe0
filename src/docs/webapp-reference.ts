// The WebApp field reference (the `webapp-api` generated block, in docs/api.md): one row per field
// of the CRD's openAPIV3Schema as src/api/crd.ts renders it from the zod schema (so the reference
// and the CRD cannot disagree), with its type, what the schema bounds, its description, the
// default the mutating webhook fills in (src/api/defaults.ts) and the configurable limits of the
// validating webhook (webhooks/limits.ts): each a setting (src/config/settings.ts) and, where one
// exists, a Namespace annotation that overrides it.
//
// Which field a limit or a defaulting setting applies to is the one fact declared here
// (PLACEMENTS): rendering fails when a limit or a default-* setting is not placed, or is placed on
// a field the schema lacks, and test/unit/docs/webapp-reference.test.ts holds each entry to what
// the webhooks do.
//
// Each served version has its table (`webapp-api` for v1, `webapp-api-v2` for v2, issue #35): v2's
// from its own schema in the CRD, its defaults (src/api/defaults-v2.ts, the values defaultV2Spec
// fills) and its placements, where the port limits hold each port and the replica limits
// autoscaling.maxReplicas (webhooks/check-webapp-v2.ts).
import { type OpenApiSchema, toWebAppCrd } from '../api/crd.ts';
import { DEFAULTS } from '../api/defaults.ts';
import { V2_DEFAULTS } from '../api/defaults-v2.ts';
import { QUANTITY_PATTERN } from '../api/webapp.ts';
import { SETTINGS } from '../config/settings.ts';
import { DEFAULT_LIMITS, type Limits, OVERRIDE_ANNOTATIONS } from '../../webhooks/limits.ts';
import { code, renderTable } from './markdown-table.ts';

/** The limits that bound a field: the range it must fall in, and the list it must not be in. */
export type FieldLimits = { min: keyof Limits; max: keyof Limits; denied?: keyof Limits };

export type Placements = {
  /** Field path -> the limits the validating webhook holds it to. */
  limits: Readonly<Record<string, FieldLimits>>;
  /** Field path -> the setting (its key) the mutating webhook fills it from, when set and the field is not. */
  defaults: Readonly<Record<string, string>>;
};

export const PLACEMENTS: Placements = {
  limits: {
    'spec.replicas': { min: 'minReplicas', max: 'maxReplicas' },
    'spec.port': { min: 'minPort', max: 'maxPort', denied: 'deniedPorts' },
    'spec.service.port': { min: 'minServicePort', max: 'maxServicePort' },
  },
  defaults: {
    'spec.resources.requests.cpu': 'defaultCpuRequest',
    'spec.resources.requests.memory': 'defaultMemoryRequest',
    'spec.resources.limits.cpu': 'defaultCpuLimit',
    'spec.resources.limits.memory': 'defaultMemoryLimit',
  },
};

/** v2's placements: the port limits on every port, the replica limits also on autoscaling's maximum. */
export const PLACEMENTS_V2: Placements = {
  limits: {
    'spec.replicas': PLACEMENTS.limits['spec.replicas']!,
    'spec.ports[].containerPort': { min: 'minPort', max: 'maxPort', denied: 'deniedPorts' },
    'spec.ports[].servicePort': { min: 'minServicePort', max: 'maxServicePort' },
    'spec.autoscaling.maxReplicas': { min: 'minReplicas', max: 'maxReplicas' },
  },
  defaults: PLACEMENTS.defaults,
};

/** What the mutating webhook fills into an omitted field of v2 (autoscaling's only when it is set). */
const V2_DEFAULTS_BY_FIELD = {
  replicas: DEFAULTS.replicas,
  ports: V2_DEFAULTS.ports,
  env: DEFAULTS.env,
  service: { type: DEFAULTS.service.type },
  autoscaling: V2_DEFAULTS.autoscaling,
};

/** A version's table: its schema in the CRD, its defaults, where its limits and settings apply. */
export type ReferenceVersion = { name: string; defaults: unknown; placements: Placements };

export const REFERENCE_VERSIONS = {
  v1: { name: 'v1', defaults: DEFAULTS, placements: PLACEMENTS },
  v2: { name: 'v2', defaults: V2_DEFAULTS_BY_FIELD, placements: PLACEMENTS_V2 },
} as const satisfies Record<string, ReferenceVersion>;

export type Row = { path: string; node: OpenApiSchema; required: boolean };

/** Every field under `node`, depth first, in the schema's order; an array's items are `path[]`. */
export function* fields(node: OpenApiSchema, path: string, required: boolean): Generator<Row> {
  yield { path, node, required };
  const properties = (node.properties ?? {}) as Record<string, OpenApiSchema>;
  const requiredNames = (node.required ?? []) as string[];
  for (const [name, child] of Object.entries(properties)) {
    yield* fields(child, `${path}.${name}`, requiredNames.includes(name));
  }
  if (node.items) {
    const items = node.items as OpenApiSchema;
    if (items.properties) yield* [...fields(items, `${path}[]`, false)].slice(1);
  }
}

export function typeOf(node: OpenApiSchema): string {
  if (node['x-kubernetes-int-or-string'] === true) {
    return node.pattern === QUANTITY_PATTERN.source
      ? `quantity: integer or string (${code('500m')}, ${code('1Gi')})`
      : 'integer or string';
  }
  if (Array.isArray(node.enum)) return `string: ${node.enum.map((v) => code(String(v))).join(', ')}`;
  if (node.type === 'array') return `array of ${typeOf(node.items as OpenApiSchema)}s`;
  if (node.type === 'integer' && node.format) return `integer (${String(node.format)})`;
  return String(node.type);
}

/** What the CRD's schema itself refuses (the apiserver, before any webhook). */
export function schemaBounds(node: OpenApiSchema): string[] {
  const bounds: string[] = [];
  const { minimum, maximum, minLength, pattern } = node;
  if (minimum !== undefined && maximum !== undefined) bounds.push(`${String(minimum)} to ${String(maximum)}`);
  else if (minimum !== undefined) bounds.push(`at least ${String(minimum)}`);
  else if (maximum !== undefined) bounds.push(`at most ${String(maximum)}`);
  if (minLength === 1) bounds.push('not empty');
  else if (minLength !== undefined) bounds.push(`at least ${String(minLength)} characters`);
  if (pattern !== undefined && node['x-kubernetes-int-or-string'] !== true)
    bounds.push(`matches ${code(String(pattern))}`);
  return bounds;
}

function setting(key: string) {
  const found = SETTINGS.find((s) => s.key === key);
  if (!found) throw new Error(`src/docs/webapp-reference.ts names the setting "${key}", which settings.ts lacks`);
  return found;
}

/** `--max-port` (`65535`), the setting of a limit with its default. */
function limitSetting(key: keyof Limits): string {
  const { flag, default: value } = setting(key);
  return `${code(flag)} (${value ? code(value) : 'none'})`;
}

const annotationOf = (key: keyof Limits) =>
  Object.entries(OVERRIDE_ANNOTATIONS).find(([, limit]) => limit === key)?.[0];

/** The validating webhook's configurable limits of a field, with what overrides them per Namespace. */
function webhookLimits(limits: FieldLimits | undefined): string {
  if (!limits) return '';
  const keys = [limits.min, limits.max, ...(limits.denied ? [limits.denied] : [])];
  const range = `${limitSetting(limits.min)} to ${limitSetting(limits.max)}`;
  const denied = limits.denied ? `, not in ${limitSetting(limits.denied)}` : '';
  const annotations = keys.map(annotationOf).filter((a) => a !== undefined);
  const override = annotations.length > 0 ? `; per Namespace ${annotations.map(code).join(', ')}` : '';
  return `${range}${denied}${override}`;
}

/** DEFAULTS as field paths: { 'spec.replicas': 1, 'spec.service.type': 'ClusterIP', ... }. */
function defaultsByPath(value: unknown, path: string, out = new Map<string, unknown>()): Map<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) defaultsByPath(child, `${path}.${key}`, out);
  } else {
    out.set(path, value);
  }
  return out;
}

function defaultOf(path: string, defaults: Map<string, unknown>, bySetting: Placements['defaults']): string {
  if (defaults.has(path)) return code(JSON.stringify(defaults.get(path)).replace(/^"(.*)"$/, '$1'));
  const key = bySetting[path];
  return key ? `${code(setting(key).flag)}, when set` : '';
}

/** Throws unless every limit and default-* setting is placed on a field the schema has, and every default too. */
function checkPlacements(paths: ReadonlySet<string>, defaults: Map<string, unknown>, placements: Placements): void {
  const problems: string[] = [];
  const placed = Object.values(placements.limits).flatMap((l) => [l.min, l.max, ...(l.denied ? [l.denied] : [])]);
  for (const key of Object.keys(DEFAULT_LIMITS)) {
    if (!placed.includes(key as keyof Limits)) problems.push(`the limit ${key} is on no field`);
  }
  for (const s of SETTINGS.filter((s) => /^default[A-Z]/.test(s.key))) {
    if (!Object.values(placements.defaults).includes(s.key)) problems.push(`the setting ${s.key} fills no field`);
  }
  for (const key of Object.values(placements.defaults)) {
    if (!SETTINGS.some((s) => s.key === key)) problems.push(`no setting "${key}" in settings.ts`);
  }
  const named = [...Object.keys(placements.limits), ...Object.keys(placements.defaults), ...defaults.keys()];
  for (const path of named) if (!paths.has(path)) problems.push(`${path} is no field of the WebApp schema`);
  if (problems.length > 0) throw new Error(`src/docs/webapp-reference.ts: ${problems.join('; ')}`);
}

/**
 * Field, type, default, the schema's bounds (the apiserver refuses what breaks them, whatever the
 * settings), the webhook's limits (settings and annotations move them) and description, for every
 * field of spec and status.
 */
export function renderWebAppReference(
  placements: Placements = PLACEMENTS,
  version: Omit<ReferenceVersion, 'placements'> = REFERENCE_VERSIONS.v1,
): string {
  const served = toWebAppCrd().spec.versions.find((v) => v.name === version.name);
  if (!served) throw new Error(`src/docs/webapp-reference.ts: the CRD serves no version ${version.name}`);
  const root = served.schema.openAPIV3Schema;
  const properties = root.properties as Record<string, OpenApiSchema>;
  const required = (root.required ?? []) as string[];
  const rows = ['spec', 'status'].flatMap((name) => [...fields(properties[name]!, name, required.includes(name))]);
  const defaults = defaultsByPath(version.defaults, 'spec');
  checkPlacements(new Set(rows.map((r) => r.path)), defaults, placements);
  return renderTable(
    ['Field', 'Type', 'Default', 'Schema bounds', 'Webhook limits', 'Description'],
    rows.map(({ path, node, required }) => [
      code(path),
      `${typeOf(node)}${required ? ', required' : ''}`,
      defaultOf(path, defaults, placements.defaults),
      schemaBounds(node).join('; '),
      webhookLimits(placements.limits[path]),
      typeof node.description === 'string' ? node.description : '',
    ]),
  );
}
