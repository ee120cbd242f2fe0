// What `shipshape review --cluster` reads through the user's kubeconfig: the WebApps of one
// namespace or of all, and the annotations of their Namespaces. Lists are paged (500 a page). A
// Namespace the user may not read is judged without overrides, and says so.
import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, WEBAPP_PLURAL } from '../constants.ts';
import type { JsonObject } from '../json/json.ts';
import { CliError } from './cli-error.ts';

export type ClusterObjects = {
  webApps: JsonObject[];
  annotations: Map<string, Record<string, string> | undefined>;
  /** Namespaces whose annotations could not be read, and why. */
  problems: string[];
};

type Page = { items: JsonObject[]; metadata?: { _continue?: string; continue?: string } };

/** The kubeconfig: `path`, else KUBECONFIG, else ~/.kube/config (client-node's loadFromDefault). */
export function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (path !== undefined) kc.loadFromFile(path);
    else kc.loadFromDefault();
  } catch (cause) {
    throw new CliError('CLI_USAGE', `--kubeconfig ${path ?? '(default)'}: ${(cause as Error).message}`, { cause });
  }
  if (!kc.getCurrentCluster())
    throw new CliError('CLI_USAGE', 'no cluster in the kubeconfig; give --kubeconfig or set KUBECONFIG');
  return kc;
}

/** The namespace of the kubeconfig's current context, else "default" (as kubectl does). */
export function contextNamespace(kc: KubeConfig): string {
  return kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';
}

async function listAll(list: (cont: string | undefined) => Promise<Page>): Promise<JsonObject[]> {
  const items: JsonObject[] = [];
  let cont: string | undefined;
  do {
    const page = await list(cont);
    items.push(...page.items);
    cont = page.metadata?._continue || page.metadata?.continue || undefined;
  } while (cont);
  return items;
}

function failed(what: string, cause: unknown): CliError {
  const detail = cause instanceof ApiException ? `${cause.code} ${String(cause.body).slice(0, 300)}` : String(cause);
  return new CliError('CLI_SERVER', `cannot list ${what}: ${detail}`, { cause });
}

/** Lists the WebApps of `namespace` (undefined: every namespace) and their Namespaces' annotations. */
export async function readCluster(kc: KubeConfig, namespace: string | undefined): Promise<ClusterObjects> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const target = { group: API_GROUP, version: API_VERSION, plural: WEBAPP_PLURAL, limit: 500 };
  const webApps = await listAll(
    (cont) =>
      (namespace === undefined
        ? custom.listClusterCustomObject({ ...target, ...(cont && { _continue: cont }) })
        : custom.listNamespacedCustomObject({
            ...target,
            namespace,
            ...(cont && { _continue: cont }),
          })) as Promise<Page>,
  ).catch((cause: unknown) => {
    throw failed(`${WEBAPP_PLURAL}.${API_GROUP}`, cause);
  });
  const annotations = new Map<string, Record<string, string> | undefined>();
  const problems: string[] = [];
  const names = new Set(webApps.map((w) => String((w.metadata as JsonObject | undefined)?.namespace ?? '')));
  if (namespace !== undefined) names.add(namespace);
  await Promise.all(
    [...names].map(async (name) => {
      try {
        annotations.set(name, (await core.readNamespace({ name })).metadata?.annotations ?? {});
      } catch (cause) {
        annotations.set(name, undefined);
        const code = cause instanceof ApiException ? cause.code : String(cause);
        problems.push(`namespace ${name}: its annotations could not be read (${code}); judged without overrides`);
      }
    }),
  );
  return { webApps, annotations, problems };
}
