// What `shipshape review --cluster` reads through the user's kubeconfig: the WebApps (at v1) and the
// MySQLClusters (at v1alpha1) of one namespace or of all, and the annotations of their Namespaces.
// Lists are paged (500 a page). A Namespace the user may not read is judged without overrides, and
// says so. MySQLClusters are optional where WebApps are not: a cluster without their CRD (404; a
// replica's --controllers may leave the kind out) has none, and a user who may not list them (403)
// gets the WebApps' review with a warning that they were not reviewed, so a WebApp-only setup and
// its RBAC see what they saw before the kind existed.
import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, WEBAPP_PLURAL } from '../constants.ts';
import { MYSQLCLUSTER_PLURAL, MYSQLCLUSTER_VERSION } from '../api/mysqlcluster.ts';
import type { JsonObject } from '../json/json.ts';
import { CliError } from './cli-error.ts';

export type ClusterObjects = {
  webApps: JsonObject[];
  mysqlClusters: JsonObject[];
  annotations: Map<string, Record<string, string> | undefined>;
  /** Namespaces whose annotations could not be read, MySQLClusters that could not be listed, and why. */
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

type Listed = { group: string; version: string; plural: string };

/** Every object of `resource` in `namespace` (undefined: every namespace). */
function listResource(
  custom: CustomObjectsApi,
  resource: Listed,
  namespace: string | undefined,
): Promise<JsonObject[]> {
  const target = { ...resource, limit: 500 };
  return listAll(
    (cont) =>
      (namespace === undefined
        ? custom.listClusterCustomObject({ ...target, ...(cont && { _continue: cont }) })
        : custom.listNamespacedCustomObject({
            ...target,
            namespace,
            ...(cont && { _continue: cont }),
          })) as Promise<Page>,
  ).catch((cause: unknown) => {
    throw failed(`${resource.plural}.${resource.group}`, cause);
  });
}

/** The MySQLClusters, or none with a problem when their CRD is missing (404) or they may not be listed (403). */
async function listMySQLClusters(
  custom: CustomObjectsApi,
  namespace: string | undefined,
  problems: string[],
): Promise<JsonObject[]> {
  const resource = { group: API_GROUP, version: MYSQLCLUSTER_VERSION, plural: MYSQLCLUSTER_PLURAL };
  try {
    return await listResource(custom, resource, namespace);
  } catch (err) {
    const code = ((err as CliError).cause as ApiException<unknown> | undefined)?.code;
    if (code === 404) return [];
    if (code === 403) {
      problems.push(`${MYSQLCLUSTER_PLURAL}.${API_GROUP}: forbidden to list them (403); MySQLClusters not reviewed`);
      return [];
    }
    throw err;
  }
}

/**
 * Lists the WebApps and MySQLClusters of `namespace` (undefined: every namespace) and their
 * Namespaces' annotations.
 */
export async function readCluster(kc: KubeConfig, namespace: string | undefined): Promise<ClusterObjects> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const problems: string[] = [];
  const [webApps, mysqlClusters] = await Promise.all([
    listResource(custom, { group: API_GROUP, version: API_VERSION, plural: WEBAPP_PLURAL }, namespace),
    listMySQLClusters(custom, namespace, problems),
  ]);
  const annotations = new Map<string, Record<string, string> | undefined>();
  const names = new Set(
    [...webApps, ...mysqlClusters].map((o) => String((o.metadata as JsonObject | undefined)?.namespace ?? '')),
  );
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
  return { webApps, mysqlClusters, annotations, problems };
}
