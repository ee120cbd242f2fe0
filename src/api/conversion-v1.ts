// WebApp v1 <-> hub (issue #35). v1 has one container port (`port`) and its Service port
// (`service.port`); the hub has a list of named ports, env entries that read Secrets and ConfigMaps,
// and autoscaling. What the v1 fields cannot rebuild travels in the v2-fields annotation
// (./v2-fields-annotation.ts), so that hub -> v1 -> hub gives back the same hub. The rule when a v1
// client has changed the v1 fields since (docs/decisions/0016-webapp-v2-and-conversion.md):
// **the v1 fields win for what they express, the annotation keeps the rest**:
// - `port` and `service.port` are the first port's containerPort and servicePort; its name and the
//   other ports come from the annotation (a first port is created, named "http", when there was none);
// - `env` is the list of literal entries; the annotation's valueFrom entries go back in at their
//   positions, except one whose name a literal now has (the client replaced the reference);
// - `service.type` is the Service's type; autoscaling comes from the annotation as it is.
// A field counts as changed when its v1 value is not what the annotation's value converts to.
//
// Pure and total: never throws, whatever the object holds (see ./hub.ts). Not wired yet (./hub.ts).
import { WEBAPP_API_VERSION } from '../constants.ts';
import { type JsonObject, isObject, jsonEqual } from '../json/json.ts';
import {
  DEFAULT_PORT_NAME,
  HUB_FIELDS,
  type HubSpec,
  type HubWebApp,
  copy,
  pick,
  rebuild,
  withAnnotation,
} from './hub.ts';
import {
  V2_FIELDS_ANNOTATION,
  V2_ONLY_FIELDS,
  type V2Fields,
  decodeV2Fields,
  encodeV2Fields,
  v2FieldsAnnotationOf,
} from './v2-fields-annotation.ts';

const V1_FIELDS = ['image', 'replicas', 'port', 'env', 'resources', 'service'] as const;
const FIRST_PORT_NUMBERS = ['containerPort', 'servicePort'];

/** An env entry v1 can hold: anything but an object with a valueFrom. */
function isLiteral(entry: unknown): boolean {
  return !(isObject(entry) && entry.valueFrom !== undefined);
}

/** An env entry as v1 holds it: name and value. */
function toV1Env(entry: unknown): unknown {
  return isObject(entry) ? pick(entry, ['name', 'value']) : copy(entry);
}

/** The first port when it is an object. */
function firstPortOf(ports: unknown): JsonObject | undefined {
  return Array.isArray(ports) && isObject(ports[0]) ? ports[0] : undefined;
}

/** The first port's numbers as v1 holds them: `port` and `service.port`. */
function v1Numbers(spec: JsonObject): JsonObject {
  const service = isObject(spec.service) ? spec.service : {};
  return pick({ containerPort: spec.port, servicePort: service.port }, FIRST_PORT_NUMBERS);
}

/** v1's `service`: the hub's Service type and the first port's servicePort. */
function toV1Service(service: unknown, servicePort: unknown): unknown {
  if (isObject(service)) return { ...pick(service, ['type']), ...pick({ port: servicePort }, ['port']) };
  if (servicePort !== undefined) return { port: copy(servicePort) };
  return copy(service);
}

/** The hub's `service` from v1's: its type; none when v1's held only the port. */
function fromV1Service(service: unknown): unknown {
  if (!isObject(service)) return copy(service);
  if (service.type !== undefined) return pick(service, ['type']);
  return service.port === undefined ? {} : undefined;
}

/** A hub spec as v1 expresses it, losing what v1 has no field for. */
function projectSpec(hub: JsonObject): JsonObject {
  const first = firstPortOf(hub.ports);
  return pick(
    {
      ...pick(hub, ['image', 'replicas', 'resources']),
      port: first?.containerPort,
      env: Array.isArray(hub.env) ? hub.env.filter(isLiteral).map(toV1Env) : hub.env,
      service: toV1Service(hub.service, first?.servicePort),
    },
    V1_FIELDS,
  );
}

/** A v1 spec in the hub's form, from its own fields alone. */
function liftSpec(v1: JsonObject): HubSpec {
  const numbers = v1Numbers(v1);
  return pick(
    {
      ...pick(v1, ['image', 'replicas', 'resources']),
      ports: Object.keys(numbers).length ? [{ name: DEFAULT_PORT_NAME, ...numbers }] : undefined,
      env: Array.isArray(v1.env) ? v1.env.map(toV1Env) : v1.env,
      service: fromV1Service(v1.service),
    },
    HUB_FIELDS,
  );
}

