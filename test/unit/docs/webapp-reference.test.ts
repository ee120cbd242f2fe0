// The WebApp field reference (the `webapp-api` block of docs/api.md) is rendered from the CRD's
// schema, DEFAULTS and the limits: one row per field of the CRD, the CRD's descriptions, and a
// default, limit, setting or annotation shown only where the webhooks act so (asked of them here).
import t from 'tap';
import { tableRows } from '../../helpers/markdown-table.ts';
import { type OpenApiSchema, toWebAppCrd } from '../../../src/api/crd.ts';
import { parseConfig, toPolicyConfig } from '../../../src/config/config.ts';
import { SETTINGS } from '../../../src/config/settings.ts';
import { PLACEMENTS, renderWebAppReference } from '../../../src/docs/webapp-reference.ts';
import type { JsonObject } from '../../../src/json/json.ts';
import { checkWebApp } from '../../../webhooks/check-webapp.ts';
import { defaultWebApp } from '../../../webhooks/default-webapp.ts';
import { OVERRIDE_ANNOTATIONS } from '../../../webhooks/limits.ts';
import type { PolicyContext } from '../../../webhooks/policy.ts';
import { minimalWebApp } from '../../helpers/server.ts';

const schema = toWebAppCrd().spec.versions[0]!.schema.openAPIV3Schema;
const props = (node: OpenApiSchema) => (node.properties ?? {}) as Record<string, OpenApiSchema>;

/** Every field under spec and status, `[]` for array items, with its schema node. */
function crdFields(node: OpenApiSchema, path: string, out = new Map<string, OpenApiSchema>()) {
  out.set(path, node);
  for (const [name, child] of Object.entries(props(node))) crdFields(child, `${path}.${name}`, out);
  const items = node.items as OpenApiSchema | undefined;
  for (const [name, child] of Object.entries(items ? props(items) : {})) crdFields(child, `${path}[].${name}`, out);
  return out;
}
const FIELDS = new Map([...crdFields(props(schema).spec!, 'spec'), ...crdFields(props(schema).status!, 'status')]);

type Row = { field: string; type: string; default: string; bounds: string; limits: string; description: string };
const rows: Row[] = tableRows(renderWebAppReference()).map(([field, type, def, bounds, limits, description]) => {
  return {
    field: field!.replaceAll('`', ''),
    ...{ type: type!, default: def!, bounds: bounds!, limits: limits!, description: description! },
  };
});
const row = (field: string) => rows.find((r) => r.field === field)!;

const settingsFrom = (argv: string[]) => {
  const parsed = parseConfig(argv, {});
  if (parsed.help) throw new Error('help');
  return toPolicyConfig(parsed.config);
};
const context = (argv: string[] = [], namespaceAnnotations?: Record<string, string>): PolicyContext => ({
  config: settingsFrom(argv),
  namespaceAnnotations,
});
const at = (object: unknown, path: string) =>
  path.split('.').reduce<unknown>((o, key) => (o as Record<string, unknown> | undefined)?.[key], object);
const flagOf = (key: string) => SETTINGS.find((s) => s.key === key)!.flag;

t.test('one row per field of the CRD, in its order, with its description', async (t) => {
  t.strictSame(
    rows.map((r) => r.field),
    [...FIELDS.keys()],
  );
  for (const r of rows) t.equal(r.description, FIELDS.get(r.field)!.description ?? '', `${r.field}: description`);
  t.match(
    renderWebAppReference().split('\n')[0],
    /^\| Field +\| Type +\| Default +\| Schema bounds +\| Webhook limits +\| Description +\|$/,
  );
});

t.test('types and required fields as the schema has them', async (t) => {
  t.equal(row('spec').type, 'object, required');
  t.equal(row('spec.image').type, 'string, required');
  t.equal(row('spec.replicas').type, 'integer (int32)');
  t.equal(row('spec.env').type, 'array of objects');
  t.equal(row('spec.env[].name').type, 'string, required');
  t.match(row('spec.resources.limits.memory').type, /^quantity: integer or string/);
  t.equal(row('spec.service.type').type, 'string: `ClusterIP`, `NodePort`, `LoadBalancer`');
  t.equal(row('status.conditions[].status').type, 'string: `True`, `False`, `Unknown`, required');
  t.equal(row('spec.port').bounds, '1 to 65535', "the CRD's own bounds");
  t.equal(row('spec.replicas').bounds, 'at least 0');
  t.equal(row('spec.image').bounds, 'not empty');
  t.equal(row('spec.env[].name').bounds, `matches \`${String(FIELDS.get('spec.env[].name')!.pattern)}\``);
  t.equal(row('spec.resources.requests.cpu').bounds, '', 'a quantity: its type says so, no pattern shown');
});

