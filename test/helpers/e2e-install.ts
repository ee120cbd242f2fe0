// What every file of the end-to-end suite (test/e2e/) starts from and checks at its end: our image
// built, a control plane with the audit log, a real node with the image imported, and then the
// install's Pods, the install's leftovers after an uninstall and the node's after it stops. Each
// file runs on a control plane and node of its own (`npm run test:e2e` runs the files one at a time:
// one real node per machine).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type tap from 'tap';
import { SHIPSHAPE_NAMESPACE, WEBAPP_CRD_NAME } from '../../src/constants.ts';
import type { ControlPlane } from '../../src/control-plane/control-plane.ts';
import { resolveNodeAssets } from '../../src/control-plane/node-assets.ts';
import { type RealNode, startRealNode } from '../../src/control-plane/real-node.ts';
import { E2E_IMAGE } from '../../src/manifests/e2e-overlay.ts';
import { POD_SELECTOR } from '../../src/manifests/install-names.ts';
import type { LoadResult } from './admission-load.ts';
import { useControlPlane } from './control-plane.ts';
import { loadImage } from './e2e.ts';
import { eventually } from './eventually.ts';
import { kubectl } from './kubectl.ts';
import { allProcs } from './process-table.ts';
import { hostBefore, type NodeTrace, nodeLeftovers, withRealNodeLock } from './real-node.ts';
import { runCommand } from './run-command.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SELECTOR = Object.entries(POD_SELECTOR)
  .map(([k, v]) => `${k}=${v}`)
  .join(',');

type Teardown = { teardown(fn: () => unknown): void; comment(...message: unknown[]): void };

export const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

export const isReady = (p: V1Pod) =>
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export type E2eEnvironment = {
  cp: ControlPlane;
  kc: KubeConfig;
  node: RealNode;
  /** What the node used on the host, for nodeStopped(). */
  trace: NodeTrace;
  /** kubectl against the control plane. */
  k(...args: string[]): ReturnType<typeof kubectl>;
  /** The Shipshape Pods, when there are three, all Running and Ready, none being deleted. */
  threeReady(): Promise<V1Pod[] | undefined>;
  /** The last lines of every Shipshape container's log, for a failure's message. */
  podLogs(): Promise<string>;
  /** Whatever of the install or of a WebApp is still there: empty after a clean uninstall. */
  installLeftovers(): Promise<string[]>;
  /** Stops the node and lists what it left on the host and in its cgroups: empty when clean. */
  nodeStopped(): Promise<{ host: string[]; processes: string[] }>;
};

/**
 * Builds our image (scripts/build-image.sh), starts a control plane with the audit log and a real
 * node on it, imports the image, and stops both when `t` ends. Prints how long each part took.
 */
