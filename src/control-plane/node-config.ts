// The configuration files of the real node (real-node.ts), as pure functions of the paths and
// addresses it picked: containerd's config, the CNI network and the KubeletConfiguration. Every
// path containerd or the kubelet would otherwise take on the host (/var/lib, /run, /opt, /etc/cni,
// /var/log/pods) points into the node's folder, so a node shares nothing with another or the host.
import { stringify } from 'yaml';

export type ContainerdConfigInput = {
  dir: string;
  socket: string;
  runc: string;
  cniBinDir: string;
  cniConfDir: string;
  pauseImage: string;
};

/** containerd 2.x's config (version 3). */
export function toContainerdConfig(c: ContainerdConfigInput): string {
  const s = (value: string) => JSON.stringify(value);
  const runtime = "plugins.'io.containerd.cri.v1.runtime'";
  return `version = 3
root = ${s(`${c.dir}/root`)}
state = ${s(`${c.dir}/state`)}

[grpc]
  address = ${s(c.socket)}

[ttrpc]
  address = ${s(`${c.socket}.ttrpc`)}

[${runtime}]
  # These machines' processes lack CAP_SYS_RESOURCE: the kubelet's -998 for a sandbox fails in
  # runc init ("failed to update /proc/self/oom_score_adj"); clamp to containerd's own score.
  restrict_oom_score_adj = true
  # Not /var/run/netns, shared with \`ip netns\` and every other runtime.
  netns_mounts_under_state_dir = true

[${runtime}.containerd]
  default_runtime_name = "runc"

[${runtime}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[${runtime}.containerd.runtimes.runc.options]
  BinaryName = ${s(c.runc)}
  # Not /run/containerd/runc.
  Root = ${s(`${c.dir}/runc`)}
  SystemdCgroup = false

[${runtime}.cni]
  bin_dirs = [${s(c.cniBinDir)}]
  conf_dir = ${s(c.cniConfDir)}
  # Not the loopback plugin: libcni would cache its results on the host (/var/lib/cni/results)
  # under containerd's network name, not ours, so a node's teardown could not tell them apart.
  use_internal_loopback = true

[plugins.'io.containerd.cri.v1.images'.pinned_images]
  # Imported by real-node.ts, never pulled: no registry is reachable here.
  sandbox = ${s(c.pauseImage)}

[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = "127.0.0.1"

[plugins.'io.containerd.nri.v1.nri']
  # Its socket is /var/run/nri/nri.sock on every containerd; nothing here uses NRI.
  disable = true

[plugins.'io.containerd.internal.v1.opt']
  path = ${s(`${c.dir}/opt`)}
`;
}

export type BridgeNetworkInput = {
  /** The network's name; also names the CNI cache entries on the host (/var/lib/cni/results). */
  name: string;
  bridge: string;
  subnet: string;
  gateway: string;
  ipamDataDir: string;
};

/**
 * One bridge for the node's Pods. The host is their gateway (isGateway), so the apiserver on the
 * host reaches Pod IPs through the bridge's route; no masquerading (ipMasq false): Pod traffic
 * stays on the bridge and the host, and the host's NAT table is left alone. containerd adds the
 * loopback interface itself (use_internal_loopback). No portmap: hostPorts would add rules to the host's NAT table.
 */
export function toBridgeConflist(n: BridgeNetworkInput): string {
  return `${JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: n.name,
      plugins: [
        {
          type: 'bridge',
          bridge: n.bridge,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            dataDir: n.ipamDataDir,
            ranges: [[{ subnet: n.subnet, gateway: n.gateway }]],
            routes: [{ dst: '0.0.0.0/0' }],
          },
        },
      ],
    },
    null,
    2,
  )}\n`;
}

export type KubeletConfigInput = {
  dir: string;
  containerdSocket: string;
  /** The node's address: the kubelet's API listens there only. */
  address: string;
  port: number;
  healthzPort: number;
  clientCaFile: string;
  /** The kubelet's cgroup parent for Pods, made beforehand in every hierarchy (node-cgroups.ts). */
  cgroupRoot: string;
  clusterDns: string;
};

/**
 * The KubeletConfiguration for these machines: cgroup v1 (refused since 1.35 unless failCgroupV1
 * is false), no systemd (cgroupfs), no swap check, no read-only port, its API authenticated by
 * client certificate or token (Webhook) and authorized by the apiserver.
 */
export function toKubeletConfiguration(k: KubeletConfigInput): string {
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: k.cgroupRoot,
    containerRuntimeEndpoint: `unix://${k.containerdSocket}`,
    failSwapOn: false,
    address: k.address,
    port: k.port,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: k.healthzPort,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: k.clientCaFile },
    },
    authorization: { mode: 'Webhook' },
    clusterDNS: [k.clusterDns],
    clusterDomain: 'cluster.local',
    // The host's settings stay as they are, except the kernel tunables the kubelet sets anyway
    // (real-node.ts puts them back); no KUBE-FIREWALL and canary chains in the host's iptables
    // (they serve kube-proxy, which does not run here).
    enforceNodeAllocatable: [],
    protectKernelDefaults: false,
    makeIPTablesUtilChains: false,
    // Not /var/log/pods, nor /usr/libexec/kubernetes.
    podLogsDir: `${k.dir}/pod-logs`,
    volumePluginDir: `${k.dir}/volume-plugins`,
    // Images are imported, never pulled: garbage collection must not remove them.
    imageGCHighThresholdPercent: 100,
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '2%', 'imagefs.available': '2%' },
    rotateCertificates: false,
    serverTLSBootstrap: false,
    registerNode: true,
  });
}