function restorePorts(stored: unknown, v1: JsonObject): unknown {
  const numbers = v1Numbers(v1);
  const head = firstPortOf(stored);
  if (jsonEqual(numbers, pick(head ?? {}, FIRST_PORT_NUMBERS))) return copy(stored);
  const rest = Array.isArray(stored) ? stored.slice(1).map(copy) : [];
  const name = head ? Object.fromEntries(Object.entries(head).filter(([k]) => !FIRST_PORT_NUMBERS.includes(k))) : {};
  return [{ ...(head ? copy(name) : { name: DEFAULT_PORT_NAME }), ...numbers }, ...rest];
}

function restoreService(stored: unknown, v1: JsonObject, lifted: HubSpec): unknown {
  const servicePort = isObject(v1.service) ? v1.service.port : undefined;
  return jsonEqual(toV1Service(stored, servicePort), v1.service) ? copy(stored) : lifted.service;
}

function restoreEnv(stored: unknown, v1: JsonObject, lifted: HubSpec): unknown {
  if (!Array.isArray(stored)) return lifted.env;
  if (jsonEqual(stored.filter(isLiteral).map(toV1Env), v1.env)) return copy(stored);
  const env: unknown[] = Array.isArray(v1.env) ? v1.env.map(toV1Env) : [];
  const literalNames = new Set(env.filter(isObject).map((literal) => literal.name));
  stored.forEach((entry, index) => {
    if (isLiteral(entry) || literalNames.has((entry as JsonObject).name)) return;
    env.splice(Math.min(index, env.length), 0, copy(entry));
  });
  return env;
}

/** The hub's spec from a v1 spec and the fields its annotation carries. */
function fromV1Spec(v1: JsonObject, fields: V2Fields): HubSpec {
  const lifted = liftSpec(v1);
  const restored: HubSpec = { ...lifted };
  if (fields.ports !== undefined) restored.ports = restorePorts(fields.ports, v1);
  if (fields.service !== undefined) restored.service = restoreService(fields.service, v1, lifted);
  if (fields.env !== undefined) restored.env = restoreEnv(fields.env, v1, lifted);
  if (fields.autoscaling !== undefined) restored.autoscaling = copy(fields.autoscaling);
  return pick(restored, HUB_FIELDS);
}

/** A v1 WebApp (or any object claiming to be one) in the hub form. Never throws. */
export function fromV1(object: JsonObject): HubWebApp {
  const fields = decodeV2Fields(v2FieldsAnnotationOf(object.metadata));
  const replace: JsonObject = {};
  if (object.metadata !== undefined) {
    replace.metadata = withAnnotation(object.metadata, V2_FIELDS_ANNOTATION, undefined);
  }
  if (isObject(object.spec)) replace.spec = fromV1Spec(object.spec, fields);
  return rebuild(object, undefined, replace) as HubWebApp;
}

/** The hub as a v1 WebApp, with the v2-fields annotation when v1's fields cannot carry it all. Never throws. */
export function toV1(hub: HubWebApp): JsonObject {
  const replace: JsonObject = {};
  let annotation: string | undefined;
  if (isObject(hub.spec)) {
    const spec = hub.spec as JsonObject;
    const v1 = projectSpec(spec);
    const lifted = liftSpec(v1);
    const fields: V2Fields = {};
    for (const f of V2_ONLY_FIELDS) if (spec[f] !== undefined && !jsonEqual(lifted[f], spec[f])) fields[f] = spec[f];
    annotation = encodeV2Fields(fields);
    replace.spec = v1;
  }
  // Never a metadata or an annotations map the object did not have as an object (the apiserver
  // always sends both as objects, or no annotations): then what v1 cannot carry is lost.
  const metadata = hub.metadata;
  const writable = isObject(metadata) && (metadata.annotations === undefined || isObject(metadata.annotations));
  if (writable) replace.metadata = withAnnotation(metadata, V2_FIELDS_ANNOTATION, annotation);
  return rebuild(hub as JsonObject, WEBAPP_API_VERSION, replace);
}
