// The WebApp the children are built from (issue #35, "the reconciler reads the hub"): the object as
// stored, whatever version a client wrote it at, converted in-process to v2 through the hub
// (convertWebApp), defaulted at v2 (the mutating webhook's defaultWebAppV2, so the configured
// default resources too), parsed with v2's schema and typed by defaultV2Spec. So the fields only v2
// can say, which ride on a v1 object in the shipshape.dev/v2-fields annotation, are built whichever
// version a client wrote, and the reconciler keeps watching the storage version: no conversion
// webhook call per object.
//
// Defaulted at v2, not at v1 then converted: a v2 port without a servicePort is stored at v1 as
// spec.port with no spec.service.port (decision 19: a v2 client's request is defaulted at v2), and
// v1's defaults would expose it on 80. A WebApp written at v1 through the webhook holds v1's
// defaults already, so its v2 form is fully defaulted and its children are the ones v1 always had
// (test/unit/operator/desired-webapp.test.ts, over generated WebApps). Of objects that bypassed
// the webhook (admitted while it was down), one with spec.service.port and no spec.port gets v1's
// port 8080 here (v2 has no servicePort without a containerPort), and only one with spec.port and
// no spec.service.port reads differently: on no Service, where v1's defaults would put it on 80.
//
// Parsed with the runtime webAppV2Schema: v2 has no ahead-of-time compiled form (as
// compiledWebAppSchema is v1's), and this runs once per reconcile, not per admission.
import { type DefaultedV2Spec, defaultV2Spec } from '../api/defaults-v2.ts';
import { DEFAULTS, type DefaultedWebApp } from '../api/defaults.ts';
import type { WebApp } from '../api/webapp.ts';
import { WEBAPP_V2_API_VERSION, webAppV2Schema } from '../api/webapp-v2.ts';
import { convertWebApp } from '../api/webapp-versions.ts';
import { WEBAPP_API_VERSION } from '../constants.ts';
import { type JsonObject, isObject } from '../json/json.ts';
import { defaultWebAppV2 } from '../../webhooks/default-webapp-v2.ts';
import type { PolicyContext } from '../../webhooks/policy.ts';

/** What a child is built from: the WebApp's metadata and its spec defaulted at v2. */
export type DesiredWebApp = { metadata: WebApp['metadata']; spec: DefaultedV2Spec };

export type ToDesired = { ok: true; webApp: DesiredWebApp } | { ok: false; message: string };

/** "spec.ports.1.name: Invalid string ..." for each issue, as one line. */
function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}

/**
 * `object` (a WebApp at any version the hub knows, as stored) as a DesiredWebApp, defaulted by
 * defaultWebAppV2 in `policy` (without one, by defaultV2Spec alone: no configured resources). Not
 * ok, with a message naming the fields, when it does not convert or its v2 form does not parse: a
 * v2-fields annotation written by hand with a port the schema refuses, say. Never throws.
 */
export function toDesiredWebApp(object: unknown, policy?: PolicyContext): ToDesired {
  const converted = convertWebApp(withContainerPort(object), WEBAPP_V2_API_VERSION);
  if (!converted.ok) return { ok: false, message: converted.message };
  const defaulted: JsonObject = policy ? defaultWebAppV2(converted.object, policy) : converted.object;
  const parsed = webAppV2Schema.safeParse(defaulted);
  if (!parsed.success) return { ok: false, message: `its v2 form is invalid: ${describeIssues(parsed.error.issues)}` };
  return { ok: true, webApp: { metadata: parsed.data.metadata, spec: defaultV2Spec(parsed.data.spec) } };
}

/**
 * A v1 object with spec.service.port and no spec.port, given v1's default port (a copy): its v2
 * form would otherwise be a port with a servicePort and no containerPort, which v2 cannot hold.
 */
function withContainerPort(object: unknown): unknown {
  if (!isObject(object) || object.apiVersion !== WEBAPP_API_VERSION || !isObject(object.spec)) return object;
  const { spec } = object;
  if (spec.port !== undefined || !isObject(spec.service) || spec.service.port === undefined) return object;
  return { ...object, spec: { ...spec, port: DEFAULTS.port } };
}

/** A WebApp either as the reconciler hands it over (v2) or defaulted at v1, as tests and tools hold one. */
export type ChildSource = DesiredWebApp | DefaultedWebApp;

function isDesired(webApp: ChildSource): webApp is DesiredWebApp {
  return Array.isArray((webApp.spec as { ports?: unknown }).ports);
}

/**
 * `webApp` as a DesiredWebApp: as it is when it is one, else converted as toDesiredWebApp does.
 * Throws a TypeError when a v1 WebApp does not convert: the caller handed over an object it did
 * not parse, a bug upstream (as toDefaultedWebApp's).
 */
export function asDesired(webApp: ChildSource): DesiredWebApp {
  if (isDesired(webApp)) return webApp;
  const desired = toDesiredWebApp(webApp);
  if (!desired.ok) throw new TypeError(`children: the WebApp does not convert to v2: ${desired.message}`);
  return desired.webApp;
}
