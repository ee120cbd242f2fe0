// The apiserver's own checks of a WebApp, with the messages kube-apiserver 1.37 printed for the
// same objects (measured with kubectl apply --dry-run=server; the parity test keeps measuring).
import t from 'tap';
import { toWebAppCrd } from '../../../src/api/crd.ts';
import { unknownFields, validateCustomResource } from '../../../src/api/schema-validation.ts';

const schema = toWebAppCrd().spec.versions[0]!.schema.openAPIV3Schema;
const QUANTITY =
  "'^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$'";
const webApp = (spec: unknown, name = 'web') => ({
  apiVersion: 'shipshape.dev/v1',
  kind: 'WebApp',
  metadata: { name },
  spec,
});
const check = (spec: unknown) => validateCustomResource(webApp(spec), schema);

t.test('a valid WebApp has no errors; nulls count as missing', async (t) => {
  t.strictSame(
    check({ image: 'nginx:1.27', replicas: 0, port: null, resources: { requests: { cpu: 1, memory: '1Gi' } } }),
    [],
  );
});

t.test("each keyword in the apiserver's words", async (t) => {
  const cases: [unknown, string[]][] = [
    [
      { image: 'a', replicas: 'three' },
      ['spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"'],
    ],
    [
      { image: 'a', replicas: -1 },
      ['spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0'],
    ],
    [{ image: '' }, ['spec.image: Invalid value: "": spec.image in body should be at least 1 chars long']],
    [
      { image: 'a', port: 70000 },
      ['spec.port: Invalid value: 70000: spec.port in body should be less than or equal to 65535'],
    ],
    [{ replicas: 2 }, ['spec.image: Required value']],
    [{ image: 5 }, ['spec.image: Invalid value: "integer": spec.image in body must be of type string: "integer"']],
    [{ image: 'a', env: 'x' }, ['spec.env: Invalid value: "string": spec.env in body must be of type array: "string"']],
    [{ image: 'a', env: [{ value: 'a' }] }, ['spec.env[0].name: Required value']],
    [
      { image: 'a', env: [{ name: '1X' }, { name: '1X' }] },
      [
        `spec.env[0].name: Invalid value: "1X": spec.env[0].name in body should match '^[-._a-zA-Z][-._a-zA-Z0-9]*$'`,
        `spec.env[1].name: Invalid value: "1X": spec.env[1].name in body should match '^[-._a-zA-Z][-._a-zA-Z0-9]*$'`,
      ],
    ],
    [
      { image: 'a', service: { type: 'Foo', port: 0 } },
      [
        'spec.service.type: Unsupported value: "Foo": supported values: "ClusterIP", "NodePort", "LoadBalancer"',
        'spec.service.port: Invalid value: 0: spec.service.port in body should be greater than or equal to 1',
      ],
    ],
    [
      { image: 'a', replicas: 2.5 },
      [
        'spec.replicas: Invalid value: "float64": spec.replicas in body must be of type int32: "float64"',
        '<nil>: Invalid value: "": Checked value must be of type integer with format int32 in spec.replicas',
      ],
    ],
    [
      { image: 'a', replicas: 3e9 },
      ['<nil>: Invalid value: "": Checked value must be of type integer with format int32 in spec.replicas'],
    ],
    [
      { image: 'a', resources: { requests: { cpu: 'lots' } } },
      [
        `spec.resources.requests.cpu: Invalid value: "lots": spec.resources.requests.cpu in body should match ${QUANTITY}`,
      ],
    ],
    [
      { image: 'a', resources: { requests: { cpu: true } } },
      [
        'spec.resources.requests.cpu: Invalid value: "boolean": spec.resources.requests.cpu in body must be of type integer,string: "boolean"',
        '<nil>: Invalid value: "": "spec.resources.requests.cpu" must validate at least one schema (anyOf)',
        'spec.resources.requests.cpu: Invalid value: "boolean": spec.resources.requests.cpu in body must be of type integer: "boolean"',
      ],
    ],
    ['hello', ['spec: Invalid value: "string": spec in body must be of type object: "string"']],
    [null, ['spec: Required value']],
  ];
  for (const [spec, errors] of cases) t.strictSame(check(spec), errors, JSON.stringify(spec));
});

t.test('the name of every custom resource is a DNS-1123 subdomain', async (t) => {
  t.strictSame(validateCustomResource(webApp({ image: 'a' }, 'a.b-c'), schema), []);
  t.match(validateCustomResource(webApp({ image: 'a' }, 'My_App'), schema), [
    /^metadata\.name: Invalid value: "My_App": a lowercase RFC 1123 subdomain must consist of/,
  ]);
});

t.test('unknown fields are found anywhere but metadata', async (t) => {
  t.strictSame(
    unknownFields(
      {
        ...webApp({ image: 'a', replica: 1, env: [{ name: 'A', valu: 'x' }], service: { tpye: 'x' } }),
        extra: 1,
        metadata: { name: 'w', foo: 1 },
      },
      schema,
    ),
    ['spec.replica', 'spec.env[0].valu', 'spec.service.tpye', 'extra'],
  );
  t.strictSame(unknownFields(webApp({ image: 'a', resources: { requests: { cpu: '1' } } }), schema), []);
});
