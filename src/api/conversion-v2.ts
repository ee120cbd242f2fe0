// WebApp v2 <-> hub (issue #35). The hub has v2's fields today (./hub.ts), so both directions copy
// the spec's known fields; v2 -> hub also removes the v2-fields annotation, which means something on
// a v1 object only (a v2 manifest copied from a v1 one may carry a stale one). Pure and total: never
// throws. Not wired yet (./hub.ts).
import { type JsonObject, isObject } from '../json/json.ts';
import { HUB_FIELDS, type HubWebApp, pick, rebuild, withAnnotation } from './hub.ts';
import { V2_FIELDS_ANNOTATION } from './v2-fields-annotation.ts';
import { WEBAPP_V2_API_VERSION } from './webapp-v2.ts';

/** A v2 WebApp (or any object claiming to be one) in the hub form. */
export function fromV2(object: JsonObject): HubWebApp {
  const replace: JsonObject = {};
  if (object.metadata !== undefined) {
    replace.metadata = withAnnotation(object.metadata, V2_FIELDS_ANNOTATION, undefined);
  }
  if (isObject(object.spec)) replace.spec = pick(object.spec, HUB_FIELDS);
  return rebuild(object, undefined, replace) as HubWebApp;
}

/** The hub as a v2 WebApp. */
export function toV2(hub: HubWebApp): JsonObject {
  const replace: JsonObject = {};
  if (isObject(hub.spec)) replace.spec = pick(hub.spec, HUB_FIELDS);
  return rebuild(hub as JsonObject, WEBAPP_V2_API_VERSION, replace);
}
