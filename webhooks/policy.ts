// What a policy is: a pure function on a WebApp object (controller-runtime's CustomDefaulter and
// CustomValidator), never on an AdmissionRequest. src/admission/policy-adapters.ts adapts them to
// AdmissionReview at the HTTP edge (as WithDefaulter/WithValidator do); the reconciler and the CLI
// call them directly.
import type { JsonObject } from '../src/json/json.ts';
import type { PolicyConfig } from './limits.ts';

/** What a policy knows besides the object: configuration and the namespace's annotations. */
export type PolicyContext = {
  config: PolicyConfig;
  /** Annotations of the object's Namespace from the watched cache; undefined if unknown. */
  namespaceAnnotations: Record<string, string> | undefined;
  /** The name to judge the object by when its metadata names none (the AdmissionRequest's). */
  name?: string | undefined;
  /**
   * The object as stored before this write: an UPDATE's oldObject, and for the reconciler and the
   * CLI's cluster review the stored object itself; undefined on a create. Defaulting reads it where
   * a field's absence is a stored fact rather than a gap to fill (v1's service.port).
   */
  stored?: JsonObject | undefined;
};

export type Problem = { path: string; message: string };

/**
 * One thing a WebApp breaks. `limit` marks a configurable limit (replica count, port ranges,
 * denied ports): the spec can still be built, and an object stored before the limit was lowered
 * keeps running. Every other violation (schema, name, image, env, quantities) means the spec
 * cannot be built.
 */
export type Violation = Problem & {
  limit: boolean;
  /** The setting a `limit` violation breaks, as the flags name it: max-replicas, denied-ports, ... */
  setting?: string;
};

/** A warning and the field it is about (dotted path); it is repeated only when that field changes. */
export type FieldWarning = { field: string; message: string };

export type Findings = { violations: Violation[]; warnings: FieldWarning[] };

/** A validator's verdict: no violations means allowed; warnings are shown either way. */
export type Validation = { violations: Violation[]; warnings: string[] };

/** Returns the defaulted object: a copy when anything is filled in; never changes its argument. */
export type Defaulter = (object: JsonObject, context: PolicyContext) => JsonObject;

/** Judges `object`; `old` is the stored object on an update, undefined on a create. */
export type Validator = (object: JsonObject, old: JsonObject | undefined, context: PolicyContext) => Validation;
