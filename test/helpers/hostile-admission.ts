// Hostile AdmissionReviews for the fuzz tests (fast-check arbitraries, a kept library, instead of
// our own generator): WebApps near and far from valid, then mutated (missing fields, wrong types,
// __proto__/constructor keys, deep nesting, huge strings and arrays) and corrupted as bytes
// (truncated, invalid UTF-8, a BOM, random bytes), sent with right and wrong content types. The
// mutations, corruptions, content types, targets and the request built from them serve
// hostile-conversion.ts too.
import fc from 'fast-check';
import { MUTATE_PATH, VALIDATE_PATH } from '../../src/constants.ts';

/** One request as sent: method, path, headers and the exact bytes of the body. */
export type HostileRequest = {
  method: string;
  path: string;
  contentType: string | undefined;
  body: Buffer;
  /** What was done to it, for the failure message and the tallies. */
  mutations: string[];
};

const wrong = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, '', -1, 0, 0.5, 2 ** 31, -(2 ** 31) - 1, 1e308, 'NaN', '8080', true, [], {}),
);
/** Mostly a plausible value, sometimes anything at all. */
const maybe = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 5 }, { arbitrary: wrong as fc.Arbitrary<unknown>, weight: 1 });
/** For the envelope: wrong one time in twenty, so that most reviews reach the policy. */
const rarely = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 20 }, { arbitrary: wrong as fc.Arbitrary<unknown>, weight: 1 });
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });

const quantity = fc.oneof(
  fc.constantFrom('500m', '1Gi', '1', '0.5', '1e3', '-1', '1Ki', '128Mi', 'bogus', '1.5.5', '', '1GB'),
  fc.integer({ min: -5, max: 5000 }),
);
const resourceList = fc.record(
  { cpu: optional(maybe(quantity)), memory: optional(maybe(quantity)) },
  { requiredKeys: [] },
);
const port = fc.oneof(
  fc.integer({ min: -1, max: 70_000 }),
  fc.constantFrom(1023, 1024, 8080, 9090, 9443, 65535, 65536),
);
const image = fc.constantFrom(
  'nginx:1.27',
  'nginx',
  'nginx:latest',
  `registry.example/app@sha256:${'a'.repeat(64)}`,
  'registry.example:5000/team/app:v1',
  'UPPER/Case:1',
  'nginx:',
  '',
  ' ',
  '@sha256:xyz',
);
const envVar = fc.record(
  { name: maybe(fc.stringMatching(/^[-._a-zA-Z0-9]{0,12}$/)), value: optional(fc.string({ maxLength: 20 })) },
  { requiredKeys: ['name'] },
);
const spec = fc.record(
  {
    image: maybe(image),
    replicas: optional(maybe(fc.integer({ min: -2, max: 15 }))),
    port: optional(maybe(port)),
    env: optional(maybe(fc.array(envVar, { maxLength: 4 }))),
    resources: optional(
      maybe(
        fc.record(
          { requests: optional(maybe(resourceList)), limits: optional(maybe(resourceList)) },
          { requiredKeys: [] },
        ),
      ),
    ),
    service: optional(
      maybe(
        fc.record(
          {
            type: optional(maybe(fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'))),
            port: optional(maybe(port)),
          },
          { requiredKeys: [] },
        ),
      ),
    ),
  },
  { requiredKeys: ['image'] },
);
const name = fc.constantFrom('shop', 'a', 'web-1', 'Shop', '-bad', 'x'.repeat(63), 'x'.repeat(64), 'a.b', '');
const stringMap = fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), { maxKeys: 3 });
const metadata = fc.record(
  {
    name: optional(maybe(name)),
    namespace: optional(fc.constantFrom('team-a', 'default')),
    labels: optional(maybe(stringMap)),
    annotations: optional(maybe(stringMap)),
    finalizers: optional(maybe(fc.array(fc.constantFrom('shipshape.dev/finalizer', 'x'), { maxLength: 2 }))),
    deletionTimestamp: fc.option(fc.constant('2026-01-01T00:00:00Z'), { nil: undefined, freq: 30 }),
  },
  { requiredKeys: [] },
);
export const webApp = fc.record({
  apiVersion: maybe(fc.constant('shipshape.dev/v1')),
  kind: maybe(fc.constant('WebApp')),
  metadata: maybe(metadata),
  spec: maybe(spec),
});

