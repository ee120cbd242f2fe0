// Issue #35's conversion properties, on generated WebApps (fast-check): v1 -> v2 -> v1 and
// v2 -> v1 -> v2 give back the same object, for valid objects and for objects that today's rules
// refuse but the structural schema stores; conversion never throws, whatever the object holds; only
// spec, apiVersion and metadata.annotations change; and a v1 client's change to a v1 field wins
// while what v1 cannot see survives.
import fc from 'fast-check';
import t, { type Test } from 'tap';
import { fromV1, toV1 } from '../../../src/api/conversion-v1.ts';
import { fromV2, toV2 } from '../../../src/api/conversion-v2.ts';
import { V2_FIELDS_ANNOTATION } from '../../../src/api/v2-fields-annotation.ts';
import { webAppSchema } from '../../../src/api/webapp.ts';
import { webAppV2Schema } from '../../../src/api/webapp-v2.ts';
import { type JsonObject, isObject, jsonEqual } from '../../../src/json/json.ts';
import { admittedV1, admittedV2, hostileWebApp, validV1, validV2 } from './webapp-arbitraries.ts';

const RUNS = 2_000;
const v1ToV2 = (o: JsonObject) => toV2(fromV1(o));
const v2ToV1 = (o: JsonObject) => toV1(fromV2(o));

/** One assertion per property, with fast-check's report (seed, path, counterexample) on failure. */
function holds<T>(t: Test, name: string, arbitrary: fc.Arbitrary<T>, predicate: (value: T) => void, runs = RUNS) {
  const result = fc.check(fc.property(arbitrary, predicate), { numRuns: runs });
  t.ok(
    !result.failed,
    `${name} (${result.numRuns} runs)`,
    result.failed ? { report: fc.defaultReportMessage(result) } : {},
  );
}

/** Throws (a property failure) unless a and b are the same JSON. */
function same(a: unknown, b: unknown, what: string) {
  if (!jsonEqual(a, b)) throw new Error(`${what}:\n${JSON.stringify(a)}\n!==\n${JSON.stringify(b)}`);
}

/** `object` without metadata.annotations[V2_FIELDS_ANNOTATION], spec and apiVersion. */
function untouched(object: JsonObject): JsonObject {
  const rest = without(object, ['apiVersion', 'spec']);
  const metadata = object.metadata;
  if (!isObject(metadata) || !isObject(metadata.annotations)) return rest;
  const annotations = without(metadata.annotations, [V2_FIELDS_ANNOTATION]);
  const meta = without(metadata, ['annotations']);
  return { ...rest, metadata: Object.keys(annotations).length ? { ...meta, annotations } : meta };
}

function without(object: JsonObject, keys: string[]): JsonObject {
  return Object.fromEntries(Object.entries(object).filter(([key]) => !keys.includes(key)));
}

t.test('v1 -> v2 -> v1 gives back the same object', async (t) => {
  for (const [name, arbitrary] of [
    ['valid v1', validV1],
    ["v1 refused by today's rules", admittedV1],
    ['v1 written by a v2 -> v1 conversion (with the annotation)', fc.oneof(validV2, admittedV2).map(v2ToV1)],
  ] as const) {
    holds(t, name, arbitrary, (v1) => same(v2ToV1(v1ToV2(v1)), v1, 'round trip'));
  }
});

t.test('v2 -> v1 -> v2 gives back the same object', async (t) => {
  holds(t, 'valid v2', validV2, (v2) => same(v1ToV2(v2ToV1(v2)), v2, 'round trip'));
  holds(t, "v2 refused by today's rules", admittedV2, (v2) => same(v1ToV2(v2ToV1(v2)), v2, 'round trip'));
});

t.test('a valid object converts to a valid object', async (t) => {
  holds(t, 'valid v2 -> v1 parses with the v1 schema', validV2, (v2) => {
    const result = webAppSchema.safeParse(v2ToV1(v2));
    if (!result.success) throw result.error;
  });
  // A v1 spec with a service.port and no port (not defaulted yet) gives a first port with no
  // containerPort, which v2 requires; every other valid v1 spec is a valid v2 one.
  const defaultedPort = validV1.filter((o) => (o.spec as JsonObject).port !== undefined);
  holds(t, 'valid v1 with a port -> v2 parses with the v2 schema', defaultedPort, (v1) => {
    const result = webAppV2Schema.safeParse(v1ToV2(v1));
    if (!result.success) throw result.error;
  });
});

