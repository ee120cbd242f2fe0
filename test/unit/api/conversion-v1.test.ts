// The v2-fields annotation by example (issue #35): what a v2 WebApp looks like at v1, when the
// annotation is written and what it holds, and what a v1 client's change does to the fields v1
// cannot see (the rule of src/api/conversion-v1.ts: the v1 fields win for what they express, the
// annotation keeps the rest).
import t from 'tap';
import { fromV1, toV1 } from '../../../src/api/conversion-v1.ts';
import { fromV2, toV2 } from '../../../src/api/conversion-v2.ts';
import { V2_FIELDS_ANNOTATION } from '../../../src/api/v2-fields-annotation.ts';
import type { JsonObject } from '../../../src/json/json.ts';

const v1ToV2 = (o: JsonObject) => toV2(fromV1(o));
const v2ToV1 = (o: JsonObject) => toV1(fromV2(o));

const secretRef = { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'shop-db', key: 'password' } } };
const configRef = { name: 'REGION', valueFrom: { configMapKeyRef: { name: 'cluster-info', key: 'region' } } };
const status = {
  phase: 'Running',
  readyReplicas: 2,
  conditions: [{ type: 'Ready', status: 'True', reason: 'Available', observedGeneration: 3 }],
};

/** A v2 WebApp with everything v1 lacks: a named first port, a second port, references, autoscaling. */
function shop(): JsonObject {
  return {
    apiVersion: 'shipshape.dev/v2',
    kind: 'WebApp',
    metadata: { name: 'shop', namespace: 'team-a', labels: { tier: 'web' }, annotations: { owner: 'team-a' } },
    spec: {
      image: 'registry.example/shop:2.4.1',
      replicas: 2,
      ports: [
        { name: 'web', containerPort: 8080, servicePort: 80 },
        { name: 'metrics', containerPort: 9090 },
        { name: 'admin', containerPort: 9443, servicePort: 9443 },
      ],
      env: [{ name: 'LOG_LEVEL', value: 'info' }, secretRef, { name: 'MODE', value: 'prod' }, configRef],
      resources: { requests: { cpu: '100m', memory: '128Mi' } },
      service: { type: 'NodePort' },
      autoscaling: { minReplicas: 2, maxReplicas: 8, targetCPUUtilizationPercentage: 70 },
    },
    status,
  };
}

function annotationOf(object: JsonObject): unknown {
  const annotations = (object.metadata as JsonObject).annotations as Record<string, string> | undefined;
  const value = annotations?.[V2_FIELDS_ANNOTATION];
  return value === undefined ? undefined : JSON.parse(value);
}

/** `object` with its spec changed by `edit`, as a v1 client's update would. */
function edited(object: JsonObject, edit: (spec: JsonObject) => void): JsonObject {
  const copy = structuredClone(object);
  edit(copy.spec as JsonObject);
  return copy;
}

t.test('a v2 WebApp at v1: the first port, the literals, the Service type, and the annotation', async (t) => {
  const v1 = v2ToV1(shop());
  t.strictSame(v1.spec, {
    image: 'registry.example/shop:2.4.1',
    replicas: 2,
    port: 8080,
    env: [
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'MODE', value: 'prod' },
    ],
    resources: { requests: { cpu: '100m', memory: '128Mi' } },
    service: { type: 'NodePort', port: 80 },
  });
  const { ports, env, autoscaling } = shop().spec as JsonObject;
  t.strictSame(annotationOf(v1), { ports, env, autoscaling }, 'the hub value of each field v1 cannot rebuild');
  t.strictSame(
    (v1.metadata as JsonObject).annotations,
    { owner: 'team-a', [V2_FIELDS_ANNOTATION]: JSON.stringify({ ports, env, autoscaling }) },
    'the other annotations are kept',
  );
  t.strictSame(v1.status, status, 'status passes through');
  t.strictSame(v1ToV2(v1), shop(), 'and back at v2, the same object');
});

t.test('no annotation when v1 can say it all', async (t) => {
  const plain = {
    apiVersion: 'shipshape.dev/v2',
    kind: 'WebApp',
    metadata: { name: 'plain' },
    spec: {
      image: 'nginx:1.27',
      ports: [{ name: 'http', containerPort: 8080, servicePort: 80 }],
      env: [{ name: 'A', value: '1' }],
      service: { type: 'ClusterIP' },
    },
  };
  const v1 = v2ToV1(plain);
  t.strictSame(v1, {
    apiVersion: 'shipshape.dev/v1',
    kind: 'WebApp',
    metadata: { name: 'plain' },
    spec: {
      image: 'nginx:1.27',
      port: 8080,
      env: [{ name: 'A', value: '1' }],
      service: { type: 'ClusterIP', port: 80 },
    },
  });
  t.strictSame(v1ToV2(v1), plain);
});

