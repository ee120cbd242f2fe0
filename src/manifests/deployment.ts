// Shipshape's Deployment and its PodDisruptionBudget. Every replica serves the webhooks; one, the
// Lease holder, reconciles. Three replicas spread over nodes, and at most one away at a time, keep
// admission answering (failurePolicy: Fail) through a node drain or a rollout.
//
// Sizing, from bench:footprint on the compiled server (docs/installing.md; the figures in
// docs/decisions/0003-jemalloc-and-v8-flags.md and BENCHMARKS.md): the V8 heap is the part of the
// RSS that grows with WebApps and Namespaces. The request covers idle plus room; the heap bound
// (NODE_OPTIONS) stops well inside the limit, so V8 collects instead of the kernel killing the
// container.
import type { V1Deployment, V1PodDisruptionBudget, V1PodSpec } from '@kubernetes/client-node';
import { METRICS_PORT, SHIPSHAPE_NAMESPACE, WEBHOOK_PORT } from '../constants.ts';
import { CA_RENEW_BEFORE, SERVING_RENEW_BEFORE } from './certificates.ts';
import {
  DEPLOYMENT_NAME,
  IMAGE,
  LABELS,
  POD_SELECTOR,
  SERVICE_ACCOUNT_NAME,
  TLS_MOUNT_PATH,
  TLS_SECRET_NAME,
} from './install-names.ts';

export const REPLICAS = 3;
export const RUN_AS = 65532;
/** The CPU limit in whole cores: also the V8 worker pool's size (NODE_OPTIONS below). */
const CPU_LIMIT_CORES = 1;
/** The default install's memory in MiB: sized for up to about 7,400 WebApps (docs/sizing.md). */
export const MEMORY = { requestMiB: 256, limitMiB: 512, heapBoundMiB: 320 } as const;
export const RESOURCES = {
  requests: { cpu: '100m', memory: `${MEMORY.requestMiB}Mi` },
  limits: { cpu: String(CPU_LIMIT_CORES), memory: `${MEMORY.limitMiB}Mi` },
};
/**
 * The runtime's memory settings, as the Deployment sets them (bench/footprint.ts measured each; the
 * figures are in the commits named and in BENCHMARKS.md):
 * - old space bounded at 320 MiB of the 512 MiB limit: code, buffers and the young space need the
 *   rest;
 * - young space semi-spaces of at most 4 MiB instead of V8's 16: under heavy load the young space
 *   grew, and V8 kept what it grew after the load; 4 MiB lowered idle and peak RSS at the same
 *   throughput, where 1 MiB cost throughput (commit d16a632);
 * - jemalloc as the allocator (LD_PRELOAD; the image carries Debian's libjemalloc2), with its
 *   background thread returning freed pages to the kernel: under glibc's malloc, load left memory
 *   free but resident in the main arena's heap, in holes between live blocks, which glibc only
 *   trims from the top (malloc_trim(0) from a debugger gave most of it back); with jemalloc the RSS
 *   after the load came back near idle, idle the same (bench:footprint, alternating runs;
 *   BENCHMARKS.md, "Reruns of 2026-12-02");
 * - at most two glibc malloc arenas (MALLOC_ARENA_MAX), for a container where the preload is
 *   missing: each thread that allocates may otherwise get its own arena (commit d16a632);
 * - as many V8 worker threads (garbage collection, compilation) as the CPU limit has cores, where
 *   Node starts four whatever the limit (it counts the node's CPUs, not the container's quota), as
 *   Go since 1.25 sizes GOMAXPROCS from it. Four workers on one core's worth take the CPU from the
 *   main thread, or its quota on a bigger node, exactly when a collection runs: with telemetry on
 *   at a fixed rate (spans live until exported, so collections run often) the p99 fell with each
 *   worker fewer (commit 339497f; BENCHMARKS.md, "V8's worker pool").
 */
