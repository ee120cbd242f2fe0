// The WebApp CustomResourceDefinition, rendered from the zod schemas in ./webapp.ts (v1) and
// ./webapp-v2.ts (v2): both served, one stored, converted by Shipshape's webhook
// (./crd-conversion.ts). Each version's schema is a Kubernetes *structural* schema
// (apiextensions.k8s.io/v1): every node has a `type`, no $ref, no `additionalProperties` beside
// `properties`, `anyOf` only in the int-or-string form.
// https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema
import type {
  ApiextensionsV1WebhookClientConfig,
  V1CustomResourceDefinition,
  V1CustomResourceDefinitionVersion,
} from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { z } from 'zod';
import {
  API_GROUP,
  API_VERSION,
  WEBAPP_CRD_NAME,
  WEBAPP_KIND,
  WEBAPP_LIST_KIND,
  WEBAPP_PLURAL,
  WEBAPP_SHORT_NAMES,
  WEBAPP_SINGULAR,
} from '../constants.ts';
import { webAppSpecSchema, webAppStatusSchema } from './webapp.ts';
import { V2_VERSION, webAppV2SpecSchema } from './webapp-v2.ts';
import { toPrinterColumns } from './crd-columns.ts';
import { toCrdConversion } from './crd-conversion.ts';
import { CodedError } from '../errors/coded-error.ts';

/** An OpenAPI v3 schema node as it appears on the wire and in YAML (`enum`, `x-kubernetes-*`). */
export type OpenApiSchema = { [keyword: string]: unknown };

/**
 * The CRD in its wire form, as kubectl and crds/*.yaml see it. Deliberately not client-node's
 * V1CustomResourceDefinition: that model spells schema keywords `_enum` and
 * `xKubernetesIntOrString` and its serializer silently drops the wire spellings. To create it
 * through ApiextensionsV1Api, convert first: `loadYaml<V1CustomResourceDefinition>(renderCrdYaml())`.
 */
export type CrdManifest = Omit<V1CustomResourceDefinition, 'spec'> & {
  spec: Omit<NonNullable<V1CustomResourceDefinition['spec']>, 'versions'> & {
    versions: (Omit<V1CustomResourceDefinitionVersion, 'schema'> & { schema: { openAPIV3Schema: OpenApiSchema } })[];
  };
};

export type CrdSchemaErrorCode = 'CRD_NOT_STRUCTURAL';

/** A zod schema that has no structural OpenAPI form; `message` names the JSON path of the node. */
export class CrdSchemaError extends CodedError<CrdSchemaErrorCode> {}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT_OR_STRING = 'x-kubernetes-int-or-string';

/**
 * Keywords kept, in the order they are written; any other is an error, not a silent drop.
 * (uniqueItems is left out on purpose: apiextensions v1 rejects `uniqueItems: true`.)
 */
const KEYWORDS = [
  ...['description', 'title', 'type', 'format', 'nullable', 'enum'],
  ...['minimum', 'exclusiveMinimum', 'maximum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'pattern'],
  ...['minItems', 'maxItems', 'items', 'minProperties', 'maxProperties', 'properties', 'required'],
  'additionalProperties',
];

/**
 * zod states integer ranges as bounds; Kubernetes states int32 as `format: int32`. Runs on zod's
 * output per node, where the zod type (z.int32() vs z.int()) is still known.
 */
function describeIntegers({ zodSchema, jsonSchema }: { zodSchema: z.core.$ZodTypes; jsonSchema: OpenApiSchema }) {
  const def = zodSchema._zod.def;
  if (def.type !== 'number' || !('format' in def)) return;
  if (def.format === 'int32') {
    jsonSchema.format = 'int32';
    dropBounds(jsonSchema, INT32_MIN, INT32_MAX);
  } else if (def.format === 'safeint') {
    dropBounds(jsonSchema, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  }
}

/** Removes bounds that only restate the type's own range; narrower ones (port 1..65535) stay. */
function dropBounds(jsonSchema: OpenApiSchema, min: number, max: number): void {
  if (jsonSchema.minimum === min) delete jsonSchema.minimum;
  if (jsonSchema.maximum === max) delete jsonSchema.maximum;
}

function isSchema(value: unknown): value is OpenApiSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(path: string, message: string): never {
  throw new CrdSchemaError('CRD_NOT_STRUCTURAL', `${path || '<root>'}: ${message}`);
}

/** The one `anyOf` a structural schema allows: integer | string, validated by the string's pattern. */
function toIntOrString(node: OpenApiSchema, path: string): OpenApiSchema {
  const branches = Array.isArray(node.anyOf) ? node.anyOf.filter(isSchema) : [];
  const integer = branches.find((b) => b.type === 'integer');
  const string = branches.find((b) => b.type === 'string');
  if (branches.length !== 2 || !integer || !string) fail(path, `${INT_OR_STRING} needs anyOf [integer, string]`);
  const extra = [...Object.keys(integer), ...Object.keys(string)].filter((k) => k !== 'type' && k !== 'pattern');
  if (integer.pattern !== undefined || extra.length) fail(path, `int-or-string branches may only carry a pattern`);
  const out: OpenApiSchema = {};
  if (node.description !== undefined) out.description = node.description;
  out[INT_OR_STRING] = true;
  out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  if (string.pattern !== undefined) out.pattern = string.pattern;
  return out;
}

function toStructural(node: OpenApiSchema, path: string): OpenApiSchema {
  if (node[INT_OR_STRING] === true) return toIntOrString(node, path);
  for (const key of Object.keys(node)) {
    if (!KEYWORDS.includes(key) && !key.startsWith('x-kubernetes-')) fail(path, `unsupported keyword ${key}`);
  }
  if (typeof node.type !== 'string') fail(path, 'every node needs a type');
  const out: OpenApiSchema = {};
  for (const key of [...KEYWORDS, ...Object.keys(node).filter((k) => k.startsWith('x-kubernetes-'))]) {
    const value = node[key];
    if (value === undefined) continue;
    if (key === 'properties' && isSchema(value)) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [name, toStructural(child as OpenApiSchema, `${path}.${name}`)]),
      );
    } else if (key === 'items' && isSchema(value)) {
      out.items = toStructural(value, `${path}[*]`);
    } else if (key === 'additionalProperties') {
      // `false` is zod's strictObject; pruning already drops unknown fields, and v1 forbids it
      // beside `properties`. A schema (z.record) stays; `true` has no structural form.
      if (value === false) continue;
      if (!isSchema(value) || node.properties !== undefined) fail(path, 'additionalProperties must be a schema');
      out.additionalProperties = toStructural(value, `${path}[*]`);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * Converts a zod schema to a Kubernetes structural OpenAPI v3 schema. Throws CRD_NOT_STRUCTURAL,
 * naming the path, for what Kubernetes cannot express (unions, $ref, unknown keywords).
 */
export function toOpenApiSchema(schema: z.ZodType): OpenApiSchema {
  const json = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    reused: 'inline',
    cycles: 'throw',
    unrepresentable: 'throw',
    override: describeIntegers,
  }) as OpenApiSchema;
  delete json.$schema;
  return toStructural(json, '');
}