t.test('a v1 WebApp at v2: port and service.port are one port named http', async (t) => {
  const v1 = {
    apiVersion: 'shipshape.dev/v1',
    kind: 'WebApp',
    metadata: { name: 'old', annotations: { a: 'b' } },
    spec: { image: 'nginx:1.27', replicas: 3, port: 8080, env: [], service: { type: 'ClusterIP', port: 80 } },
    status,
  };
  const v2 = v1ToV2(v1);
  t.strictSame(v2.spec, {
    image: 'nginx:1.27',
    replicas: 3,
    ports: [{ name: 'http', containerPort: 8080, servicePort: 80 }],
    env: [],
    service: { type: 'ClusterIP' },
  });
  t.strictSame(v2.metadata, v1.metadata);
  t.strictSame(v2ToV1(v2), v1);
});

t.test('what only the annotation can tell apart', async (t) => {
  const cases: [string, JsonObject, unknown][] = [
    ['no ports at all', { image: 'a', ports: [] }, { ports: [] }],
    ['a first port not on the Service', { image: 'a', ports: [{ name: 'http', containerPort: 8080 }] }, undefined],
    ['a first port with another name', { image: 'a', ports: [{ name: 'web', containerPort: 8080 }] }, 'ports'],
    [
      'an empty service beside an exposed port',
      { image: 'a', ports: [{ name: 'http', containerPort: 1, servicePort: 2 }], service: {} },
      { service: {} },
    ],
    ['an env of references only', { image: 'a', env: [secretRef] }, { env: [secretRef] }],
  ];
  for (const [name, spec, expected] of cases) {
    const v2 = { apiVersion: 'shipshape.dev/v2', kind: 'WebApp', metadata: { name: 'x' }, spec };
    const v1 = v2ToV1(v2);
    if (expected === 'ports') t.strictSame(annotationOf(v1), { ports: spec.ports }, name);
    else t.strictSame(annotationOf(v1), expected, name);
    t.strictSame(v1ToV2(v1), v2, `${name}: back at v2`);
  }
});

t.test('a v1 client changes port: the first port follows, its name and the other ports stay', async (t) => {
  const after = v1ToV2(edited(v2ToV1(shop()), (spec) => (spec.port = 8081)));
  t.strictSame((after.spec as JsonObject).ports, [
    { name: 'web', containerPort: 8081, servicePort: 80 },
    { name: 'metrics', containerPort: 9090 },
    { name: 'admin', containerPort: 9443, servicePort: 9443 },
  ]);
  t.strictSame((after.spec as JsonObject).autoscaling, (shop().spec as JsonObject).autoscaling);
  t.strictSame((after.spec as JsonObject).env, (shop().spec as JsonObject).env);
});

t.test('a v1 client changes or removes service.port: the first port is exposed there, or not at all', async (t) => {
  const moved = v1ToV2(edited(v2ToV1(shop()), (spec) => ((spec.service as JsonObject).port = 8000)));
  t.strictSame(((moved.spec as JsonObject).ports as JsonObject[])[0], {
    name: 'web',
    containerPort: 8080,
    servicePort: 8000,
  });
  const removed = v1ToV2(edited(v2ToV1(shop()), (spec) => delete (spec.service as JsonObject).port));
  t.strictSame(((removed.spec as JsonObject).ports as JsonObject[])[0], { name: 'web', containerPort: 8080 });
  t.equal(((removed.spec as JsonObject).ports as JsonObject[]).length, 3);
  t.strictSame((removed.spec as JsonObject).service, { type: 'NodePort' });
});

t.test('a v1 client removes port and service.port: the first port keeps only its name', async (t) => {
  const after = v1ToV2(
    edited(v2ToV1(shop()), (spec) => {
      delete spec.port;
      delete spec.service;
    }),
  );
  t.strictSame(((after.spec as JsonObject).ports as JsonObject[]).slice(0, 2), [
    { name: 'web' },
    { name: 'metrics', containerPort: 9090 },
  ]);
  t.equal((after.spec as JsonObject).service, undefined, 'no Service type: v1 removed it');
});

t.test('a v1 client adds a port to an object whose v2 had none: a first port named http', async (t) => {
  const v1 = v2ToV1({
    apiVersion: 'shipshape.dev/v2',
    kind: 'WebApp',
    metadata: { name: 'x' },
    spec: { image: 'a', ports: [] },
  });
  const after = v1ToV2(edited(v1, (spec) => (spec.port = 8080)));
  t.strictSame((after.spec as JsonObject).ports, [{ name: 'http', containerPort: 8080 }]);
});

