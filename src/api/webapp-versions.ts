// The WebApp versions conversion knows, each with its pair of hub conversions (issue #35), and
// conversion between any two of them through the hub. Pure; src/conversion/ (the conversion
// webhook's edge) and the tests call this.
import { API_GROUP, WEBAPP_API_VERSION, WEBAPP_KIND } from '../constants.ts';
import { type JsonObject, isObject } from '../json/json.ts';
import { fromV1, toV1 } from './conversion-v1.ts';
import { fromV2, toV2 } from './conversion-v2.ts';
import type { HubWebApp } from './hub.ts';
import { WEBAPP_V2_API_VERSION } from './webapp-v2.ts';

type Spoke = { toHub: (object: JsonObject) => HubWebApp; fromHub: (hub: HubWebApp) => JsonObject };

const SPOKES: ReadonlyMap<string, Spoke> = new Map([
  [WEBAPP_API_VERSION, { toHub: fromV1, fromHub: toV1 }],
  [WEBAPP_V2_API_VERSION, { toHub: fromV2, fromHub: toV2 }],
]);

/** The apiVersions a WebApp can be converted from and to, oldest first. */
export const WEBAPP_API_VERSIONS: readonly string[] = [...SPOKES.keys()];

export type Converted = { ok: true; object: JsonObject } | { ok: false; message: string };

/**
 * `object` at `apiVersion`, through the hub; a copy as it is when it is already there. Not ok, with a
 * message for a person, when `object` is not a WebApp object of a known version or `apiVersion` is
 * not one; never throws otherwise (a spoke's conversion is total).
 */
export function convertWebApp(object: unknown, apiVersion: string): Converted {
  const to = SPOKES.get(apiVersion);
  if (!to) return { ok: false, message: `${JSON.stringify(apiVersion)} is not a WebApp version (${versions()})` };
  if (!isObject(object)) return { ok: false, message: 'not an object' };
  if (object.kind !== WEBAPP_KIND)
    return { ok: false, message: `kind ${JSON.stringify(object.kind)} is not ${WEBAPP_KIND}` };
  const from = typeof object.apiVersion === 'string' ? SPOKES.get(object.apiVersion) : undefined;
  if (!from) {
    return {
      ok: false,
      message: `apiVersion ${JSON.stringify(object.apiVersion)} is not a ${API_GROUP} WebApp version (${versions()})`,
    };
  }
  if (from === to) return { ok: true, object: structuredClone(object) };
  return { ok: true, object: to.fromHub(from.toHub(object)) };
}

function versions(): string {
  return WEBAPP_API_VERSIONS.join(', ');
}