const WEBAPP_GVK = { group: 'shipshape.dev', version: 'v1', kind: 'WebApp' };
const gvk = fc.oneof(
  { arbitrary: fc.constant(WEBAPP_GVK), weight: 10 },
  {
    arbitrary: fc.record({
      group: rarely(fc.constantFrom('shipshape.dev', '', 'apps')),
      version: rarely(fc.constantFrom('v1', 'v2')),
      kind: rarely(fc.constantFrom('WebApp', 'Pod', 'webapp')),
    }),
    weight: 1,
  },
);
const operation = fc.oneof(
  { arbitrary: fc.constantFrom('CREATE', 'UPDATE'), weight: 20 },
  { arbitrary: fc.constantFrom('DELETE', 'CONNECT', 'PATCH', 'create', '', 'CREATE '), weight: 1 },
);

/** An AdmissionReview whose envelope is right most of the time and whose WebApp often is not. */
export const admissionReview = fc.record({
  apiVersion: rarely(fc.constant('admission.k8s.io/v1')),
  kind: rarely(fc.constant('AdmissionReview')),
  request: rarely(
    fc.record(
      {
        uid: rarely(fc.uuid()),
        kind: rarely(gvk),
        resource: rarely(fc.constant({ group: 'shipshape.dev', version: 'v1', resource: 'webapps' })),
        name: optional(rarely(name)),
        namespace: optional(rarely(fc.constantFrom('team-a', 'default', ''))),
        operation: rarely(operation),
        userInfo: optional(rarely(fc.record({ username: rarely(fc.string({ maxLength: 10 })) }))),
        object: optional(fc.oneof({ arbitrary: webApp, weight: 6 }, { arbitrary: wrong, weight: 1 })),
        oldObject: optional(fc.oneof(webApp, fc.constant(null))),
        dryRun: optional(rarely(fc.boolean())),
      },
      { requiredKeys: ['uid', 'kind', 'resource', 'operation'] },
    ),
  ),
});

// Values too big to build as objects (JSON.stringify recurses) are spliced into the text instead.
const PLACEHOLDER = '\u0000hostile\u0000';
type Splice = { kind: 'deep-array' | 'deep-object' | 'long-string' | 'long-array' | 'many-keys'; size: number };

function spliceText({ kind, size }: Splice): string {
  switch (kind) {
    case 'deep-array':
      return '['.repeat(size) + ']'.repeat(size);
    case 'deep-object':
      return '{"a":'.repeat(size) + '1' + '}'.repeat(size);
    case 'long-string':
      return JSON.stringify('x'.repeat(size));
    case 'long-array':
      return `[${'0,'.repeat(size)}0]`;
    case 'many-keys':
      return `{${Array.from({ length: size }, (_, i) => `"k${i}":${i}`).join(',')}}`;
  }
}

/** Mostly sizes that parse quickly, one time in ten a size near (or over) the body limit. */
const size = (small: number, large: number, huge: number) =>
  fc.oneof(
    { arbitrary: fc.integer({ min: small, max: large }), weight: 9 },
    { arbitrary: fc.constant(huge), weight: 1 },
  );
const splice: fc.Arbitrary<Splice> = fc.oneof(
  fc.record({ kind: fc.constantFrom('deep-array' as const, 'deep-object' as const), size: size(50, 5000, 400_000) }),
  fc.record({ kind: fc.constant('long-string' as const), size: size(1000, 200_000, 4 * 1024 * 1024) }),
  fc.record({ kind: fc.constantFrom('long-array' as const, 'many-keys' as const), size: size(100, 20_000, 300_000) }),
);

