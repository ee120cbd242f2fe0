// envtest for TypeScript: a real etcd and kube-apiserver on loopback, in a temporary folder, with
// generated certificates, for tests and the dev loop; by default also kube-controller-manager,
// kube-scheduler and kwok's fake Nodes (cluster-controllers.ts), so Deployments really roll out;
// with `realNode: true` the same controllers without kwok, for a real node (real-node.ts) to join.
// With the controllers, claims bind: a default StorageClass provisions folders on this machine,
// which stop() removes (host-path-storage.ts). Nothing here is used in a cluster.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { toKubeconfigYaml } from '../kube/kubeconfig.ts';
import { findFreePort } from '../net/free-port.ts';
import { probeStatus } from '../net/probe-status.ts';
import { type CertificateAuthority, createCertificateAuthority } from '../pki/certificates.ts';
import { type ControlPlaneAssets, resolveAssets } from './assets.ts';
import { type ManagedProcess, startProcess } from '../runtime/child-process.ts';
import { forgetDir, watchDir } from '../runtime/child-watchdog.ts';
import { PollTimeoutError, pollUntil } from '../runtime/poll.ts';
import { startClusterControllers } from './cluster-controllers.ts';
import { HarnessError } from './harness-error.ts';
import { type HostPathVolumes, createHostPathVolumes } from './host-path-storage.ts';

export type ControlPlaneOptions = {
  /** Binaries to run; default: resolveAssets(process.env). */
  assets?: ControlPlaneAssets;
  /** Parent of the temporary folder; default /dev/shm when present (etcd fsyncs are free there). */
  baseDir?: string;
  /** How long to wait for /readyz; default 90 s. */
  startTimeoutMs?: number;
  /** Extra kube-apiserver flags, appended last so they override the defaults. */
  apiserverArgs?: string[];
  /** Extra kube-controller-manager flags (with Nodes), appended last so they override the defaults. */
  controllerManagerArgs?: string[];
  /** Write an audit log (JSON lines) of every mutating request with its user; see auditLogPath. */
  audit?: boolean;
  /**
   * Run kube-controller-manager, kube-scheduler and kwok with this many fake Nodes (default 3),
   * and the default StorageClass HOSTPATH_STORAGE_CLASS (host-path-storage.ts); 0 gives a quiet
   * apiserver where nothing but the test writes, and no StorageClass.
   */
  nodes?: number;
  /**
   * The cluster a real node joins (startRealNode, real-node.ts), whose Pods are installed as in a
   * cluster: kube-controller-manager and kube-scheduler without kwok (`nodes` is ignored), the
   * ServiceAccount admission plugin on, so Pods get projected tokens and the `kube-root-ca.crt`
   * CA, and --enable-aggregator-routing, so the apiserver calls a webhook (or conversion) Service
   * at a ready endpoint's Pod IP, which the host routes to, since no kube-proxy runs. Default
   * false; start the node itself with startRealNode(cp).
   */
  realNode?: boolean;
  /**
   * An OTLP/gRPC endpoint (host:port) for the apiserver's own traces: every request is sampled,
   * and the apiserver sends a W3C `traceparent` to the webhooks it calls.
   */
  tracingEndpoint?: string;
};

export type ControlPlane = {
  /** A kubeconfig with cluster-admin (system:masters) client credentials. */
  kubeconfigPath: string;
  /** The apiserver's URL, https://127.0.0.1:<port>. */
  server: string;
  /** The CA that signed the apiserver's serving certificate and the admin client certificate. */
  caPem: string;
  dir: string;
  /** The Kubernetes release the binaries report (`kubectl version`), e.g. v1.37.2. */
  version: string;
  /** The kubectl of the same release: use it, not the machine's. */
  kubectl: string;
  /** The running etcd (a new process after startEtcd()). */
  readonly etcd: ManagedProcess;
  /**
   * Stops etcd only (outage tests); the apiserver keeps running and its data stay on disk. The
   * folders of provisioned volumes are recorded first, for stop() to remove.
   */
  stopEtcd(): Promise<void>;
  /** Starts etcd again on the same ports with the same data; resolves once /health answers. */
  startEtcd(): Promise<void>;
  /** kube-controller-manager, kube-scheduler and kwok, when started with Nodes. */
  readonly controllers: ManagedProcess[];
  /** The running kube-apiserver (a new process after startApiserver()). */
  readonly apiserver: ManagedProcess;
  /** Stops kube-apiserver only (outage tests); etcd and the data stay; volumes as stopEtcd(). */
  stopApiserver(): Promise<void>;
  /** Starts kube-apiserver again on the same port with the same flags; resolves once ready. */
  startApiserver(): Promise<void>;
  /**
   * Writes a kubeconfig for a cluster-admin user named `user` (its own client certificate, so the
   * audit log tells writers apart), optionally pointing at another `server` URL (a proxy). `groups`
   * replaces the certificate's groups (default system:masters), e.g. a kubelet's system:nodes.
   */
  issueKubeconfig(user: string, server?: string, groups?: string[]): Promise<string>;
  /** The audit log, when started with `audit: true`. */
  auditLogPath?: string;
  /**
   * Stops kwok, the scheduler and the controller manager, lists the PersistentVolumes they
   * provisioned, stops kube-apiserver, then etcd, and removes the folder and those volumes' folders
   * under /tmp/hostpath_pv (host-path-storage.ts; with the apiserver down, those it listed before the
   * outage). Safe to call more than once.
   */
  stop(): Promise<void>;
};