export function toNodeOptions(heapBoundMiB: number): string {
  return `--max-old-space-size=${heapBoundMiB} --max-semi-space-size=4 --v8-pool-size=${CPU_LIMIT_CORES}`;
}
export const NODE_OPTIONS = toNodeOptions(MEMORY.heapBoundMiB);
/** Debian's libjemalloc2 (amd64): the Dockerfile copies it into the image; bench/setup.sh installs it on the host. */
export const JEMALLOC_PATH = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';
export const RUNTIME_ENV = {
  NODE_OPTIONS,
  LD_PRELOAD: JEMALLOC_PATH,
  MALLOC_CONF: 'background_thread:true',
  MALLOC_ARENA_MAX: '2',
} as const;
/**
 * On SIGTERM: leader-only work stops and the Lease is released at once (a standby leads) while the
 * webhooks keep serving for the shutdown delay (endpoints drop the Pod meanwhile; Shipshape's own
 * delay rather than a preStop sleep, so the process ends within it on its own); then the listener
 * closes and in-flight admissions finish, all within the shutdown timeout (20 s), and telemetry
 * flushes (at most 5 s): 5 + 20 + 5 inside the grace period.
 */
export const SHUTDOWN_DELAY_SECONDS = 5;
export const TERMINATION_GRACE_SECONDS = 40;

/** Seconds of a cert-manager duration in whole hours ('720h'). */
function toSeconds(hours: string): number {
  const match = /^(\d+)h$/.exec(hours);
  if (!match) throw new Error(`not a duration in hours: ${hours}`);
  return Number(match[1]) * 3600;
}

const httpsProbe = (path: string, periodSeconds: number, failureThreshold: number) => ({
  httpGet: { path, port: 'https', scheme: 'HTTPS' },
  periodSeconds,
  timeoutSeconds: 2,
  failureThreshold,
});

export function toPodSpec(): V1PodSpec {
  return {
    serviceAccountName: SERVICE_ACCOUNT_NAME,
    automountServiceAccountToken: true,
    terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: RUN_AS,
      runAsGroup: RUN_AS,
      fsGroup: RUN_AS,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    topologySpreadConstraints: [
      // DoNotSchedule still places all three on a one-node cluster (the skew is then 0).
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: POD_SELECTOR },
      },
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: POD_SELECTOR },
      },
    ],
    containers: [
      {
        name: 'shipshape',
        image: IMAGE,
        imagePullPolicy: 'IfNotPresent',
        ports: [
          { name: 'https', containerPort: WEBHOOK_PORT, protocol: 'TCP' },
          { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
        ],
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          ...Object.entries(RUNTIME_ENV).map(([name, value]) => ({ name, value })),
          // Overdue renewal is judged by the Certificates' own renewBefore (src/manifests/certificates.ts);
          // with self-managed certificates (overlays/self-managed-certificates) they are the renewal windows.
          { name: 'SHIPSHAPE_TLS_RENEW_BEFORE_SECONDS', value: String(toSeconds(SERVING_RENEW_BEFORE)) },
          { name: 'SHIPSHAPE_CA_RENEW_BEFORE_SECONDS', value: String(toSeconds(CA_RENEW_BEFORE)) },
          { name: 'SHIPSHAPE_SHUTDOWN_DELAY_SECONDS', value: String(SHUTDOWN_DELAY_SECONDS) },
        ],
        resources: RESOURCES,
        // /healthz answers once the server listens; /readyz once TLS is loaded and the namespace
        // cache has synced, never depending on leadership.
        startupProbe: httpsProbe('/healthz', 2, 15),
        readinessProbe: httpsProbe('/readyz', 5, 3),
        livenessProbe: httpsProbe('/healthz', 10, 3),
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          privileged: false,
          capabilities: { drop: ['ALL'] },
        },
        volumeMounts: [{ name: 'tls', mountPath: TLS_MOUNT_PATH, readOnly: true }],
      },
    ],
    volumes: [{ name: 'tls', secret: { secretName: TLS_SECRET_NAME, defaultMode: 0o440 } }],
  };
}

export function toDeployment(): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: DEPLOYMENT_NAME, namespace: SHIPSHAPE_NAMESPACE, labels: { ...LABELS, ...POD_SELECTOR } },
    spec: {
      replicas: REPLICAS,
      revisionHistoryLimit: 5,
      selector: { matchLabels: POD_SELECTOR },
      // A new Pod is ready before an old one goes: the webhooks never drop below three.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: { metadata: { labels: { ...LABELS, ...POD_SELECTOR } }, spec: toPodSpec() },
    },
  };
}

export function toPodDisruptionBudget(): V1PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: DEPLOYMENT_NAME, namespace: SHIPSHAPE_NAMESPACE, labels: LABELS },
    spec: { maxUnavailable: 1, selector: { matchLabels: POD_SELECTOR } },
  };
}
