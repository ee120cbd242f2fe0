// Shorthands for the MySQLCluster policies' tests: the fixtures of test/fixtures/mysqlclusters/
// and the context the policies read, built from the defaults with some settings replaced.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { JsonObject } from '../../../src/json/json.ts';
import { DEFAULT_LIMITS } from '../../../webhooks/limits.ts';
import { DEFAULT_MYSQL_POLICY_CONFIG, type MySQLPolicyConfig } from '../../../webhooks/mysql-policy-config.ts';
import type { PolicyContext } from '../../../webhooks/policy.ts';

const FIXTURES = new URL('../../fixtures/mysqlclusters/', import.meta.url);

export function loadMySQLFixture(name: string): JsonObject {
  return parse(readFileSync(new URL(`${name}.yaml`, FIXTURES), 'utf8')) as JsonObject;
}

/** The `full` fixture with some spec fields replaced (a nested storage is merged). */
export function fullMySQL(spec: JsonObject = {}, metadata: JsonObject = {}): JsonObject {
  const object = loadMySQLFixture('full');
  const current = object.spec as JsonObject;
  const { storage, ...rest } = spec;
  Object.assign(current, rest);
  if (storage !== undefined) current.storage = { ...(current.storage as JsonObject), ...(storage as JsonObject) };
  Object.assign(object.metadata as JsonObject, metadata);
  return object;
}

export type MySQLContextOptions = {
  mysql?: Partial<MySQLPolicyConfig>;
  limits?: Partial<MySQLPolicyConfig['limits']>;
  annotations?: Record<string, string>;
  enforcement?: 'warn' | 'enforce';
  stored?: JsonObject;
};

export function mysqlContext(options: MySQLContextOptions = {}): PolicyContext {
  const mysql = {
    ...DEFAULT_MYSQL_POLICY_CONFIG,
    ...options.mysql,
    limits: { ...DEFAULT_MYSQL_POLICY_CONFIG.limits, ...options.limits },
  };
  return {
    config: { limits: DEFAULT_LIMITS, mysql, ...(options.enforcement && { enforcement: options.enforcement }) },
    namespaceAnnotations: options.annotations ?? {},
    ...(options.stored && { stored: options.stored }),
  };
}
