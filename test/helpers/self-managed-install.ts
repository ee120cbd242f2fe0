// The self-managed-certificates install (overlays/self-managed-certificates) on the real
// apiserver, with Shipshape's replicas as processes on this host instead of Pods (the harness has
// no kubelet; the real-node suite runs the same variant as Pods). What a cluster does around the
// Pods is played as it happens there:
// - each replica runs in-cluster style on a token of the install's ServiceAccount (its RBAC is the
//   overlay's, for real) with the environment of the rendered Deployment's container;
// - the endpoint controller: one EndpointSlice per replica for the webhook Service, its `ready`
//   condition following the replica's /readyz, as the kubelet's probe and the controller keep it;
//   a replica being stopped leaves the endpoints first, as a deleted Pod does;
// - the apiserver runs with --enable-aggregator-routing, so it dials a ready endpoint's address
//   (as it does in a cluster without kube-proxy) while verifying the certificate for the Service's
//   DNS name. Endpoints may not be loopback addresses, so the replicas listen on this host's own
//   non-loopback address: the traffic stays on the host.
import { mkdir, writeFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { SHIPSHAPE_NAMESPACE, WEBHOOK_SERVICE_NAME } from '../../src/constants.ts';
import type { ControlPlane } from '../../src/control-plane/control-plane.ts';
import { type ShipshapeProcess, startShipshapeProcess } from '../../src/dev/shipshape-process.ts';
import { serverSideApply } from '../../src/kube/apply.ts';
import { createJsonClient, isNotFound } from '../../src/kube/json-client.ts';
import { SELF_MANAGED_CERTIFICATES_OVERLAY, SERVICE_ACCOUNT_NAME } from '../../src/manifests/install-names.ts';
import { probeStatus } from '../../src/net/probe-status.ts';
import { sleep } from '../../src/runtime/sleep.ts';
import { useControlPlane } from './control-plane.ts';
import { kubectl } from './kubectl.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const OVERLAY = join(ROOT, SELF_MANAGED_CERTIFICATES_OVERLAY);
/** Runtime settings of the image (the allocator preload) that this host may not have. */
const HOST_SKIPS = new Set(['LD_PRELOAD', 'MALLOC_CONF', 'MALLOC_ARENA_MAX']);

type Teardown = { teardown(fn: () => unknown): void };

/** This host's first non-loopback IPv4 address. */
export function hostAddress(): string {
  const found = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal);
  if (!found) throw new Error('no non-loopback IPv4 address on this host: EndpointSlices refuse loopback');
  return found.address;
}

/** The literal environment of the rendered Deployment's container (downward API ones left out). */
export async function deploymentEnv(kubeconfig: string): Promise<Record<string, string>> {
  const rendered = await kubectl(kubeconfig, ['kustomize', OVERLAY]);
  if (rendered.code !== 0) throw new Error(`kubectl kustomize: ${rendered.stderr}`);
  const deployment = parseAllDocuments(rendered.stdout)
    .map((d) => d.toJS() as { kind: string; spec: { template: { spec: { containers: { env?: unknown[] }[] } } } })
    .find((o) => o.kind === 'Deployment');
  const env = (deployment?.spec.template.spec.containers[0]?.env ?? []) as { name: string; value?: string }[];
  return Object.fromEntries(
    env.filter((e) => e.value !== undefined && !HOST_SKIPS.has(e.name)).map((e) => [e.name, e.value!]),
  );
}

export type Replica = { name: string; process: ShipshapeProcess; ready: boolean; inService: boolean };

export type SelfManagedInstall = {
  cp: ControlPlane;
  kc: KubeConfig;
  host: string;
  replicas: Map<string, Replica>;
  /** Starts a replica named `name` and puts it in the endpoints (ready as its /readyz says). */
  start(name: string, env?: Record<string, string>): Promise<Replica>;
  /** Takes it out of the endpoints, waits for the apiserver to see that, then SIGKILLs it. */
  kill(name: string): Promise<void>;
  /** Takes it out of the endpoints and stops it with SIGTERM, as a Pod deletion does. */
  stop(name: string): Promise<void>;
};

export type SelfManagedInstallOptions = {
  /** Settings for every replica, over the Deployment's (short lifetimes, a short Lease). */
  env?: Record<string, string>;
  apiserverArgs?: string[];
};

