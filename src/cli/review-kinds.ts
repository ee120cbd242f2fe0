// What `shipshape review` needs to know of each kind it reviews (WebApp; MySQLCluster, issue #36):
// its CRD's schema at each served version, the version its webhooks are registered for and how an
// object gets there, and the webhooks' paths and names. review.ts walks the apiserver's steps with
// whichever kind a manifest is.
import {
  API_GROUP,
  API_VERSION,
  MUTATE_PATH,
  MUTATING_WEBHOOK_NAME,
  MYSQL_MUTATE_PATH,
  MYSQL_MUTATING_WEBHOOK_NAME,
  MYSQL_VALIDATE_PATH,
  MYSQL_VALIDATING_WEBHOOK_NAME,
  VALIDATE_PATH,
  VALIDATING_WEBHOOK_NAME,
  WEBAPP_KIND,
  WEBAPP_PLURAL,
} from '../constants.ts';
import { type OpenApiSchema, toWebAppCrd } from '../api/crd.ts';
import { MYSQLCLUSTER_KIND, MYSQLCLUSTER_PLURAL, MYSQLCLUSTER_VERSION } from '../api/mysqlcluster.ts';
import { toMySQLClusterCrd } from '../api/mysqlcluster-crd.ts';
import { convertWebApp } from '../api/webapp-versions.ts';
import type { CrdManifest } from '../api/crd.ts';
import type { JsonObject } from '../json/json.ts';
import { CliError } from './cli-error.ts';

export type ReviewKind = {
  kind: string;
  plural: string;
  /** The version the webhooks are registered for: every AdmissionReview's `kind`. */
  webhookVersion: string;
  /** The version of `object`'s apiVersion; the webhook version for anything else. */
  versionOf(object: JsonObject): string;
  /** The CRD's openAPIV3Schema at `version`. */
  schema(version: string): OpenApiSchema;
  /** `object` at `version`, as the conversion webhook would give it; as it is if it cannot be. */
  atVersion(object: JsonObject, version: string): JsonObject;
  mutatePath: string;
  validatePath: string;
  /** As kubectl names them: admission webhook "<name>" denied the request. */
  mutatingWebhook: string;
  validatingWebhook: string;
};

/** A CRD's schemas by version, rendered once on first use. */
function schemasOf(kind: string, crd: () => CrdManifest): (version: string) => OpenApiSchema {
  const schemas = new Map<string, OpenApiSchema>();
  return (version) => {
    let schema = schemas.get(version);
    if (!schema) {
      const found = crd().spec.versions.find((v) => v.name === version);
      if (!found) throw new CliError('CLI_SERVER', `the ${kind} CRD has no version ${version}`);
      schema = found.schema.openAPIV3Schema;
      schemas.set(version, schema);
    }
    return schema;
  };
}

/** The version of an apiVersion in the group (shipshape.dev/v2 -> v2); `fallback` otherwise. */
function groupVersion(object: JsonObject, fallback: string): string {
  const [group, version] = typeof object.apiVersion === 'string' ? object.apiVersion.split('/') : [];
  return group === API_GROUP && version ? version : fallback;
}

export const WEBAPP_REVIEW: ReviewKind = {
  kind: WEBAPP_KIND,
  plural: WEBAPP_PLURAL,
  webhookVersion: API_VERSION,
  versionOf: (object) => groupVersion(object, API_VERSION),
  schema: schemasOf(WEBAPP_KIND, () => toWebAppCrd()),
  atVersion(object, version) {
    if (groupVersion(object, API_VERSION) === version) return object;
    const converted = convertWebApp(object, `${API_GROUP}/${version}`);
    return converted.ok ? converted.object : object;
  },
  mutatePath: MUTATE_PATH,
  validatePath: VALIDATE_PATH,
  mutatingWebhook: MUTATING_WEBHOOK_NAME,
  validatingWebhook: VALIDATING_WEBHOOK_NAME,
};

/** One version, no conversion. */
export const MYSQLCLUSTER_REVIEW: ReviewKind = {
  kind: MYSQLCLUSTER_KIND,
  plural: MYSQLCLUSTER_PLURAL,
  webhookVersion: MYSQLCLUSTER_VERSION,
  versionOf: (object) => groupVersion(object, MYSQLCLUSTER_VERSION),
  schema: schemasOf(MYSQLCLUSTER_KIND, toMySQLClusterCrd),
  atVersion: (object) => object,
  mutatePath: MYSQL_MUTATE_PATH,
  validatePath: MYSQL_VALIDATE_PATH,
  mutatingWebhook: MYSQL_MUTATING_WEBHOOK_NAME,
  validatingWebhook: MYSQL_VALIDATING_WEBHOOK_NAME,
};

/** The kind `object` is reviewed as: MySQLCluster by its kind, else WebApp (targets.ts chose it). */
export function reviewKindOf(object: JsonObject): ReviewKind {
  return object.kind === MYSQLCLUSTER_KIND ? MYSQLCLUSTER_REVIEW : WEBAPP_REVIEW;
}
