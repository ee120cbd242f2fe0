// What kube-apiserver checks of a WebApp itself, before and around the webhooks, so that
// `shipshape review` answers as the cluster does: strict decoding (unknown fields, as
// `kubectl --validate=strict` asks), then, after the mutating webhooks, the CRD's structural
// schema (k8s.io/kube-openapi validate, as apiextensions-apiserver's ValidateCustomResource
// words it) and the name rule of every custom resource (a DNS-1123 subdomain). Only the
// keywords the WebApp CRD uses are implemented; messages are the apiserver's, byte for byte, as
// measured against kube-apiserver 1.37 (test/integration/cli-server-parity.test.ts). The
// apiserver's order of several errors follows Go map iteration and varies between requests; ours
// follows the schema.
import { type JsonObject, isObject } from '../json/json.ts';
import type { OpenApiSchema } from './crd.ts';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** k8s.io/apimachinery validation.IsDNS1123Subdomain. */
const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_1123_SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** The JSON type name kube-openapi reports for a value of the wrong type. */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** field.Invalid's rendering of a value: strings quoted, numbers as they are. */
function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function validateNode(value: unknown, schema: OpenApiSchema, path: string, errors: string[]): void {
  const invalidType = (want: string, got = typeName(value)) =>
    errors.push(`${path}: Invalid value: "${got}": ${path} in body must be of type ${want}: "${got}"`);
  if (schema['x-kubernetes-int-or-string'] === true) {
    if (typeof value === 'string' || Number.isInteger(value)) {
      if (typeof value === 'string') checkString(value, schema, path, errors);
      return;
    }
    // Three errors, as kube-openapi reports a failed anyOf [integer, string].
    invalidType('integer,string');
    errors.push(`<nil>: Invalid value: "": "${path}" must validate at least one schema (anyOf)`);
    invalidType('integer');
    return;
  }
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return void invalidType('string');
      return checkString(value, schema, path, errors);
    case 'integer': {
      if (typeof value !== 'number') return void invalidType('integer');
      const int32 = schema.format === 'int32';
      const formatError = `<nil>: Invalid value: "": Checked value must be of type integer with format int32 in ${path}`;
      if (!Number.isInteger(value)) {
        invalidType(int32 ? 'int32' : 'integer', 'float64');
        if (int32) errors.push(formatError);
        return;
      }
      if (int32 && (value < INT32_MIN || value > INT32_MAX)) return void errors.push(formatError);
      if (typeof schema.minimum === 'number' && value < schema.minimum) {
        errors.push(
          `${path}: Invalid value: ${value}: ${path} in body should be greater than or equal to ${schema.minimum}`,
        );
      }
      if (typeof schema.maximum === 'number' && value > schema.maximum) {
        errors.push(
          `${path}: Invalid value: ${value}: ${path} in body should be less than or equal to ${schema.maximum}`,
        );
      }
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') invalidType('boolean');
      return;
    case 'array': {
      if (!Array.isArray(value)) return void invalidType('array');
      const items = schema.items as OpenApiSchema | undefined;
      if (items) value.forEach((item, i) => validateNode(item, items, `${path}[${i}]`, errors));
      return;
    }
    case 'object': {
      if (!isObject(value)) return void invalidType('object');
      const properties = (schema.properties ?? {}) as Record<string, OpenApiSchema>;
      // The apiserver prunes nulls of non-nullable fields before it validates: null is missing.
      const present = (name: string) => value[name] !== undefined && value[name] !== null;
      for (const name of (schema.required as string[] | undefined) ?? []) {
        if (!present(name)) errors.push(`${child(path, name)}: Required value`);
      }
      for (const [name, sub] of Object.entries(properties)) {
        if (present(name)) validateNode(value[name], sub, child(path, name), errors);
      }
      const additional = schema.additionalProperties;
      if (isObject(additional)) {
        for (const [name, item] of Object.entries(value)) {
          if (!(name in properties) && item !== null) validateNode(item, additional, child(path, name), errors);
        }
      }
      return;
    }
  }
}

function checkString(value: string, schema: OpenApiSchema, path: string, errors: string[]): void {
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
    const supported = schema.enum.map((v) => JSON.stringify(v)).join(', ');
    errors.push(`${path}: Unsupported value: ${JSON.stringify(value)}: supported values: ${supported}`);
    return;
  }
  if (typeof schema.minLength === 'number' && value.length < schema.minLength) {
    errors.push(
      `${path}: Invalid value: ${shown(value)}: ${path} in body should be at least ${schema.minLength} chars long`,
    );
  }
  if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) {
    errors.push(
      `${path}: Invalid value: ${shown(value)}: ${path} in body should be at most ${schema.maxLength} chars long`,
    );
  }
  if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) {
    errors.push(`${path}: Invalid value: ${shown(value)}: ${path} in body should match '${schema.pattern}'`);
  }
}

/**
 * The field errors of `object` under the custom resource's `schema` (its openAPIV3Schema), each as
 * the apiserver renders a field.Error: "spec.replicas: Invalid value: -1: spec.replicas in body
 * should be greater than or equal to 0". Empty when it conforms. `metadata` is checked for what
 * every custom resource needs: a name that is a DNS-1123 subdomain.
 */
export function validateCustomResource(object: JsonObject, schema: OpenApiSchema): string[] {
  const errors: string[] = [];
  const metadata = isObject(object.metadata) ? object.metadata : {};
  if (typeof metadata.name === 'string' && metadata.name) {
    const name = metadata.name;
    if (name.length > 253) {
      errors.push(`metadata.name: Invalid value: ${JSON.stringify(name)}: must be no more than 253 characters`);
    } else if (!DNS_1123_SUBDOMAIN.test(name)) {
      errors.push(`metadata.name: Invalid value: ${JSON.stringify(name)}: ${DNS_1123_SUBDOMAIN_MESSAGE}`);
    }
  }
  const properties = { ...((schema.properties ?? {}) as Record<string, OpenApiSchema>) };
  // ObjectMeta is the apiserver's own type, checked above; the schema only says "object".
  delete properties.metadata;
  validateNode(object, { ...schema, properties }, '', errors);
  return errors;
}

/**
 * Fields the schema does not know, as dotted paths ("spec.replica"), in the order they appear.
 * With kubectl's default --validate=strict the apiserver refuses them while decoding, before
 * any webhook; without it they would be pruned. `metadata` is the apiserver's own ObjectMeta and
 * is not walked.
 */
export function unknownFields(object: unknown, schema: OpenApiSchema, path = ''): string[] {
  if (Array.isArray(object)) {
    const items = schema.items as OpenApiSchema | undefined;
    return items ? object.flatMap((item, i) => unknownFields(item, items, `${path}[${i}]`)) : [];
  }
  if (!isObject(object) || schema.type !== 'object') return [];
  const properties = (schema.properties ?? {}) as Record<string, OpenApiSchema>;
  const additional = isObject(schema.additionalProperties) ? (schema.additionalProperties as OpenApiSchema) : undefined;
  return Object.entries(object).flatMap(([name, value]) => {
    const sub = properties[name] ?? additional;
    if (!sub) return [child(path, name)];
    if (path === '' && name === 'metadata') return [];
    return unknownFields(value, sub, child(path, name));
  });
}
