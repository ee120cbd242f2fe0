// What an omitted field of a WebApp's spec becomes (the mutating webhook fills these in), and the
// type of a spec once it has been defaulted: the children and the status are built from that type,
// so nothing downstream defaults a second time.
import type { EnvVar, ServiceType, WebApp, WebAppSpec } from './webapp.ts';

/** What an omitted field of a WebApp's spec becomes; shown by docs/api.md and the CLI. */
export const DEFAULTS: {
  readonly replicas: number;
  readonly port: number;
  readonly env: readonly EnvVar[];
  readonly service: { readonly type: ServiceType; readonly port: number };
} = Object.freeze({
  replicas: 1,
  port: 8080,
  env: Object.freeze([]),
  service: Object.freeze({ type: 'ClusterIP', port: 80 }),
});

/** The resource names a WebApp's requests and limits may set. */
export const RESOURCE_NAMES = ['cpu', 'memory'] as const;

/** A spec after defaulting: every field with a default is present. */
export type DefaultedSpec = WebAppSpec & {
  replicas: number;
  port: number;
  env: EnvVar[];
  service: { type: ServiceType; port: number };
};

export type DefaultedWebApp = WebApp & { spec: DefaultedSpec };

/**
 * `webApp` as a DefaultedWebApp, for a WebApp parsed after the mutating policy ran on it. Throws a
 * TypeError naming the field when one is missing: a bug upstream, not a gap to fill here.
 */
export function toDefaultedWebApp(webApp: WebApp): DefaultedWebApp {
  const { spec } = webApp;
  const missing = [
    spec.replicas === undefined && 'replicas',
    spec.port === undefined && 'port',
    spec.env === undefined && 'env',
    spec.service?.type === undefined && 'service.type',
    spec.service?.port === undefined && 'service.port',
  ].filter(Boolean);
  if (missing.length) throw new TypeError(`the WebApp spec is not defaulted: spec.${missing.join(', spec.')} missing`);
  return webApp as DefaultedWebApp;
}
