// The cluster bench/scale.ts measures: the harness control plane (kwok Nodes, so the controller
// manager deletes namespaces, collects garbage and writes Deployments' status as in a cluster),
// and Shipshape's replicas as the compiled server (bench/compiled.ts) with the Deployment's runtime
// environment (RUNTIME_ENV) behind a TCP balancer that plays the webhook Service. The dev
// environment (src/dev/dev-environment.ts) runs the sources, so the parts are put together here.
//
// Heap figures without an inspector: NODE_OPTIONS gains an `--import` of a data: URL that appends
// process.memoryUsage() to a file every second (an unref'd timer; nothing else in the process
// changes). The server's /metrics has no process or heap series.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { SHIPSHAPE_NAMESPACE } from '../src/constants.ts';
import { type ControlPlane, startControlPlane } from '../src/control-plane/control-plane.ts';
import { type DevCertificates, writeDevCertificates } from '../src/dev/dev-certificates.ts';
import { installCrd, registerWebhooks, waitUntilAdmitting } from '../src/dev/install.ts';
import { type ShipshapeProcess, startShipshapeProcess } from '../src/dev/shipshape-process.ts';
import { type TcpProxy, startTcpProxy } from '../src/dev/tcp-proxy.ts';
import { createJsonClient } from '../src/kube/json-client.ts';
import { RUNTIME_ENV } from '../src/manifests/deployment.ts';

const PROBE = [
  "import{appendFileSync}from'node:fs';",
  'const f=process.env.SHIPSHAPE_BENCH_MEMORY_FILE;',
  'if(f)setInterval(()=>{const m=process.memoryUsage();',
  "appendFileSync(f,JSON.stringify({t:Date.now(),rss:m.rss,heapUsed:m.heapUsed,heapTotal:m.heapTotal,external:m.external})+'\\n')",
  '},1000).unref();',
].join('');
const PROBE_IMPORT = `--import=data:text/javascript,${encodeURIComponent(PROBE)}`;

export type Replica = ShipshapeProcess & { memoryFile: string; startedAt: number };

export type ScaleCluster = {
  cp: ControlPlane;
  kc: KubeConfig;
  certs: DevCertificates;
  /** Every replica started, running or not, in start order. */
  replicas: Replica[];
  running(): Replica[];
  addReplica(): Promise<Replica>;
  stop(): Promise<void>;
};

export async function startScaleCluster(options: {
  compiledDir: string;
  replicas: number;
  env: NodeJS.ProcessEnv;
}): Promise<ScaleCluster> {
  // The controller manager's client is limited to 20 requests/s (burst 30) by default: after a step
  // of 5,000 WebApps it needed about 750 s to create and report the ReplicaSets of their
  // Deployments (three writes each), longer than waitForQuiet allows, and the step's memory would be
  // measured while their status events still arrived. Large clusters raise it; so does this one.
  const cp = await startControlPlane({
    nodes: 3,
    controllerManagerArgs: ['--kube-api-qps=200', '--kube-api-burst=400'],
  });
  const replicas: Replica[] = [];
  let balancer: TcpProxy | undefined;
  const stop = async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await balancer?.close();
    await cp.stop();
  };
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
    const certs = await writeDevCertificates(join(cp.dir, 'certs'));
    await installCrd(kc);
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: SHIPSHAPE_NAMESPACE } } });
    const addReplica = async (): Promise<Replica> => {
      const podName = `shipshape-scale-${replicas.length}`;
      const memoryFile = join(cp.dir, `${podName}.memory`);
      const proc = await startShipshapeProcess({
        kubeconfigPath: await cp.issueKubeconfig(podName),
        certs,
        podName,
        logPath: join(cp.dir, `${podName}.log`),
        compiledDir: options.compiledDir,
        readyTimeoutMs: 120_000,
        env: {
          ...RUNTIME_ENV,
          ...options.env,
          NODE_OPTIONS: `${options.env.NODE_OPTIONS ?? RUNTIME_ENV.NODE_OPTIONS} ${PROBE_IMPORT}`,
          SHIPSHAPE_BENCH_MEMORY_FILE: memoryFile,
        },
      });
      const replica = { ...proc, memoryFile, startedAt: Date.now() };
      replicas.push(replica);
      return replica;
    };
    for (let i = 0; i < options.replicas; i++) await addReplica();
    const running = () => replicas.filter((r) => r.isRunning());
    balancer = await startTcpProxy(() => running().map((r) => ({ host: '127.0.0.1', port: r.port })));
    await registerWebhooks(kc, { kind: 'url', baseUrl: `https://127.0.0.1:${balancer.port}`, caPem: certs.caPem });
    await waitUntilAdmitting(kc);
    return { cp, kc, certs, replicas, running, addReplica, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A line of /proc/<pid>/status in MiB (VmRSS). */
export function rssMiB(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

type MemorySample = { t: number; rss: number; heapUsed: number; heapTotal: number; external?: number };

/** The probe's samples of the last `seconds`, newest last. */
function samples(replica: Replica, seconds: number): MemorySample[] {
  const since = Date.now() - seconds * 1000;
  return readFileSync(replica.memoryFile, 'utf8')
    .trim()
    .split('\n')
    .slice(-(seconds + 2))
    .map((l) => JSON.parse(l) as MemorySample)
    .filter((s) => s.t >= since);
}

/**
 * Heap used in MiB: the least of the last `seconds` of samples, the closest a 1 s sample comes to
 * what a collection leaves live (heapUsed counts garbage not yet collected); the heap's size (what
 * V8 holds committed, used or not); and `external` (Buffers and other memory V8 objects hold
 * outside the heap), the last samples'.
 */
export function heapMiB(replica: Replica, seconds = 10): { used: number; total: number; external: number } {
  const recent = samples(replica, seconds);
  if (recent.length === 0) return { used: NaN, total: NaN, external: NaN };
  return {
    used: Math.min(...recent.map((s) => s.heapUsed)) / 2 ** 20,
    total: recent.at(-1)!.heapTotal / 2 ** 20,
    external: (recent.at(-1)!.external ?? NaN) / 2 ** 20,
  };
}

/** The highest heapUsed sampled since `since` (epoch ms), MiB. */
export function heapPeakMiB(replica: Replica, since: number): number {
  const all = samples(replica, Math.ceil((Date.now() - since) / 1000));
  return Math.max(0, ...all.map((s) => s.heapUsed)) / 2 ** 20;
}

/** A replica's counter shipshape_watch_restarts_total summed for `reason`, from its /metrics. */
export async function watchRestarts(replica: Replica, reason: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${replica.metricsPort}/metrics`);
  return (await res.text())
    .split('\n')
    .filter((l) => l.startsWith('shipshape_watch_restarts_total{') && l.includes(`reason="${reason}"`))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

export type LeaseRecord = { holder: string; acquireTime: number };

/** The leader Lease's holder and acquireTime (epoch ms, to the microsecond the leader wrote). */
export async function readLease(kc: KubeConfig): Promise<LeaseRecord> {
  const lease = await createJsonClient(kc).request<{ spec?: { holderIdentity?: string; acquireTime?: string } }>(
    'GET',
    `/apis/coordination.k8s.io/v1/namespaces/${SHIPSHAPE_NAMESPACE}/leases/shipshape-leader`,
  );
  return { holder: lease.spec?.holderIdentity ?? '', acquireTime: Date.parse(lease.spec?.acquireTime ?? '') };
}

/** The running replica holding the Lease, if any. */
export function holderOf(cluster: ScaleCluster, lease: LeaseRecord): Replica | undefined {
  return cluster.running().find((r) => lease.holder.startsWith(`${r.name}_`));
}