t.test('a default is shown exactly where the mutating webhook fills one in, and is what it fills', async (t) => {
  const bare = minimalWebApp() as JsonObject;
  const defaulted = defaultWebApp(bare, context());
  for (const r of rows.filter((r) => r.field.startsWith('spec.') && !r.field.includes('[]'))) {
    const given = at(bare.spec, r.field.slice('spec.'.length));
    const filled = at(defaulted.spec, r.field.slice('spec.'.length));
    const literal = /^`(.*)`$/.exec(r.default)?.[1];
    if (given !== undefined) {
      t.notOk(literal, `${r.field}: given (${JSON.stringify(given)}), not defaulted`);
    } else if (typeof filled === 'object' && !Array.isArray(filled)) {
      t.equal(r.default, '', `${r.field}: an object, no default of its own`);
    } else if (filled === undefined) {
      t.notOk(literal, `${r.field}: none filled, none shown`);
    } else {
      t.equal(literal, typeof filled === 'string' ? filled : JSON.stringify(filled), `${r.field}: ${r.default}`);
    }
  }
});

t.test('a default-* setting fills the field its row names', async (t) => {
  const quantities: Record<string, string> = { cpu: '250m', memory: '64Mi' };
  for (const [path, key] of Object.entries(PLACEMENTS.defaults)) {
    const value = quantities[path.split('.').at(-1)!]!;
    const defaulted = defaultWebApp(minimalWebApp() as JsonObject, context([flagOf(key), value]));
    t.equal(at(defaulted, path), value, `${flagOf(key)} ${value} fills ${path}`);
    t.equal(row(path).default, `\`${flagOf(key)}\`, when set`);
  }
});

t.test('each limit a row names holds that field, as the setting and the annotation say', async (t) => {
  const judge = (path: string, value: number, argv: string[], annotations?: Record<string, string>) => {
    const spec: JsonObject = { image: 'nginx:1.27', replicas: 1, port: 8080, service: { port: 80 } };
    const keys = path.split('.').slice(1);
    const parent = keys.slice(0, -1).reduce((o, k) => o[k] as JsonObject, spec);
    parent[keys.at(-1)!] = value;
    const object = { ...minimalWebApp(), spec } as JsonObject;
    return checkWebApp(object, context(argv, annotations)).violations.filter((v) => v.path === path);
  };
  for (const [path, { min, max, denied }] of Object.entries(PLACEMENTS.limits)) {
    const limits = row(path).limits;
    for (const key of [min, max, ...(denied ? [denied] : [])]) {
      t.match(limits, `\`${flagOf(key)}\``, `${path} names ${flagOf(key)}`);
      const annotation = Object.entries(OVERRIDE_ANNOTATIONS).find(([, limit]) => limit === key)?.[0];
      if (annotation) t.match(limits, `\`${annotation}\``, `${path} names ${annotation}`);
      else t.notMatch(limits, new RegExp(`/${flagOf(key).slice(2)}\``), `${path}: no annotation for ${key}`);
    }
    t.match(judge(path, 30, [flagOf(min), '40', flagOf(max), '50']), [{ limit: true, setting: flagOf(min).slice(2) }]);
    t.match(judge(path, 60, [flagOf(min), '40', flagOf(max), '50']), [{ limit: true, setting: flagOf(max).slice(2) }]);
    t.strictSame(judge(path, 45, [flagOf(min), '40', flagOf(max), '50']), [], `${path} 45 is admitted`);
    const maxAnnotation = Object.entries(OVERRIDE_ANNOTATIONS).find(([, limit]) => limit === max)?.[0];
    if (maxAnnotation) {
      t.strictSame(judge(path, 60, [flagOf(min), '40', flagOf(max), '50'], { [maxAnnotation]: '70' }), []);
    }
    if (denied) {
      t.match(judge(path, 45, [flagOf(min), '40', flagOf(max), '50', flagOf(denied), '45']), [
        { limit: true, setting: flagOf(denied).slice(2) },
      ]);
    }
  }
  for (const r of rows.filter((r) => !(r.field in PLACEMENTS.limits))) {
    t.equal(r.limits, '', `${r.field}: no configurable limit`);
  }
});

t.test(
  'a limit or default-* setting placed on no field, or on a field the schema lacks, fails the render',
  async (t) => {
    const limits = Object.fromEntries(
      Object.entries(PLACEMENTS.limits).filter(([path]) => path !== 'spec.service.port'),
    );
    t.throws(() => renderWebAppReference({ ...PLACEMENTS, limits }), /the limit minServicePort is on no field/);
    const defaults = Object.fromEntries(
      Object.entries(PLACEMENTS.defaults).filter(([path]) => path !== 'spec.resources.limits.cpu'),
    );
    t.throws(() => renderWebAppReference({ ...PLACEMENTS, defaults }), /the setting defaultCpuLimit fills no field/);
    t.throws(
      () => renderWebAppReference({ ...PLACEMENTS, defaults: { ...PLACEMENTS.defaults, 'spec.storage': 'workers' } }),
      /spec\.storage is no field of the WebApp schema/,
    );
    t.throws(
      () => renderWebAppReference({ ...PLACEMENTS, defaults: { ...PLACEMENTS.defaults, 'spec.image': 'nothing' } }),
      /no setting "nothing" in settings\.ts/,
    );
  },
);
