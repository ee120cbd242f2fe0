// Builds what the policies receive, from YAML fixtures in test/fixtures/webapps/, and applies the
// JSON Patches they return (add, remove, replace: the operations toJsonPatch emits).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';
import { type AdmissionRequest, admissionRequestSchema } from '../../../src/admission/admission-review.ts';
import { API_GROUP, API_VERSION, WEBAPP_KIND, WEBAPP_PLURAL } from '../../../src/constants.ts';
import { DEFAULT_LIMITS, type Limits, type PolicyConfig } from '../../../webhooks/limits.ts';
import type { PolicyContext } from '../../../webhooks/policy.ts';
import type { JsonObject } from '../../../src/json/json.ts';

const FIXTURES = new URL('../../fixtures/webapps/', import.meta.url);

export function loadFixture(name: string): JsonObject {
  return parse(readFileSync(new URL(`${name}.yaml`, FIXTURES), 'utf8')) as JsonObject;
}

export function loadFixtures(name: string): JsonObject[] {
  return parseAllDocuments(readFileSync(new URL(`${name}.yaml`, FIXTURES), 'utf8')).map((d) => d.toJS() as JsonObject);
}

export type RequestOptions = {
  operation?: AdmissionRequest['operation'];
  namespace?: string;
  /** The request's own name; defaults to object.metadata.name, as the apiserver sends it. */
  name?: string;
  oldObject?: JsonObject;
};

/** A complete AdmissionRequest, checked against the schema the HTTP edge parses with. */
export function toRequest(object: JsonObject | null, options: RequestOptions = {}): AdmissionRequest {
  const { operation = 'CREATE', oldObject } = options;
  const metadata = (object?.metadata ?? oldObject?.metadata ?? {}) as JsonObject;
  const name = options.name ?? (typeof metadata.name === 'string' ? metadata.name : undefined);
  const gvk = { group: API_GROUP, version: API_VERSION, kind: WEBAPP_KIND };
  const gvr = { group: API_GROUP, version: API_VERSION, resource: WEBAPP_PLURAL };
  return admissionRequestSchema.parse({
    uid: randomUUID(),
    kind: gvk,
    resource: gvr,
    requestKind: gvk,
    requestResource: gvr,
    ...(name === undefined ? {} : { name }),
    namespace: options.namespace ?? (typeof metadata.namespace === 'string' ? metadata.namespace : 'default'),
    operation,
    userInfo: { username: 'jane', groups: ['system:authenticated'] },
    object,
    oldObject: oldObject ?? null,
    dryRun: false,
  });
}

export type ContextOptions = {
  limits?: Partial<Limits>;
  defaultResources?: PolicyConfig['defaultResources'];
  annotations?: Record<string, string>;
};

export function toContext(options: ContextOptions = {}): PolicyContext {
  return {
    config: {
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      ...(options.defaultResources ? { defaultResources: options.defaultResources } : {}),
    },
    namespaceAnnotations: options.annotations,
  };
}