t.test('conversion never throws, and round-trips, whatever the object holds', async (t) => {
  holds(t, 'every conversion of a hostile object', hostileWebApp, (object) => {
    const chains = [toV1(fromV1(object)), toV2(fromV1(object)), toV1(fromV2(object)), toV2(fromV2(object))];
    for (const converted of chains) JSON.stringify(converted);
    if (({} as JsonObject).polluted !== undefined) throw new Error('Object.prototype polluted');
  });
  // The annotation goes only into a metadata object with an annotations object or none (what the
  // apiserver sends); on anything else what v1 cannot carry is lost. An empty annotations map is
  // left out once the annotation is removed from it (the apiserver stores none).
  const annotatable = hostileWebApp.filter(
    ({ metadata }) =>
      isObject(metadata) &&
      (metadata.annotations === undefined ||
        (isObject(metadata.annotations) && Object.keys(metadata.annotations).length > 0)),
  );
  holds(t, 'hostile v2 -> v1 -> v2 is v2 -> hub -> v2', annotatable, (object) => {
    same(v1ToV2(v2ToV1(object)), toV2(fromV2(object)), 'round trip through v1');
  });
  holds(t, 'hostile v1 -> v2 -> v1 is v1 -> hub -> v1', hostileWebApp, (object) => {
    same(v2ToV1(v1ToV2(object)), toV1(fromV1(object)), 'round trip through v2');
  });
});

t.test('only spec, apiVersion and the v2-fields annotation change', async (t) => {
  const any = fc.oneof(validV1, admittedV1, validV2, admittedV2, hostileWebApp);
  holds(t, 'metadata (but that annotation), status, kind and the rest pass through', any, (object) => {
    for (const converted of [v1ToV2(object), v2ToV1(object), toV1(fromV1(object)), toV2(fromV2(object))]) {
      same(untouched(converted), untouched(object), 'the rest of the object');
    }
  });
});

/** A v1 client's edit of a v1 object that carries the annotation: one v1 field changed. */
const v1Edit = fc.oneof(
  fc.record({ field: fc.constant('port'), value: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }) }),
  fc.record({
    field: fc.constant('servicePort'),
    value: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  }),
  fc.record({ field: fc.constant('replicas'), value: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ field: fc.constant('type'), value: fc.constantFrom('ClusterIP', 'NodePort') }),
  fc.record({
    field: fc.constant('env'),
    value: fc.array(
      fc.record({ name: fc.constantFrom('A', 'B', 'S', 'T', 'NEW'), value: fc.string({ maxLength: 3 }) }),
      { maxLength: 4 },
    ),
  }),
);

function applyEdit(v1: JsonObject, edit: { field: string; value: unknown }): JsonObject {
  const spec = { ...(v1.spec as JsonObject) };
  const service = isObject(spec.service) ? { ...spec.service } : {};
  const set = (o: JsonObject, key: string) => (edit.value === undefined ? delete o[key] : (o[key] = edit.value));
  if (edit.field === 'port' || edit.field === 'replicas' || edit.field === 'env') set(spec, edit.field);
  if (edit.field === 'servicePort') set(service, 'port');
  if (edit.field === 'type') set(service, 'type');
  if (edit.field === 'servicePort' || edit.field === 'type') spec.service = service;
  return { ...v1, spec };
}

t.test("a v1 client's change wins, and what v1 cannot see survives it", async (t) => {
  holds(t, 'valid v2, edited at v1', fc.tuple(validV2, v1Edit), ([v2, edit]) => {
    const edited = applyEdit(v2ToV1(v2), edit);
    const after = v1ToV2(edited);
    const spec = after.spec as JsonObject;
    const before = v2.spec as JsonObject;
    // The edited v1 object reads back the same at v1: its fields are the hub's.
    same(toV1(fromV2(after)).spec, edited.spec, 'the v1 fields');
    same(spec.autoscaling, before.autoscaling, 'autoscaling');
    const ports = (before.ports ?? []) as JsonObject[];
    if (ports.length > 0) {
      same((spec.ports as JsonObject[]).slice(1), ports.slice(1), 'the ports after the first');
      same((spec.ports as JsonObject[])[0]!.name, ports[0]!.name, "the first port's name");
    }
    // A reference is dropped only when the client changed env and gave a literal its name.
    const literals = new Set(((spec.env ?? []) as JsonObject[]).filter((e) => !e.valueFrom).map((e) => e.name));
    const replaced = (e: JsonObject) => edit.field === 'env' && literals.has(e.name);
    const kept = ((before.env ?? []) as JsonObject[]).filter((e) => e.valueFrom && !replaced(e));
    same(
      ((spec.env ?? []) as JsonObject[]).filter((e) => e.valueFrom),
      kept,
      'the env references',
    );
  });
});