/** Every path (list of keys) to an object or array inside `value`, the root included. */
function containers(value: unknown, path: string[] = [], out: string[][] = []): string[][] {
  if (typeof value === 'object' && value !== null) {
    out.push(path);
    for (const [key, child] of Object.entries(value)) containers(child, [...path, key], out);
  }
  return out;
}

export type Mutation =
  | { op: 'delete'; at: number; key: number }
  | { op: 'replace'; at: number; key: number; value: unknown }
  | { op: 'poison'; at: number; key: '__proto__' | 'constructor' | 'prototype'; value: unknown }
  | { op: 'splice'; at: number; key: number; splice: Splice };

/** One change to a review's JSON: a deletion, a wrong value, a poisoned key or a spliced giant. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), key: fc.nat() }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), key: fc.nat(), value: wrong }),
  fc.record({
    op: fc.constant('poison' as const),
    at: fc.nat(),
    key: fc.constantFrom('__proto__' as const, 'constructor' as const, 'prototype' as const),
    value: fc.oneof(
      fc.constant({ polluted: true, allowed: true }),
      fc.constant({ spec: { image: 'nginx:1.27', replicas: 1 } }),
      fc.constant({ prototype: { polluted: true } }),
      wrong,
    ),
  }),
  fc.record({ op: fc.constant('splice' as const), at: fc.nat(), key: fc.nat(), splice }),
);

/** Applies the mutations to a copy of `review` and serializes it; splices go in as text. */
export function mutateToText(review: unknown, mutations: Mutation[], log: string[]): string {
  const root = { root: structuredClone(review) as unknown };
  const splices: Splice[] = [];
  for (const m of mutations) {
    // The wrapper itself only when the review is a scalar: then the whole document is replaced.
    const all = containers(root);
    const path = all.length > 1 ? all[1 + (m.at % (all.length - 1))]! : [];
    let container = root as Record<string, unknown>;
    for (const k of path) container = container[k] as Record<string, unknown>;
    const keys = Object.keys(container);
    const where = `/${path.slice(1).join('/')}`;
    if (m.op === 'poison') {
      // An own enumerable "__proto__" (not the setter), which JSON.stringify writes out.
      Object.defineProperty(container, m.key, {
        value: structuredClone(m.value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      log.push(`poison ${where}/${m.key}`);
      continue;
    }
    const chosen = keys.length ? keys[m.key % keys.length]! : undefined;
    if (m.op === 'delete') {
      if (chosen === undefined) continue;
      // By hand: splice and filter would call a poisoned `constructor` (Symbol.species).
      if (Array.isArray(container) && /^\d+$/.test(chosen)) {
        for (let i = Number(chosen); i < container.length - 1; i++) container[i] = container[i + 1];
        container.length -= 1;
      } else delete container[chosen];
      log.push(`delete ${where}/${chosen}`);
    } else if (m.op === 'replace') {
      if (chosen === undefined) continue;
      container[chosen] = structuredClone(m.value);
      log.push(`replace ${where}/${chosen}`);
    } else {
      const at = chosen ?? 'x';
      container[at] = `${PLACEHOLDER}${splices.length}`;
      splices.push(m.splice);
      log.push(`${m.splice.kind}(${m.splice.size}) ${where}/${at}`);
    }
  }
  let text = JSON.stringify(root.root) ?? '';
  splices.forEach((s, i) => {
    text = text.replace(JSON.stringify(`${PLACEHOLDER}${i}`), () => spliceText(s));
  });
  return text;
}

export type Corruption =
  | { op: 'none' }
  | { op: 'truncate'; at: number }
  | { op: 'invalid-utf8'; at: number; bytes: readonly number[] }
  | { op: 'bom' }
  | { op: 'random-bytes'; bytes: Uint8Array }
  | { op: 'empty' };

export const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  { arbitrary: fc.constant({ op: 'none' as const }), weight: 24 },
  { arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }), weight: 2 },
  {
    arbitrary: fc.record({
      op: fc.constant('invalid-utf8' as const),
      at: fc.nat(),
      bytes: fc.constantFrom(
        [0xff],
        [0xc0, 0x80],
        [0xed, 0xa0, 0x80],
        [0xf8, 0x88, 0x80, 0x80, 0x80],
        [0xe2, 0x82],
        [0x80],
      ),
    }),
    weight: 2,
  },
  { arbitrary: fc.constant({ op: 'bom' as const }), weight: 1 },
  {
    arbitrary: fc.record({ op: fc.constant('random-bytes' as const), bytes: fc.uint8Array({ maxLength: 2000 }) }),
    weight: 1,
  },
  { arbitrary: fc.constant({ op: 'empty' as const }), weight: 1 },
);