t.test('a v1 client edits env: its literals win, the references go back where they were', async (t) => {
  const added = v1ToV2(
    edited(v2ToV1(shop()), (spec) => {
      spec.env = [
        { name: 'LOG_LEVEL', value: 'debug' },
        { name: 'NEW', value: '1' },
        { name: 'MODE', value: 'prod' },
      ];
    }),
  );
  t.strictSame(
    (added.spec as JsonObject).env,
    [
      { name: 'LOG_LEVEL', value: 'debug' },
      secretRef,
      { name: 'NEW', value: '1' },
      configRef,
      { name: 'MODE', value: 'prod' },
    ],
    'each reference at its index in the v2 list, clamped to the new length',
  );
  const emptied = v1ToV2(edited(v2ToV1(shop()), (spec) => delete spec.env));
  t.strictSame((emptied.spec as JsonObject).env, [secretRef, configRef], 'removing env leaves the references');
  t.strictSame((v2ToV1(emptied).spec as JsonObject).env, [], 'which v1 then shows as env: []');
});

t.test('a v1 client gives a literal the name of a reference: the literal replaces it', async (t) => {
  const after = v1ToV2(
    edited(v2ToV1(shop()), (spec) => (spec.env as JsonObject[]).push({ name: 'DB_PASSWORD', value: 'hunter2' })),
  );
  t.strictSame((after.spec as JsonObject).env, [
    { name: 'LOG_LEVEL', value: 'info' },
    { name: 'MODE', value: 'prod' },
    { name: 'DB_PASSWORD', value: 'hunter2' },
    configRef,
  ]);
});

t.test('a v1 client changes replicas or the Service type: autoscaling and the ports stay', async (t) => {
  const after = v1ToV2(
    edited(v2ToV1(shop()), (spec) => {
      spec.replicas = 5;
      (spec.service as JsonObject).type = 'LoadBalancer';
    }),
  );
  const expected = shop().spec as JsonObject;
  t.strictSame(after.spec, { ...expected, replicas: 5, service: { type: 'LoadBalancer' } });
});

t.test('a v1 client that drops the annotation drops the v2-only fields with it', async (t) => {
  const v1 = v2ToV1(shop());
  const bare = { ...v1, metadata: { ...(v1.metadata as JsonObject), annotations: { owner: 'team-a' } } };
  t.strictSame((v1ToV2(bare).spec as JsonObject).ports, [{ name: 'http', containerPort: 8080, servicePort: 80 }]);
  t.equal((v1ToV2(bare).spec as JsonObject).autoscaling, undefined);
});

t.test('a malformed annotation carries nothing, never throws, and is removed', async (t) => {
  for (const value of ['', '{', 'null', '[1]', '"ports"', '{"ports":', '{"x":1}', '{"__proto__":{"ports":[]}}']) {
    const v1 = {
      apiVersion: 'shipshape.dev/v1',
      kind: 'WebApp',
      metadata: { name: 'x', annotations: { [V2_FIELDS_ANNOTATION]: value, keep: 'me' } },
      spec: { image: 'a', port: 8080 },
    };
    const v2 = v1ToV2(v1);
    t.strictSame(v2.metadata, { name: 'x', annotations: { keep: 'me' } }, JSON.stringify(value));
    t.strictSame((v2.spec as JsonObject).ports, [{ name: 'http', containerPort: 8080 }], JSON.stringify(value));
  }
  t.equal(({} as JsonObject).ports, undefined, 'no prototype was polluted');
});

t.test('on a v2 object the annotation means nothing and is removed', async (t) => {
  const v2 = shop();
  (v2.metadata as JsonObject).annotations = { [V2_FIELDS_ANNOTATION]: '{"autoscaling":{"maxReplicas":99}}' };
  const hub = fromV2(v2);
  t.strictSame(hub.metadata, { name: 'shop', namespace: 'team-a', labels: { tier: 'web' } });
  t.strictSame((toV2(hub).spec as JsonObject).autoscaling, (shop().spec as JsonObject).autoscaling);
});

t.test('objects stored before a rule existed convert as they are', async (t) => {
  const v1 = {
    apiVersion: 'shipshape.dev/v1',
    kind: 'WebApp',
    metadata: { name: 'legacy' },
    spec: { replicas: -3, port: 0, env: [{ name: 'A' }, { name: 'A', value: 'x' }], service: { port: 70000 } },
  };
  const v2 = v1ToV2(v1);
  t.strictSame(v2.spec, {
    replicas: -3,
    ports: [{ name: 'http', containerPort: 0, servicePort: 70000 }],
    env: [{ name: 'A' }, { name: 'A', value: 'x' }],
  });
  t.strictSame(v2ToV1(v2), v1);
  const odd = { apiVersion: 'shipshape.dev/v2', kind: 'WebApp', metadata: { name: 'odd' }, spec: 'not an object' };
  t.strictSame(v1ToV2(v2ToV1(odd)), odd, 'a spec that is not an object passes through');
});
