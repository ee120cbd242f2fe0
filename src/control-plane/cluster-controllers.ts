// What turns a bare apiserver into a cluster a Deployment rolls out on: kube-controller-manager
// (deployments, replicasets, garbage collection, namespace deletion, service accounts),
// kube-scheduler, and kwok, which plays the kubelet of fake Nodes (they turn Ready at once, their
// Pods Running and Ready, deleted Pods go away). No container ever runs. With no fake Nodes, kwok
// does not start: the controllers and the scheduler serve a real node (real-node.ts). Either way
// the controller manager provisions claims of the default StorageClass as folders on this machine
// (host-path-storage.ts).
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';
import { findFreePort } from '../net/free-port.ts';
import { pollUntil } from '../runtime/poll.ts';
import { type ManagedProcess, startProcess } from '../runtime/child-process.ts';
import type { ControlPlaneAssets } from './assets.ts';
import { createHostPathStorageClass } from './host-path-storage.ts';

/** kwok manages only Nodes carrying this annotation, as its docs recommend. */
const KWOK_ANNOTATION = 'kwok.x-k8s.io/node';

export type ClusterControllersInput = {
  assets: ControlPlaneAssets;
  dir: string;
  /** A kubeconfig per component, so the audit log tells their writes apart from the tests'. */
  kubeconfigs: { controllerManager: string; scheduler: string; kwok: string; admin: string };
  /** Fake Nodes; 0 starts no kwok. */
  nodes: number;
  /** Extra kube-controller-manager flags, appended last so they override the defaults. */
  controllerManagerArgs?: string[];
};

/**
 * Starts the three components (each its own process, logging into `dir`), creates `nodes` fake
 * Nodes spread over as many zones and the default StorageClass HOSTPATH_STORAGE_CLASS, and resolves
 * once every Node is Ready and the controller manager has created the `default` ServiceAccount (its
 * controllers run). The processes are returned in start order as soon as each has started, through
 * `onStarted`, so a caller can stop them even when a later step fails.
 */
export async function startClusterControllers(
  input: ClusterControllersInput,
  onStarted: (p: ManagedProcess) => void,
): Promise<void> {
  const { assets, dir, kubeconfigs } = input;
  const pki = (name: string) => join(dir, 'pki', name);
  const start = async (name: string, command: string, args: string[]) => {
    const p = await startProcess(name, command, args, join(dir, `${name}.log`));
    onStarted(p);
    return p;
  };

  const controllerManager = await start('kube-controller-manager', assets.kubeControllerManager, [
    `--kubeconfig=${kubeconfigs.controllerManager}`,
    '--leader-elect=false',
    // No HTTPS endpoint: nothing scrapes it here, and a fixed port would collide between tests.
    '--secure-port=0',
    `--service-account-private-key-file=${pki('sa.key')}`,
    `--root-ca-file=${pki('ca.crt')}`,
    // Its CSR signer needs the CA's key, which the harness never writes; nothing here signs CSRs.
    '--controllers=*,-csrsigning',
    '--service-cluster-ip-range=10.0.0.0/16',
    // Claims bind, to folders under /tmp/hostpath_pv (host-path-storage.ts: where, who removes them).
    '--enable-hostpath-provisioner',
    // The PV controller's resync of every claim and volume, 15 s by default: a released volume was
    // deleted only by it in 2 of 5 runs of harness-storage.test (14 s after its claim; its events
    // race with its own kubernetes.io/pv-controller finalizer, which it removes and adds again).
    // Cheap with the few volumes a test makes.
    '--pvclaimbinder-sync-period=2s',
    ...(input.controllerManagerArgs ?? []),
  ]);
  const scheduler = await start('kube-scheduler', assets.kubeScheduler, [
    `--kubeconfig=${kubeconfigs.scheduler}`,
    '--leader-elect=false',
    '--secure-port=0',
  ]);
  const kwok =
    input.nodes > 0
      ? await start('kwok', assets.kwok, [
          `--kubeconfig=${kubeconfigs.kwok}`,
          `--config=${assets.kwokStages}`,
          `--manage-nodes-with-annotation-selector=${KWOK_ANNOTATION}=fake`,
          // A Lease per Node, renewed (the heartbeat-with-lease stage counts on it): without one the
          // node lifecycle controller hears nothing for its grace period (50 s), marks the Node
          // unreachable and every Pod on it NotReady, and kwok's stages never make them Ready
          // again, so a Deployment older than that read as unavailable.
          '--node-lease-duration-seconds=40',
          '--cidr=10.244.0.0/16',
          '--node-ip=127.0.0.1',
          `--server-address=127.0.0.1:${await findFreePort()}`,
        ])
      : undefined;

  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigs.admin);
  const core = kc.makeApiClient(CoreV1Api);
  for (let i = 0; i < input.nodes; i++) await core.createNode({ body: fakeNode(i) });
  await createHostPathStorageClass(kc);

  const alive = (what: string) => {
    for (const p of [controllerManager, scheduler, ...(kwok ? [kwok] : [])]) {
      if (!p.isRunning()) throw new Error(`${p.name} exited before ${what} (log: ${p.logPath})`);
    }
  };
  await pollUntil(
    'every kwok Node Ready',
    async () => {
      alive('the Nodes were Ready');
      const nodes = (await core.listNode({ labelSelector: 'type=kwok' })).items;
      return nodes.length === input.nodes && nodes.every(isReady);
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  await pollUntil(
    'the default ServiceAccount (kube-controller-manager running)',
    async () => {
      alive('the default ServiceAccount existed');
      return Boolean(await core.readNamespacedServiceAccount({ namespace: 'default', name: 'default' }));
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}

function isReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** A Node kwok adopts: room for a few hundred Pods, in zone `zone-<i>` of its own. */
function fakeNode(i: number): V1Node {
  const name = `kwok-node-${i}`;
  const resources = { cpu: '32', memory: '256Gi', pods: '250' };
  return {
    metadata: {
      name,
      annotations: { [KWOK_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        type: 'kwok',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/agent': '',
        'topology.kubernetes.io/zone': `zone-${i}`,
      },
    },
    status: { allocatable: resources, capacity: resources },
  };
}