export function corrupt(text: string, c: Corruption, log: string[]): Buffer {
  const bytes = Buffer.from(text);
  if (c.op !== 'none') log.push(c.op);
  switch (c.op) {
    case 'none':
      return bytes;
    case 'truncate':
      return bytes.subarray(0, c.at % Math.max(bytes.length, 1));
    case 'invalid-utf8': {
      // Inside a string value when there is one, where the parser would otherwise accept it.
      const quote = bytes.indexOf(0x22, c.at % Math.max(bytes.length, 1));
      const at = quote >= 0 ? quote + 1 : bytes.length;
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(c.bytes), bytes.subarray(at)]);
    }
    case 'bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
    case 'random-bytes':
      return Buffer.from(c.bytes);
    case 'empty':
      return Buffer.alloc(0);
  }
}

/** Mostly application/json; sometimes none, another type or a header that does not parse. */
export const contentType = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 10 },
  {
    arbitrary: fc.constantFrom(
      undefined,
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/yaml',
      'application/vnd.kubernetes.protobuf',
      '',
      ';;;',
    ),
    weight: 3,
  },
);
const METHODS = ['POST', 'PUT', 'GET', 'PATCH', 'DELETE', 'OPTIONS'];
type Target = { method: string; path: string };
/** Mostly `right` (a POST to the route); one time in 21 any method to one of `paths`. */
export const hostileTarget = (right: fc.Arbitrary<Target>, paths: string[]): fc.Arbitrary<Target> =>
  fc.oneof(
    { arbitrary: right, weight: 20 },
    { arbitrary: fc.record({ method: fc.constantFrom(...METHODS), path: fc.constantFrom(...paths) }), weight: 1 },
  );

/**
 * A hostile request to a review route: a review from `review` (one time in 11 any JSON instead),
 * the mutations `mutations` picks, at most one byte-level corruption, a content type and a target.
 */
export function toHostileRequest(
  review: fc.Arbitrary<unknown>,
  mutations: fc.Arbitrary<Mutation[]>,
  target: fc.Arbitrary<Target>,
): fc.Arbitrary<HostileRequest> {
  return fc
    .record({
      review: fc.oneof({ arbitrary: review, weight: 10 }, { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 }),
      mutations,
      corruption,
      contentType,
      target,
    })
    .map(({ review, mutations, corruption: c, contentType: type, target: { method, path } }) => {
      const log: string[] = [];
      const body = corrupt(mutateToText(review, mutations, log), c, log);
      return { method, path, contentType: type, body, mutations: log };
    });
}

const target = hostileTarget(
  fc.constantFrom(VALIDATE_PATH, MUTATE_PATH).map((path) => ({ method: 'POST', path })),
  [
    VALIDATE_PATH,
    MUTATE_PATH,
    `${VALIDATE_PATH}?dryRun=All`,
    `${VALIDATE_PATH}/`,
    '/VALIDATE-WEBAPPS',
    '/',
    '/%00',
    `/..${MUTATE_PATH}`,
  ],
);

/** A hostile request: a generated review, 0-3 mutations, at most one byte-level corruption. */
export const hostileRequest: fc.Arbitrary<HostileRequest> = toHostileRequest(
  admissionReview,
  fc.array(mutation, { maxLength: 3 }),
  target,
);