export async function startE2eEnvironment(t: Teardown): Promise<E2eEnvironment> {
  const building = Date.now();
  const built = await runCommand('bash', ['scripts/build-image.sh'], { cwd: ROOT });
  if (built.code !== 0) throw new Error(`scripts/build-image.sh failed (${built.code}):\n${built.stderr}`);
  const imageBuildSeconds = seconds(building);

  const assets = await resolveNodeAssets(process.env);
  const { hostEntries } = await hostBefore();
  const { cp, kc } = await useControlPlane(t, { realNode: true, audit: true });
  const nodeStart = Date.now();
  const node = await startRealNode(cp, { assets });
  t.teardown(() => node.stop());
  const nodeSeconds = seconds(nodeStart);
  const importing = Date.now();
  await loadImage(node, E2E_IMAGE);
  t.comment(
    `image built in ${imageBuildSeconds} s, node Ready in ${nodeSeconds} s, image imported in ${seconds(importing)} s`,
  );
  const trace: NodeTrace = {
    dir: node.dir,
    bridge: node.network.bridge,
    chain: node.network.chain,
    cgroupRoot: node.name,
    binaries: [assets.kubelet, assets.containerd, assets.containerdShim, assets.runc],
    sysctls: node.hostSysctls,
    hostEntries,
  };
  const core = kc.makeApiClient(CoreV1Api);
  const k = (...args: string[]) => kubectl(cp.kubeconfigPath, args);

  const threeReady = async () => {
    const pods = (await core.listNamespacedPod({ namespace: SHIPSHAPE_NAMESPACE, labelSelector: SELECTOR })).items;
    const ok =
      pods.length === 3 &&
      pods.every((p) => p.status?.phase === 'Running' && isReady(p) && !p.metadata?.deletionTimestamp);
    return ok ? pods : undefined;
  };
  const podLogs = async () => {
    const out = await k('logs', '-n', SHIPSHAPE_NAMESPACE, '-l', SELECTOR, '--tail=30', '--prefix');
    return out.stdout + out.stderr;
  };
  const installLeftovers = async () => {
    const found: string[] = [];
    const list = async (...args: string[]) =>
      (await k('get', ...args, '-o', 'name')).stdout.split('\n').filter(Boolean);
    found.push(...(await list('namespace', SHIPSHAPE_NAMESPACE, '--ignore-not-found')));
    found.push(...(await list('crd', WEBAPP_CRD_NAME, '--ignore-not-found')));
    const partOf = ['-l', 'app.kubernetes.io/part-of=shipshape'];
    found.push(...(await list('mutatingwebhookconfigurations,validatingwebhookconfigurations', ...partOf)));
    found.push(...(await list('clusterroles,clusterrolebindings', ...partOf)));
    const managed = ['-A', '-l', 'app.kubernetes.io/managed-by=shipshape'];
    found.push(
      ...(await list('deployments,services,configmaps,poddisruptionbudgets,horizontalpodautoscalers', ...managed)),
    );
    found.push(...(await list('pods', '-A')));
    return found;
  };
  const nodeStopped = async () => {
    await node.stop();
    const processes = allProcs()
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p.pid}/cgroup`, 'utf8').includes(`/${node.name}/`);
        } catch {
          return false;
        }
      })
      .map((p) => `${p.pid} ${p.cmd.slice(0, 80)}`);
    // Under the machine's lock: a suite waiting for it starts its node the moment ours is gone.
    return { host: await withRealNodeLock(() => nodeLeftovers(trace)), processes };
  };
  return { cp, kc, node, trace, k, threeReady, podLogs, installLeftovers, nodeStopped };
}

/** Waits up to 60 s for nothing of the install to be left, and returns what still is. */
async function awaitNothingLeft(env: Pick<E2eEnvironment, 'installLeftovers'>): Promise<string[]> {
  return eventually(
    'nothing of Shipshape left',
    async () => ((await env.installLeftovers()).length === 0 ? [] : undefined),
    60_000,
  ).catch(() => env.installLeftovers());
}

/** The assertions the shared subtests below make: a tap test's. */
type Checks = Pick<typeof tap, 'equal' | 'strictSame' | 'comment'>;

/**
 * The uninstall as docs/installing.md says it (the WebApps first, while Shipshape still runs, then
 * `kubectl delete -k` of what was applied), then nothing of the install or of a WebApp left.
 */
export async function checkUninstall(t: Checks, env: E2eEnvironment, overlay: string): Promise<void> {
  const started = Date.now();
  const webApps = await env.k('delete', 'webapps', '--all', '--all-namespaces', '--timeout=180s');
  t.equal(webApps.code, 0, `the WebApps are deleted ${webApps.stderr}`);
  const install = await env.k('delete', '-k', overlay, '--timeout=180s');
  t.equal(install.code, 0, `the install is deleted ${install.stderr}`);
  t.comment(`uninstalled in ${seconds(started)} s`);
  t.strictSame(await awaitNothingLeft(env), [], 'no object of the install or of a WebApp, no Pod');
}

/** Stops the node; nothing of it left on the host or in its cgroups. `suiteStart` for the suite's time. */
export async function checkNodeStopped(t: Checks, env: E2eEnvironment, suiteStart: number): Promise<void> {
  const left = await env.nodeStopped();
  t.strictSame(left.host, [], 'nothing of the node is left on the host');
  t.strictSame(left.processes, [], "no process (Shipshape's included) in the node's cgroups");
  t.comment(`suite ${seconds(suiteStart)} s in all, image build included`);
}

/**
 * The end of a certificate change under admission load: admissions went on (more than 50), none
 * failed, and the three Pods ready now are `before`, none of whose containers restarted.
 */
export async function checkServedWithoutRestart(
  t: Checks & Pick<typeof tap, 'ok'>,
  env: E2eEnvironment,
  result: LoadResult,
  before: V1Pod[],
): Promise<void> {
  t.ok(result.ok > 50, `admissions went on (${result.ok})`);
  t.strictSame(result.failures, [], 'no admission failed');
  const restarts = (pods: V1Pod[]) =>
    Object.fromEntries(pods.map((p) => [p.metadata!.name!, p.status?.containerStatuses?.[0]?.restartCount]));
  const now = await eventually('three ready Pods', env.threeReady, 10_000);
  t.strictSame(restarts(now), restarts(before), 'the same Pods, no container restarted');
}
