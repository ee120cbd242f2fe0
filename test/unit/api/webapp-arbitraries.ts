// fast-check arbitraries of WebApps at v1 and v2 (issue #35's conversion tests): valid ones (their
// version's zod schema parses them), ones the CRD's structural schema would store but today's rules
// refuse (out-of-range numbers, missing required fields, duplicate names, an env entry with both a
// value and a reference, autoscaling with min above max, ...), and hostile ones (any JSON in any
// field, "__proto__" keys, a garbage v2-fields annotation) for "conversion never throws".
import fc from 'fast-check';
import { ENV_NAME_PATTERN, PHASES, SERVICE_TYPES } from '../../../src/api/webapp.ts';
import { CONFIG_KEY_PATTERN, PORT_NAME_PATTERN } from '../../../src/api/webapp-v2.ts';
import { V2_FIELDS_ANNOTATION } from '../../../src/api/v2-fields-annotation.ts';

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });
/** Records with every key optional, and no key whose value is undefined (JSON has none). */
function record<T extends Record<string, fc.Arbitrary<unknown>>>(model: T, required: (keyof T)[] = []) {
  return fc
    .record(model, { requiredKeys: required as never })
    .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)));
}

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const validPort = fc.integer({ min: 1, max: 65535 });
const anyInt32 = fc.oneof(fc.integer(INT32), fc.constantFrom(0, -1, 65536, 70000));
const validImage = fc.constantFrom('nginx:1.27', 'nginx', `registry.example/app@sha256:${'a'.repeat(64)}`);
const anyImage = fc.oneof(validImage, fc.constantFrom('', ' ', 'UPPER/Case:1', '@sha256:xyz'));
const envName = fc.stringMatching(ENV_NAME_PATTERN, { size: 'xsmall' });
const anyEnvName = fc.oneof(envName, fc.constantFrom('', '1A', 'A B', 'DUP'));
const quantity = fc.oneof(fc.constantFrom('500m', '1Gi', '128Mi', '0.5', '1e3'), fc.integer({ min: 0, max: 5000 }));
const anyQuantity = fc.oneof(quantity, fc.constantFrom('bogus', '', '-1', '1GB'), fc.integer({ min: -5, max: 0 }));
const resources = (q: fc.Arbitrary<unknown>) => {
  const list = record({ cpu: optional(q), memory: optional(q) });
  return record({ requests: optional(list), limits: optional(list) });
};
const serviceType = fc.constantFrom(...SERVICE_TYPES);

const stringMap = fc.dictionary(fc.stringMatching(/^[a-z][a-z./-]{0,10}$/), fc.string({ maxLength: 10 }), {
  minKeys: 1,
  maxKeys: 3,
});
const metadata = record(
  {
    name: fc.constantFrom('shop', 'web-1', 'a'),
    namespace: optional(fc.constantFrom('team-a', 'default')),
    uid: optional(fc.uuid()),
    resourceVersion: optional(fc.integer({ min: 1 }).map(String)),
    generation: optional(fc.integer({ min: 1, max: 50 })),
    labels: optional(stringMap),
    annotations: optional(stringMap),
    finalizers: optional(fc.constant(['shipshape.dev/finalizer'])),
  },
  ['name'],
);
const condition = record(
  {
    type: fc.constantFrom('Ready', 'Progressing', 'Degraded'),
    status: fc.constantFrom('True', 'False', 'Unknown'),
    reason: optional(fc.constantFrom('Available', 'ReplicasUnavailable')),
    message: optional(fc.string({ maxLength: 20 })),
    lastTransitionTime: optional(fc.constant('2026-12-07T05:00:00Z')),
    observedGeneration: optional(fc.integer({ min: 1, max: 50 })),
  },
  ['type', 'status'],
);
const status = record({
  phase: optional(fc.constantFrom(...PHASES)),
  readyReplicas: optional(fc.integer({ min: 0, max: 10 })),
  availableReplicas: optional(fc.integer({ min: 0, max: 10 })),
  observedGeneration: optional(fc.integer({ min: 1, max: 50 })),
  conditions: optional(fc.array(condition, { maxLength: 3 })),
  message: optional(fc.string({ maxLength: 20 })),
});

/** A WebApp around `spec` at `apiVersion`, with metadata and, sometimes, a status. */
function webApp(apiVersion: string, spec: fc.Arbitrary<Record<string, unknown>>) {
  return record(
    {
      apiVersion: fc.constant(apiVersion),
      kind: fc.constant('WebApp'),
      metadata,
      spec,
      status: optional(status),
    },
    ['apiVersion', 'kind', 'metadata', 'spec'],
  );
}

// v1

const v1Env = (name: fc.Arbitrary<string>) => record({ name, value: optional(fc.string({ maxLength: 10 })) }, ['name']);
const v1Spec = (valid: boolean) =>
  record(
    {
      image: valid ? validImage : anyImage,
      replicas: optional(valid ? fc.integer({ min: 0, max: INT32.max }) : anyInt32),
      port: optional(valid ? validPort : anyInt32),
      env: optional(fc.array(v1Env(valid ? envName : anyEnvName), { maxLength: 4 })),
      resources: optional(resources(valid ? quantity : anyQuantity)),
      service: optional(record({ type: optional(serviceType), port: optional(valid ? validPort : anyInt32) })),
    },
    valid ? ['image'] : [],
  );

