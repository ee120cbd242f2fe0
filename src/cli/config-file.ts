// `--config FILE`: the server's settings, written as a YAML or JSON mapping whose keys are the
// environment variable names (SHIPSHAPE_MAX_REPLICAS) or the flag names without `--`
// (max-replicas), or as a ConfigMap whose `data` holds them (what a Deployment's envFrom reads).
// They go through the server's own parseConfig and toPolicyConfig, so a value means the same here
// as in the server, and a bad one is refused with the same message.
import { parseDocument } from 'yaml';
import { ConfigError, parseConfig, toPolicyConfig } from '../config/config.ts';
import { SETTINGS } from '../config/settings.ts';
import { isObject } from '../json/json.ts';
import type { PolicyConfig } from '../../webhooks/limits.ts';

/** A YAML scalar or a list of them (denied-ports: [9090, 9443]) as the string a variable holds. */
function toText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    return value.join(',');
  }
  return undefined;
}

/** The settings of a config file, as the environment variables and flags the server would get. */
export function toServerArguments(text: string, source: string): { argv: string[]; env: NodeJS.ProcessEnv } {
  const doc = parseDocument(text);
  const [error] = doc.errors;
  if (error) {
    const pos = error.linePos?.[0];
    const at = pos ? `${pos.line}:${pos.col}` : '';
    throw new ConfigError(`${source}:${at} ${error.message.split('\n')[0]}`, { cause: error });
  }
  let settings: unknown = doc.toJS();
  if (settings === null || settings === undefined) settings = {};
  if (isObject(settings) && settings.kind === 'ConfigMap') settings = settings.data ?? {};
  if (!isObject(settings)) {
    throw new ConfigError(`${source}: expected a mapping of settings, e.g. "SHIPSHAPE_MAX_REPLICAS: 20"`);
  }
  const argv: string[] = [];
  const env: NodeJS.ProcessEnv = {};
  const errors: string[] = [];
  for (const [key, value] of Object.entries(settings)) {
    const byEnv = SETTINGS.find((s) => s.env === key);
    const byFlag = SETTINGS.find((s) => s.flag === `--${key}`);
    const text = toText(value);
    // The value is shown as the file holds it, so the line is easy to find.
    const shown = JSON.stringify(value) ?? String(value);
    if (!byEnv && !byFlag) errors.push(`unknown setting "${key}" = ${shown}`);
    else if (text === undefined) errors.push(`${key} = ${shown}: expected a string, a number or a list of them`);
    else if (byEnv) env[key] = text;
    else argv.push(`${byFlag!.flag}=${text}`);
  }
  if (errors.length) {
    const known =
      'a setting is an environment variable (SHIPSHAPE_MAX_REPLICAS) or a flag name (max-replicas) of the server; `npm start -- --help` lists them';
    throw new ConfigError(`${source}: invalid configuration:\n  ${errors.join('\n  ')}\n(${known})`);
  }
  return { argv, env };
}

/**
 * The PolicyConfig the server would build from this file. Settings the file leaves out take the
 * server's defaults; the process environment is not read, so a review does not depend on the
 * shell it runs in. Throws ConfigError.
 */
export function toPolicyConfigFromFile(text: string, source: string): PolicyConfig {
  const { argv, env } = toServerArguments(text, source);
  try {
    const parsed = parseConfig(argv, env);
    if (parsed.help) throw new ConfigError(`${source}: unexpected help setting`);
    return toPolicyConfig(parsed.config);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${source}: ${err.message}`, { cause: err });
    throw err;
  }
}