/** The versions the CRD serves, oldest first (the order they are rendered in). */
export const WEBAPP_VERSIONS = [API_VERSION, V2_VERSION] as const;
export type WebAppVersion = (typeof WEBAPP_VERSIONS)[number];

export type WebAppCrdOptions = {
  /**
   * The one version etcd stores objects in. v1 while v2 is served beside it (issue #35's first
   * step); flipping it to v2 is the migration's step, and only new writes are stored at v2 until a
   * StorageVersionMigration rewrites the rest.
   */
  storageVersion?: WebAppVersion;
  /** Where the apiserver sends ConversionReviews; default the in-cluster Service (./crd-conversion.ts). */
  conversion?: ApiextensionsV1WebhookClientConfig;
};

const DESCRIPTION =
  'A web application that Shipshape runs as a Deployment, a Service and a ConfigMap, with a PodDisruptionBudget (maxUnavailable: 1) while it has more than one replica and a HorizontalPodAutoscaler while autoscaling is set.';

const SPEC_SCHEMAS: Record<WebAppVersion, z.ZodType> = { v1: webAppSpecSchema, v2: webAppV2SpecSchema };

function toVersion(name: WebAppVersion, storage: boolean): CrdManifest['spec']['versions'][number] {
  const spec = toOpenApiSchema(SPEC_SCHEMAS[name]);
  const status = toOpenApiSchema(webAppStatusSchema);
  return {
    name,
    served: true,
    storage,
    schema: {
      openAPIV3Schema: {
        description: DESCRIPTION,
        type: 'object',
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { type: 'object' },
          spec: { description: 'Desired state of the WebApp', ...spec },
          status: { description: 'Observed state of the WebApp, written by the operator', ...status },
        },
        required: ['spec'],
      },
    },
    subresources: { status: {} },
    additionalPrinterColumns: toPrinterColumns(name),
  };
}

/**
 * The WebApp CRD, in the key order it is rendered in: every version served, `storageVersion` (v1
 * unless given) stored, conversion by Shipshape's webhook. The caBundle is the installer's to set.
 */
export function toWebAppCrd(options: WebAppCrdOptions = {}): CrdManifest {
  const storageVersion = options.storageVersion ?? API_VERSION;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: WEBAPP_CRD_NAME },
    spec: {
      group: API_GROUP,
      names: {
        kind: WEBAPP_KIND,
        listKind: WEBAPP_LIST_KIND,
        plural: WEBAPP_PLURAL,
        singular: WEBAPP_SINGULAR,
        shortNames: [...WEBAPP_SHORT_NAMES],
        categories: ['shipshape'],
      },
      scope: 'Namespaced',
      versions: WEBAPP_VERSIONS.map((name) => toVersion(name, name === storageVersion)),
      conversion: toCrdConversion(options.conversion),
    },
  };
}

/** crds/webapps.shipshape.dev.yaml, byte for byte; scripts/render-manifests.ts writes it. */
export function renderCrdYaml(): string {
  return (
    '# Generated by scripts/render-manifests.ts from src/api/webapp.ts and src/api/webapp-v2.ts; do not edit.\n' +
    stringify(toWebAppCrd(), { lineWidth: 0 })
  );
}
