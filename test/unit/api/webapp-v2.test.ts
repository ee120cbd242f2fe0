// The v2 schema (issue #35): what it admits and refuses, and that it has a structural OpenAPI form
// (the CRD's v2 version will be rendered from it, as v1's is).
import t from 'tap';
import { type OpenApiSchema, toOpenApiSchema } from '../../../src/api/crd.ts';
import { webAppV2Schema, webAppV2SpecSchema } from '../../../src/api/webapp-v2.ts';

const valid = {
  image: 'registry.example/shop:2.4.1',
  replicas: 2,
  ports: [
    { name: 'http', containerPort: 8080, servicePort: 80 },
    { name: 'metrics', containerPort: 9090 },
  ],
  env: [
    { name: 'LOG_LEVEL', value: 'info' },
    { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'shop-db', key: 'password' } } },
    { name: 'REGION', valueFrom: { configMapKeyRef: { name: 'cluster-info', key: 'region', optional: true } } },
  ],
  resources: { requests: { cpu: '100m', memory: '128Mi' } },
  service: { type: 'NodePort' },
  autoscaling: { minReplicas: 2, maxReplicas: 8, targetCPUUtilizationPercentage: 70 },
};

t.test('a spec with every v2 field parses, unchanged', async (t) => {
  t.strictSame(webAppV2SpecSchema.parse(valid), valid);
  t.strictSame(webAppV2SpecSchema.parse({ image: 'nginx:1.27' }), { image: 'nginx:1.27' }, 'only image is required');
  const object = { apiVersion: 'shipshape.dev/v2', kind: 'WebApp', metadata: { name: 'shop' }, spec: valid };
  t.ok(webAppV2Schema.safeParse(object).success);
});

t.test('what the schema refuses, by path', async (t) => {
  const cases: [string, unknown, string][] = [
    ['v1 port', { image: 'a', port: 8080 }, ''],
    ['service.port', { image: 'a', service: { port: 80 } }, 'service'],
    ['port without a number', { image: 'a', ports: [{ name: 'http' }] }, 'ports.0.containerPort'],
    ['port name in capitals', { image: 'a', ports: [{ name: 'HTTP', containerPort: 80 }] }, 'ports.0.name'],
    ['port name over 15', { image: 'a', ports: [{ name: 'a'.repeat(16), containerPort: 80 }] }, 'ports.0.name'],
    ['servicePort 0', { image: 'a', ports: [{ name: 'h', containerPort: 80, servicePort: 0 }] }, 'ports.0.servicePort'],
    ['unknown reference kind', { image: 'a', env: [{ name: 'A', valueFrom: { fieldRef: {} } }] }, 'env.0.valueFrom'],
    [
      'reference without a key',
      { image: 'a', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's' } } }] },
      'env.0.valueFrom.secretKeyRef.key',
    ],
    [
      'key with a slash',
      { image: 'a', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'a/b' } } }] },
      'env.0.valueFrom.secretKeyRef.key',
    ],
    ['autoscaling without a maximum', { image: 'a', autoscaling: { minReplicas: 1 } }, 'autoscaling.maxReplicas'],
    ['minReplicas 0', { image: 'a', autoscaling: { minReplicas: 0, maxReplicas: 3 } }, 'autoscaling.minReplicas'],
  ];
  for (const [name, spec, path] of cases) {
    const result = webAppV2SpecSchema.safeParse(spec);
    t.notOk(result.success, name);
    t.equal(result.error?.issues[0]?.path.join('.'), path, `${name}: ${path}`);
  }
});

t.test('the v2 spec has a structural OpenAPI schema', async (t) => {
  const schema = toOpenApiSchema(webAppV2SpecSchema);
  const props = (node: OpenApiSchema) => node.properties as Record<string, OpenApiSchema>;
  t.strictSame(Object.keys(props(schema)), [
    'image',
    'replicas',
    'ports',
    'env',
    'resources',
    'service',
    'autoscaling',
  ]);
  const port = props(schema).ports!.items as OpenApiSchema;
  t.strictSame(port.required, ['name', 'containerPort']);
  t.match(props(port).containerPort, { type: 'integer', format: 'int32', minimum: 1, maximum: 65535 });
  t.match(props(port).name, { type: 'string', maxLength: 15, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' });
  const env = props(schema).env!.items as OpenApiSchema;
  t.strictSame(Object.keys(props(env)), ['name', 'value', 'valueFrom']);
  t.strictSame(Object.keys(props(props(env).valueFrom!)), ['secretKeyRef', 'configMapKeyRef']);
  t.strictSame((props(schema).autoscaling as OpenApiSchema).required, ['maxReplicas']);
});