/** Applies the overlay with kubectl (as a user does) on a control plane of its own. */
export async function startSelfManagedInstall(
  t: Teardown,
  options: SelfManagedInstallOptions = {},
): Promise<SelfManagedInstall> {
  const { cp, kc } = await useControlPlane(t, {
    nodes: 0,
    audit: true,
    apiserverArgs: ['--enable-aggregator-routing=true', ...(options.apiserverArgs ?? [])],
  });
  const applied = await kubectl(cp.kubeconfigPath, ['apply', '-k', OVERLAY]);
  if (applied.code !== 0) throw new Error(`kubectl apply -k ${OVERLAY}: ${applied.stderr}`);
  const host = hostAddress();
  const client = createJsonClient(kc);

  // What the kubelet mounts at /var/run/secrets/kubernetes.io/serviceaccount.
  const token = await kubectl(cp.kubeconfigPath, [
    'create',
    'token',
    SERVICE_ACCOUNT_NAME,
    '-n',
    SHIPSHAPE_NAMESPACE,
    '--duration=2h',
  ]);
  if (token.code !== 0) throw new Error(`kubectl create token: ${token.stderr}`);
  const serviceAccountDir = join(cp.dir, 'serviceaccount');
  await mkdir(serviceAccountDir, { recursive: true });
  await writeFile(join(serviceAccountDir, 'token'), token.stdout.trim());
  await writeFile(join(serviceAccountDir, 'ca.crt'), cp.caPem);
  await writeFile(join(serviceAccountDir, 'namespace'), SHIPSHAPE_NAMESPACE);
  const apiserver = new URL(cp.server);
  const baseEnv = await deploymentEnv(cp.kubeconfigPath);

  const replicas = new Map<string, Replica>();
  const slicePath = (name: string) =>
    `/apis/discovery.k8s.io/v1/namespaces/${SHIPSHAPE_NAMESPACE}/endpointslices/${WEBHOOK_SERVICE_NAME}-${name}`;

  async function publish(replica: Replica): Promise<void> {
    await serverSideApply(
      client,
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: `${WEBHOOK_SERVICE_NAME}-${replica.name}`,
          namespace: SHIPSHAPE_NAMESPACE,
          labels: {
            'kubernetes.io/service-name': WEBHOOK_SERVICE_NAME,
            'endpointslice.kubernetes.io/managed-by': 'shipshape-test-harness',
          },
        },
        addressType: 'IPv4',
        endpoints: [
          {
            addresses: [host],
            conditions: {
              ready: replica.ready && replica.inService,
              serving: replica.ready,
              terminating: !replica.inService,
            },
            targetRef: { kind: 'Pod', namespace: SHIPSHAPE_NAMESPACE, name: replica.name },
          },
        ],
        ports: [{ name: 'https', port: replica.process.port, protocol: 'TCP' }],
      } as never,
      { plural: 'endpointslices', fieldManager: 'shipshape-test-harness' },
    );
  }

  // The kubelet's readiness probe and the endpoint controller, every 250 ms.
  const stopping = new AbortController();
  const keeping = (async () => {
    while (!stopping.signal.aborted) {
      for (const replica of replicas.values()) {
        if (!replica.inService) continue;
        const url = `${replica.process.baseUrl}/readyz`;
        const ready = (await probeStatus(url, { rejectUnauthorized: false })) === 200;
        if (ready === replica.ready) continue;
        replica.ready = ready;
        await publish(replica).catch(() => {});
      }
      await sleep(250, stopping.signal);
    }
  })();
  t.teardown(() => {
    stopping.abort();
    return keeping;
  });

  /** Out of the endpoints, and long enough for the apiserver's EndpointSlice cache to follow. */
  async function leaveService(replica: Replica): Promise<void> {
    replica.inService = false;
    await publish(replica);
    await sleep(1000);
  }

  async function remove(replica: Replica): Promise<void> {
    replicas.delete(replica.name);
    await client.request('DELETE', slicePath(replica.name)).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }

  const install: SelfManagedInstall = {
    cp,
    kc,
    host,
    replicas,
    async start(name, env = {}) {
      const proc = await startShipshapeProcess({
        kubeconfigPath: '',
        certs: 'self-managed',
        host,
        podName: name,
        logPath: join(cp.dir, `${name}.log`),
        waitForReady: false,
        env: {
          ...baseEnv,
          KUBECONFIG: '',
          HOME: cp.dir,
          KUBERNETES_SERVICE_HOST: apiserver.hostname,
          KUBERNETES_SERVICE_PORT: apiserver.port,
          SHIPSHAPE_SERVICE_ACCOUNT_DIR: serviceAccountDir,
          ...options.env,
          ...env,
        },
      });
      t.teardown(() => proc.stop());
      const replica: Replica = { name, process: proc, ready: false, inService: true };
      replicas.set(name, replica);
      await publish(replica);
      return replica;
    },
    async kill(name) {
      const replica = replicas.get(name);
      if (!replica) throw new Error(`no replica ${name}`);
      await leaveService(replica);
      process.kill(replica.process.pid, 'SIGKILL');
      await replica.process.exited;
      await remove(replica);
    },
    async stop(name) {
      const replica = replicas.get(name);
      if (!replica) throw new Error(`no replica ${name}`);
      await leaveService(replica);
      await replica.process.stop();
      await remove(replica);
    },
  };
  return install;
}