// Writes only (reads are too many to keep), with the request body for Leases so a test can see
// who acquired them, and request and response bodies for WebApps and MySQLClusters (the rule
// docs/operating.md, "Changing a limit safely", asks a cluster for), so `shipshape review
// --audit-log` can replay them.
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Request
    resources: [{ group: coordination.k8s.io, resources: [leases] }]
    verbs: [create, update, patch]
  - level: RequestResponse
    resources: [{ group: shipshape.dev, resources: [webapps, mysqlclusters] }]
    verbs: [create, update, patch]
  - level: Metadata
    verbs: [create, update, patch, delete]
  - level: None
`;

const execFileAsync = promisify(execFile);

/**
 * The `kubernetes` Service: the first address of --service-cluster-ip-range, port 443. Nothing on
 * the host routes it; a real node's Pods reach the apiserver there (pod-network.ts), so the
 * serving certificate names it, as a cluster's apiserver certificate does.
 */
export const KUBERNETES_SERVICE = { ip: '10.0.0.1', port: 443 } as const;

function defaultBaseDir(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

/**
 * Starts etcd and kube-apiserver on free loopback ports, then (unless `nodes: 0`) the cluster's
 * controllers and fake Nodes, and resolves once /readyz answers 200 and every Node is Ready. On
 * failure everything started is stopped, the folder is removed, and the HarnessError carries the
 * tail of every log. If this process ends without stop(), the watchdog of startProcess kills them
 * all and removes the folder (src/runtime/child-watchdog.ts).
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const assets = options.assets ?? (await resolveAssets(process.env));
  const dir = await mkdtemp(join(options.baseDir ?? defaultBaseDir(), 'shipshape-cp-'));
  const started: ManagedProcess[] = [];
  // The processes are the watchdog's from their start (startProcess); the folder too, from now.
  watchDir(dir);

  // Set once the controllers (and so the host-path provisioner) start.
  let volumes: HostPathVolumes | undefined;
  // started[0] is etcd, started[1] kube-apiserver, the rest the controllers, in every state.
  const recordVolumes = async () => {
    if (started[1]?.isRunning()) await volumes?.record(started[0]?.isRunning() ?? false);
  };

  const stop = async () => {
    // The controllers first, so nothing provisions a volume after the list; then the apiserver
    // before etcd: with etcd gone it can ignore SIGTERM for a long time.
    for (const p of started.slice(2).reverse()) await p.stop(3000);
    await recordVolumes();
    for (const p of started.slice(0, 2).reverse()) await p.stop(3000);
    await volumes?.remove();
    await rm(dir, { recursive: true, force: true });
    forgetDir(dir);
  };

  try {
    const pki = await writePki(dir);
    const etcdPort = await findFreePort();
    const peerPort = await findFreePort();
    let etcd: ManagedProcess | undefined;
    // Same ports, same data: a restart, not a new cluster. etcd is started[0] in every state.
    const startEtcd = async () => {
      if (etcd?.isRunning()) return;
      etcd = await startProcess('etcd', assets.etcd, etcdArgs(dir, etcdPort, peerPort), join(dir, 'etcd.log'));
      started.splice(0, 1, etcd);
      await waitFor(
        async () => (await probeStatus(`http://127.0.0.1:${etcdPort}/health`)) === 200,
        etcd,
        20_000,
        'etcd /health',
      );
    };
    await startEtcd();

    const port = await findFreePort();
    const server = `https://127.0.0.1:${port}`;
    const auditLogPath = options.audit ? join(dir, 'audit.log') : undefined;
    if (auditLogPath) await writeFile(join(dir, 'audit-policy.yaml'), AUDIT_POLICY);
    const tracingArgs = options.tracingEndpoint
      ? [`--tracing-config-file=${await writeTracingConfig(dir, options.tracingEndpoint)}`]
      : [];
    const auditArgs = auditLogPath
      ? [
          `--audit-policy-file=${join(dir, 'audit-policy.yaml')}`,
          `--audit-log-path=${auditLogPath}`,
          '--audit-log-format=json',
        ]
      : [];
    const args = [
      ...apiserverArgs(dir, port, etcdPort, options.realNode ?? false),
      ...auditArgs,
      ...tracingArgs,
      ...(options.apiserverArgs ?? []),
    ];
    let apiserver: ManagedProcess | undefined;
    const startApiserver = async () => {
      if (apiserver?.isRunning()) return;
      apiserver = await startProcess('kube-apiserver', assets.kubeApiserver, args, join(dir, 'kube-apiserver.log'));
      // started[1] in every state: stop() ends it before etcd.
      started.splice(1, 1, apiserver);
      await waitFor(
        async () => (await probeStatus(`${server}/readyz`, { ca: pki.ca, cert: pki.cert, key: pki.key })) === 200,
        apiserver,
        options.startTimeoutMs ?? 90_000,
        'kube-apiserver /readyz',
      );
    };
    await startApiserver();

    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfigPath,
      toKubeconfigYaml({
        server,
        name: 'shipshape-envtest',
        caPem: pki.ca,
        clientCertPem: pki.cert,
        clientKeyPem: pki.key,
      }),
      { mode: 0o600 },
    );
    const issueKubeconfig = async (user: string, via?: string, groups = ['system:masters']) => {
      const client = await pki.authority.issue({
        commonName: user,
        organizations: groups,
        usage: 'client',
      });
      const path = join(dir, `kubeconfig-${user}`);
      const yaml = toKubeconfigYaml({
        server: via ?? server,
        name: 'shipshape-envtest',
        caPem: pki.ca,
        clientCertPem: client.certPem,
        clientKeyPem: client.keyPem,
      });
      await writeFile(path, yaml, { mode: 0o600 });
      return path;
    };

    // No kwok Node beside a real one: the scheduler would place Pods on either.
    const nodes = options.realNode ? 0 : (options.nodes ?? 3);
    if (nodes > 0 || options.realNode) {
      volumes = createHostPathVolumes(kubeconfigPath);
      await startClusterControllers(
        {
          assets,
          dir,
          nodes,
          ...(options.controllerManagerArgs && { controllerManagerArgs: options.controllerManagerArgs }),
          kubeconfigs: {
            controllerManager: await issueKubeconfig('system:kube-controller-manager'),
            scheduler: await issueKubeconfig('system:kube-scheduler'),
            kwok: await issueKubeconfig('kwok-controller'),
            admin: kubeconfigPath,
          },
        },
        (p) => started.push(p),
      );
    }
    return {
      kubeconfigPath,
      server,
      caPem: pki.ca,
      dir,
      version: await binaryVersion(assets.kubeApiserver),
      kubectl: assets.kubectl,
      get etcd() {
        return etcd!;
      },
      stopEtcd: async () => {
        await recordVolumes();
        await etcd?.stop(3000);
      },
      startEtcd,
      get apiserver() {
        return apiserver!;
      },
      get controllers() {
        return started.slice(2);
      },
      stopApiserver: async () => {
        await recordVolumes();
        await apiserver?.stop(3000);
      },
      startApiserver,
      auditLogPath,
      issueKubeconfig,
      stop,
    };
  } catch (err) {
    const tails = await Promise.all(started.map(async (p) => `--- ${p.name} (${p.logPath}) ---\n${await p.tail()}`));
    await stop();
    const message = err instanceof Error ? err.message : String(err);
    throw new HarnessError('CP_START_FAILED', `${message}\n${tails.join('\n')}`, { cause: err });
  }
}

