// The storage of the harness's clusters: kube-controller-manager's in-tree host-path provisioner
// (--enable-hostpath-provisioner, cluster-controllers.ts) behind one StorageClass, the default one,
// so a claim binds whether or not it names a class, as on a cluster that has a default. For tests
// and the dev loop only: a volume is a plain folder on this machine, with no quota and no resizer.
//
// Where it writes: /tmp/hostpath_pv/<uuid>, one folder per PersistentVolume, on the controller
// manager's host. Kubernetes fixes the path in its source (pkg/volume/hostpath/host_path.go, 1.37:
// `fmt.Sprintf("/tmp/%s/%s", "hostpath_pv", uuid)`, the literal /tmp, not $TMPDIR) and no flag
// moves it, so every control plane on the machine shares the parent folder. The provisioner's own
// deleter removes a folder once its PersistentVolume is released under reclaimPolicy Delete. What
// is still there when a control plane stops (claims never deleted) is removed by its stop(): the
// folders its own PersistentVolumes name, never another control plane's, then the parent if that
// is left empty. Not covered: a folder made in the instant before the controller manager stopped,
// whose PersistentVolume was never stored, and the folders of a control plane whose owner died
// without stop() (the watchdog knows its processes and its temporary folder only).
import { readdir, rm, rmdir } from 'node:fs/promises';
import { CoreV1Api, type KubeConfig, StorageV1Api, type V1StorageClass } from '@kubernetes/client-node';
import { TimeoutKubeConfig } from '../kube/timeout-kubeconfig.ts';

/** The StorageClass every harness cluster with controllers has, marked as the default. */
export const HOSTPATH_STORAGE_CLASS = 'shipshape-test-hostpath';

/** Where the provisioner makes its folders (fixed upstream, see above). */
export const HOSTPATH_VOLUMES_DIR = '/tmp/hostpath_pv';

/** The provisioner's folders: a v1 UUID (k8s.io/apimachinery/pkg/util/uuid) under the parent. */
const VOLUME_DIR = /^\/tmp\/hostpath_pv\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What the PV controller puts on every PersistentVolume an in-tree plugin provisioned. */
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';

export function hostPathStorageClass(): V1StorageClass {
  return {
    metadata: {
      name: HOSTPATH_STORAGE_CLASS,
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
    },
    provisioner: 'kubernetes.io/host-path',
    reclaimPolicy: 'Delete',
    // The apiserver then accepts a larger claim (PersistentVolumeClaimResize); nothing resizes the
    // folder, so the claim's status keeps the size it was provisioned with.
    allowVolumeExpansion: true,
    volumeBindingMode: 'Immediate',
  };
}

export async function createHostPathStorageClass(kc: KubeConfig): Promise<void> {
  await kc.makeApiClient(StorageV1Api).createStorageClass({ body: hostPathStorageClass() });
}

export type HostPathVolumes = {
  /**
   * Adds the folders that the cluster's PersistentVolumes provisioned by the host-path plugin name
   * now. Call it while the apiserver runs and after anything that could provision has stopped (or
   * before an outage); with etcd down (`etcdRunning` false) the apiserver's watch cache answers.
   * An apiserver that does not answer within 5 s adds nothing: what was recorded before stays.
   */
  record(etcdRunning: boolean): Promise<void>;
  /** Removes the recorded folders, then the shared parent if nothing else is in it. Never throws. */
  remove(): Promise<void>;
};

/** The folders of one control plane's volumes, read through the admin kubeconfig `kubeconfigPath`. */
export function createHostPathVolumes(kubeconfigPath: string): HostPathVolumes {
  const dirs = new Set<string>();
  return {
    async record(etcdRunning) {
      // Nothing there, from this control plane or another: no request (most control planes).
      if ((await readdir(HOSTPATH_VOLUMES_DIR).catch(() => [])).length === 0) return;
      const kc = new TimeoutKubeConfig();
      kc.loadFromFile(kubeconfigPath);
      kc.requestTimeoutMs = 5_000;
      const list = await kc
        .makeApiClient(CoreV1Api)
        .listPersistentVolume(etcdRunning ? {} : { resourceVersion: '0' })
        .catch(() => undefined);
      for (const pv of list?.items ?? []) {
        const path = pv.spec?.hostPath?.path;
        if (pv.metadata?.annotations?.[PROVISIONED_BY] === 'kubernetes.io/host-path' && path && VOLUME_DIR.test(path)) {
          dirs.add(path);
        }
      }
    },
    async remove() {
      for (const dir of dirs) await rm(dir, { recursive: true, force: true }).catch(() => {});
      dirs.clear();
      // Fails while another control plane's folder is there. Removing an empty parent that another
      // made is harmless: the provisioner makes it again (MkdirAll) with its next folder; one racing
      // this rmdir, between making the parent and its folder, fails and its PV controller retries.
      await rmdir(HOSTPATH_VOLUMES_DIR).catch(() => {});
    },
  };
}
