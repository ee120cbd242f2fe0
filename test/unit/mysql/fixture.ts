// The MySQLCluster fixtures of the unit tests (test/fixtures/mysql/), read as loose JSON.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { DefaultedMySQLCluster } from '../../../src/api/mysqlcluster.ts';

export type Json = Record<string, unknown>;

const FIXTURES = new URL('../../fixtures/mysql/', import.meta.url);

export const load = (file: string): Json => parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as Json;

/** db.yaml: a stored cluster, every field defaulted. */
export const loadDefaulted = (): DefaultedMySQLCluster => load('db.yaml') as unknown as DefaultedMySQLCluster;