/** v1 WebApps that webAppSchema parses (limits aside: replicas 500 and port 80 are among them). */
export const validV1 = webApp('shipshape.dev/v1', v1Spec(true));
/** v1 WebApps the CRD's structural schema admits as stored before a rule existed, that today's rules may refuse. */
export const admittedV1 = webApp('shipshape.dev/v1', v1Spec(false));

// v2

const portName = fc.stringMatching(PORT_NAME_PATTERN, { size: 'xsmall' }).filter((n) => n.length <= 15);
const keyRef = (valid: boolean) =>
  record(
    {
      name: valid ? fc.constantFrom('app-secrets', 'settings') : fc.constantFrom('', 'app-secrets'),
      key: valid ? fc.stringMatching(CONFIG_KEY_PATTERN, { size: 'xsmall' }) : fc.string({ maxLength: 5 }),
      optional: optional(fc.boolean()),
    },
    valid ? ['name', 'key'] : [],
  );
const valueFrom = (valid: boolean) =>
  valid
    ? fc.oneof(
        record({ secretKeyRef: keyRef(true) }, ['secretKeyRef']),
        record({ configMapKeyRef: keyRef(true) }, ['configMapKeyRef']),
      )
    : record({ secretKeyRef: optional(keyRef(false)), configMapKeyRef: optional(keyRef(false)) });
const v2Env = (valid: boolean) =>
  valid
    ? fc.oneof(v1Env(envName), record({ name: envName, valueFrom: valueFrom(true) }, ['name', 'valueFrom']))
    : record({ name: anyEnvName, value: optional(fc.string({ maxLength: 5 })), valueFrom: optional(valueFrom(false)) });
const containerPort = (valid: boolean) =>
  record(
    {
      name: valid ? portName : fc.oneof(portName, fc.constantFrom('', 'HTTP', 'a-very-long-port-name')),
      containerPort: valid ? validPort : anyInt32,
      servicePort: optional(valid ? validPort : anyInt32),
    },
    valid ? ['name', 'containerPort'] : [],
  );
const autoscaling = (valid: boolean) =>
  record(
    {
      minReplicas: optional(valid ? fc.integer({ min: 1, max: 20 }) : anyInt32),
      maxReplicas: valid ? fc.integer({ min: 1, max: 20 }) : anyInt32,
      targetCPUUtilizationPercentage: optional(valid ? fc.integer({ min: 1, max: 200 }) : anyInt32),
    },
    valid ? ['maxReplicas'] : [],
  );
const v2Spec = (valid: boolean) =>
  record(
    {
      image: valid ? validImage : anyImage,
      replicas: optional(valid ? fc.integer({ min: 0, max: INT32.max }) : anyInt32),
      ports: optional(fc.array(containerPort(valid), { maxLength: 4 })),
      env: optional(fc.array(v2Env(valid), { maxLength: 5 })),
      resources: optional(resources(valid ? quantity : anyQuantity)),
      service: optional(record({ type: optional(serviceType) })),
      autoscaling: optional(autoscaling(valid)),
    },
    valid ? ['image'] : [],
  );

/** v2 WebApps that webAppV2Schema parses. */
export const validV2 = webApp('shipshape.dev/v2', v2Spec(true));
/** v2 WebApps the structural schema admits as stored before a rule existed, that today's rules may refuse. */
export const admittedV2 = webApp('shipshape.dev/v2', v2Spec(false));

// hostile

const anyJson = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, '', 0, -1, true, [], {}, [null], [{}], JSON.parse('{"__proto__":{"polluted":1}}')),
);
const hostileSpec = fc.oneof(
  anyJson,
  fc.dictionary(
    fc.constantFrom(
      'image',
      'replicas',
      'port',
      'ports',
      'env',
      'resources',
      'service',
      'autoscaling',
      '__proto__',
      'x',
    ),
    fc.oneof(
      anyJson,
      fc.array(
        fc.oneof(
          anyJson,
          fc.dictionary(
            fc.constantFrom('name', 'value', 'valueFrom', 'containerPort', 'servicePort', '__proto__'),
            anyJson,
          ),
        ),
        { maxLength: 3 },
      ),
    ),
  ),
);
const garbageAnnotation = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.constantFrom('{"ports":', '{"ports":null,"env":"x","autoscaling":[1]}', '{"__proto__":{"ports":[]}}', 'null'),
);
const hostileMetadata = fc.oneof(
  anyJson,
  record({
    name: optional(anyJson),
    annotations: optional(
      fc.oneof(
        anyJson,
        record({ [V2_FIELDS_ANNOTATION]: fc.oneof(garbageAnnotation, anyJson), other: optional(fc.string()) }),
      ),
    ),
    labels: optional(anyJson),
  }),
);

/** Anything in any field of a WebApp-looking object, at either version. */
export const hostileWebApp = record(
  {
    apiVersion: fc.constantFrom('shipshape.dev/v1', 'shipshape.dev/v2'),
    kind: optional(anyJson),
    metadata: optional(hostileMetadata),
    spec: optional(hostileSpec),
    status: optional(anyJson),
    extra: optional(anyJson),
  },
  ['apiVersion'],
);