type Pki = { ca: string; cert: string; key: string; authority: CertificateAuthority };

async function writePki(dir: string): Promise<Pki> {
  const pkiDir = join(dir, 'pki');
  await mkdir(pkiDir, { mode: 0o700 });
  const ca = await createCertificateAuthority('shipshape-envtest-ca');
  const serviceNames = [
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
  ];
  const serving = await ca.issue({
    commonName: 'kube-apiserver',
    hosts: ['127.0.0.1', 'localhost', KUBERNETES_SERVICE.ip, ...serviceNames],
    usage: 'server',
  });
  const admin = await ca.issue({ commonName: 'shipshape-admin', organizations: ['system:masters'], usage: 'client' });
  // What the apiserver presents to a real node's kubelet (exec, logs, port-forward), whose
  // authentication admits no anonymous caller; system:masters, as kubeadm's certificate was
  // until 1.29, so the kubelet's Webhook authorization allows it with no binding.
  const kubeletClient = await ca.issue({
    commonName: 'kube-apiserver-kubelet-client',
    organizations: ['system:masters'],
    usage: 'client',
  });
  const sa = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const files: Record<string, string> = {
    'ca.crt': ca.certPem,
    'apiserver.crt': serving.certPem,
    'apiserver.key': serving.keyPem,
    'kubelet-client.crt': kubeletClient.certPem,
    'kubelet-client.key': kubeletClient.keyPem,
    'sa.key': sa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    'sa.pub': sa.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
  for (const [name, content] of Object.entries(files)) await writeFile(join(pkiDir, name), content, { mode: 0o600 });
  return { ca: ca.certPem, cert: admin.certPem, key: admin.keyPem, authority: ca };
}

function etcdArgs(dir: string, port: number, peerPort: number): string[] {
  const client = `http://127.0.0.1:${port}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return [
    '--name=default',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`,
    '--logger=zap',
    '--log-outputs=stderr',
  ];
}

