// MySQLClusters and their children for integration tests: written through kubectl (what a user
// runs, so the webhooks see every write), read through the typed clients.
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PolicyV1Api,
  type V1Pod,
} from '@kubernetes/client-node';
import { API_GROUP } from '../../src/constants.ts';
import {
  MYSQLCLUSTER_API_VERSION,
  MYSQLCLUSTER_PLURAL,
  MYSQLCLUSTER_VERSION,
  type MySQLCluster,
} from '../../src/api/mysqlcluster.ts';
import { eventually } from './eventually.ts';
import { kubectl } from './kubectl.ts';

export const mysqlTarget = { group: API_GROUP, version: MYSQLCLUSTER_VERSION, plural: MYSQLCLUSTER_PLURAL };

/** Resolves true once `read` answers 404. */
export const isGone = (read: () => Promise<unknown>) =>
  read().then(
    () => false,
    (err: { code?: number }) => err.code === 404,
  );

const isReady = (pod: V1Pod) =>
  pod.status?.phase === 'Running' && !!pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

export function mysqlClients(kc: KubeConfig, kubeconfigPath: string) {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const policy = kc.makeApiClient(PolicyV1Api);
  const run = (args: string[], input?: string) => kubectl(kubeconfigPath, args, input);
  const get = async (namespace: string, name: string) =>
    (await custom.getNamespacedCustomObject({ ...mysqlTarget, namespace, name })) as MySQLCluster;
  const pods = async (namespace: string, name: string) =>
    (await core.listNamespacedPod({ namespace, labelSelector: `shipshape.dev/mysqlcluster=${name}` })).items;
  const claims = async (namespace: string, name: string) =>
    (await core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector: `shipshape.dev/mysqlcluster=${name}` }))
      .items;
  return {
    apps,
    core,
    custom,
    policy,
    run,
    get,
    pods,
    claims,
    /** kubectl apply of a MySQLCluster manifest. */
    apply: (namespace: string, name: string, spec: Record<string, unknown>) =>
      run(
        ['apply', '-n', namespace, '-f', '-'],
        JSON.stringify({ apiVersion: MYSQLCLUSTER_API_VERSION, kind: 'MySQLCluster', metadata: { name }, spec }),
      ),
    /** kubectl patch --type=merge of the spec. */
    patch: (namespace: string, name: string, spec: Record<string, unknown>) =>
      run(['patch', 'mysqlcluster', name, '-n', namespace, '--type=merge', '-p', JSON.stringify({ spec })]),
    /** The Events about the MySQLCluster `name`. */
    events: async (namespace: string, name: string) =>
      (await core.listNamespacedEvent({ namespace })).items.filter(
        (e) => e.involvedObject.kind === 'MySQLCluster' && e.involvedObject.name === name,
      ),
    readyPods: async (namespace: string, name: string) => (await pods(namespace, name)).filter(isReady),
    /**
     * Waits until the cluster reports Ready for its current generation: phase Running, every member
     * ready, the spec's version current; with `replicas` Ready Pods of `image` behind it.
     */
    ready: (namespace: string, name: string, timeoutMs = 60_000) =>
      eventually(
        `${namespace}/${name} Ready`,
        async () => {
          const cluster = await get(namespace, name);
          const { status, spec, metadata } = cluster;
          if (status?.observedGeneration !== metadata.generation || status?.phase !== 'Running') return undefined;
          if (status.readyReplicas !== spec.replicas || status.currentVersion !== spec.version) return undefined;
          const members = await pods(namespace, name);
          const ready = members.filter(
            (p) => isReady(p) && !p.metadata?.deletionTimestamp && p.spec?.containers[0]?.image === spec.image,
          );
          return members.length === spec.replicas && ready.length === spec.replicas && { cluster, pods: ready };
        },
        timeoutMs,
      ),
  };
}
