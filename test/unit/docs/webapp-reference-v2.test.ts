// v2's field reference (the `webapp-api-v2` block of docs/api.md, issue #35): rendered from v2's
// schema in the CRD, its defaults and its placements; each default is what the mutating webhook
// fills into a v2 object, and each limit a row names holds that field of every port.
import t from 'tap';
import { tableRows } from '../../helpers/markdown-table.ts';
import { parseConfig, toPolicyConfig } from '../../../src/config/config.ts';
import { SETTINGS } from '../../../src/config/settings.ts';
import { PLACEMENTS_V2, REFERENCE_VERSIONS, renderWebAppReference } from '../../../src/docs/webapp-reference.ts';
import type { JsonObject } from '../../../src/json/json.ts';
import { checkWebAppV2 } from '../../../webhooks/check-webapp-v2.ts';
import { defaultWebAppV2 } from '../../../webhooks/default-webapp-v2.ts';
import type { PolicyContext } from '../../../webhooks/policy.ts';

const rows = tableRows(renderWebAppReference(PLACEMENTS_V2, REFERENCE_VERSIONS.v2)).map(([field, , def, , limits]) => ({
  field: field!.replaceAll('`', ''),
  default: def!,
  limits: limits!,
}));
const row = (field: string) => rows.find((r) => r.field === field)!;
const flagOf = (key: string) => SETTINGS.find((s) => s.key === key)!.flag;
const context = (argv: string[] = []): PolicyContext => {
  const parsed = parseConfig(argv, {});
  if (parsed.help) throw new Error('help');
  return { config: toPolicyConfig(parsed.config), namespaceAnnotations: undefined };
};
const v2 = (spec: JsonObject): JsonObject => ({
  apiVersion: 'shipshape.dev/v2',
  kind: 'WebApp',
  metadata: { name: 'web' },
  spec: { image: 'nginx:1.27', ...spec },
});

t.test("v2's rows are v2's fields: ports, env references, autoscaling; no port or service.port", async (t) => {
  for (const field of ['spec.ports[].containerPort', 'spec.env[].valueFrom.secretKeyRef.key', 'spec.autoscaling'])
    t.ok(row(field), field);
  t.notOk(row('spec.port'));
  t.notOk(row('spec.service.port'));
});

t.test('each default shown is what the mutating webhook fills into a v2 object', async (t) => {
  const defaulted = defaultWebAppV2(v2({ autoscaling: { maxReplicas: 3 } }), context()).spec as JsonObject;
  const autoscaling = defaulted.autoscaling as JsonObject;
  const shown: Record<string, unknown> = {
    'spec.replicas': defaulted.replicas,
    'spec.ports': defaulted.ports,
    'spec.env': defaulted.env,
    'spec.service.type': (defaulted.service as JsonObject).type,
    'spec.autoscaling.minReplicas': autoscaling.minReplicas,
    'spec.autoscaling.targetCPUUtilizationPercentage': autoscaling.targetCPUUtilizationPercentage,
  };
  for (const [field, value] of Object.entries(shown)) {
    t.equal(row(field).default, `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``, field);
  }
  const literal = rows.filter((r) => r.default.startsWith('`') && !r.default.includes('when set'));
  t.strictSame(literal.map((r) => r.field).sort(), Object.keys(shown).sort(), 'no other literal default');
});

t.test('each limit a row names holds that field, on the second port too', async (t) => {
  const judged = (path: string, value: number, argv: string[]) => {
    const spec: JsonObject = {
      ports: [
        { name: 'http', containerPort: 8080, servicePort: 80 },
        { name: 'admin', containerPort: 8081, servicePort: 81 },
      ],
      autoscaling: { minReplicas: 1, maxReplicas: 1 },
    };
    const concrete = path.replace('[]', '[1]');
    if (path.startsWith('spec.ports[]')) {
      ((spec.ports as JsonObject[])[1] as JsonObject)[path.split('.').at(-1)!] = value;
    } else if (path === 'spec.replicas') spec.replicas = value;
    else (spec.autoscaling as JsonObject).maxReplicas = value;
    if (path === 'spec.autoscaling.maxReplicas') (spec.autoscaling as JsonObject).minReplicas = Math.min(value, 1);
    return checkWebAppV2(v2(spec), context(argv)).violations.filter((v) => v.path === concrete);
  };
  for (const [path, { min, max, denied }] of Object.entries(PLACEMENTS_V2.limits)) {
    for (const key of [min, max, ...(denied ? [denied] : [])]) t.match(row(path).limits, `\`${flagOf(key)}\``);
    const argv = [flagOf(min), '40', flagOf(max), '50'];
    t.match(judged(path, 30, argv), [{ limit: true, setting: flagOf(min).slice(2) }], `${path} 30`);
    t.match(judged(path, 60, argv), [{ limit: true, setting: flagOf(max).slice(2) }], `${path} 60`);
    t.strictSame(judged(path, 45, argv), [], `${path} 45 is admitted`);
    if (denied) t.match(judged(path, 45, [...argv, flagOf(denied), '45']), [{ setting: flagOf(denied).slice(2) }]);
  }
  for (const r of rows.filter((r) => !(r.field in PLACEMENTS_V2.limits))) t.equal(r.limits, '', r.field);
});