function apiserverArgs(dir: string, port: number, etcdPort: number, realNode: boolean): string[] {
  const pki = (name: string) => join(dir, 'pki', name);
  return [
    '--advertise-address=127.0.0.1',
    // The `kubernetes` Service's endpoints may not be loopback (1.37 refuses to start); nothing
    // here dials that Service, so no reconciler keeps them (envtest's choice too).
    '--endpoint-reconciler-type=none',
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    `--cert-dir=${join(dir, 'pki')}`,
    `--tls-cert-file=${pki('apiserver.crt')}`,
    `--tls-private-key-file=${pki('apiserver.key')}`,
    `--client-ca-file=${pki('ca.crt')}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki('sa.pub')}`,
    `--service-account-signing-key-file=${pki('sa.key')}`,
    // Room for the convergence benchmark's thousands of Services.
    '--service-cluster-ip-range=10.0.0.0/16',
    '--authorization-mode=RBAC',
    '--allow-privileged=true',
    ...(realNode
      ? [
          '--enable-aggregator-routing=true',
          `--kubelet-client-certificate=${pki('kubelet-client.crt')}`,
          `--kubelet-client-key=${pki('kubelet-client.key')}`,
          // The node's name resolves nowhere; its InternalIP is its bridge's address.
          '--kubelet-preferred-address-types=InternalIP',
        ]
      : // No controller-manager may create ServiceAccounts here (envtest makes the same choice).
        ['--disable-admission-plugins=ServiceAccount']),
    '--profiling=false',
  ];
}

/** Every apiserver request is sampled: the tests look for the span of one admission. */
async function writeTracingConfig(dir: string, endpoint: string): Promise<string> {
  const path = join(dir, 'tracing.yaml');
  const config = [
    'apiVersion: apiserver.config.k8s.io/v1',
    'kind: TracingConfiguration',
    `endpoint: ${endpoint}`,
    'samplingRatePerMillion: 1000000',
    '',
  ].join('\n');
  await writeFile(path, config);
  return path;
}

/** What `<binary> --version` reports, e.g. v1.37.2 (the version stamped at build time). */
async function binaryVersion(path: string): Promise<string> {
  const { stdout } = await execFileAsync(path, ['--version']);
  return /v\d+\.\d+\.\d+\S*/.exec(stdout)?.[0] ?? stdout.trim();
}

async function waitFor(check: () => Promise<boolean>, proc: ManagedProcess, timeoutMs: number, what: string) {
  const giveUp = async () =>
    proc.isRunning() ? undefined : new Error(`${proc.name} exited (${await proc.exited}) before ${what} was ready`);
  await pollUntil(what, check, { timeoutMs, intervalMs: 200, giveUp }).catch((err: unknown) => {
    if (!(err instanceof PollTimeoutError)) throw err;
    throw new HarnessError('CP_NOT_READY', `${what} not ready after ${timeoutMs} ms`, { cause: err.cause });
  });
}
