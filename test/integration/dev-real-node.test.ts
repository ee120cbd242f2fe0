// `npm run dev -- --real-node` as a user runs it, from a linked checkout (test/helpers/linked-checkout.ts)
// in a process group of its own. Once it prints its ready line, the WebApp manifest it wrote with
// the workload image is admitted and its Pod runs a real container on the node, Running and Ready;
// then a Ctrl-C (SIGINT to the group) stops it, and nothing is left: no process it started,
// nothing of the node on the host (mounts, bridge, cgroups, iptables, sysctls), no control plane
// folder, and the machine's real-node lock released. A SIGKILL of the group instead (a hard stop)
// leaves nothing either, once the watchdog has torn the node down: dev-hard-kill.test.ts's
// guarantee, with the node's teardown added to it.
//
// In `npm run test:node` (it needs root and scripts/install-node.sh's build, which the dev loop
// runs itself when missing).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { resolveNodeAssets } from '../../src/control-plane/node-assets.ts';
import { eventually } from '../helpers/eventually.ts';
import { kubectl } from '../helpers/kubectl.ts';
import { linkCheckout } from '../helpers/linked-checkout.ts';
import {
  addControlPlaneDirs,
  describe,
  endRun,
  type Identity,
  isRunning,
  runProcesses,
} from '../helpers/process-table.ts';
import {
  hostBefore,
  nodeLeftovers,
  type NodeTrace,
  realNodeLockHolder,
  withRealNodeLock,
} from '../helpers/real-node.ts';

if (process.getuid?.() !== 0) {
  t.plan(0, 'a real node needs root');
  process.exit(0);
}
t.setTimeout(10 * 60_000); // as `npm run test:node` gives tap (--timeout=600)

const assets = await resolveNodeAssets(process.env);

type DevRun = {
  npm: ChildProcess;
  exited: Promise<unknown>;
  output: () => string;
  ready: string;
  checkout: string;
  cpDirs: Set<string>;
  trace: NodeTrace;
  kubeconfig: string;
  manifest: string;
  image: string;
  nodeName: string;
  /** What it runs (read once it is ready, by takeRoll()), and the pid holding the lock then. */
  seen: Identity[];
  takeRoll(): Promise<number | undefined>;
  /** No process of the run, within `timeoutMs`: '' or what still runs. */
  processesLeft(timeoutMs: number): Promise<string>;
};

/** Starts the dev loop with a real node and resolves once it is ready; ended by the test's teardown. */
async function startDevLoop(t: Test): Promise<DevRun> {
  const { sysctls, hostEntries } = await hostBefore();
  const checkout = linkCheckout('shipshape-dev-real-node-');
  const cpDirs = new Set<string>();
  const starting = Date.now();
  const npm = spawn('npm', ['run', 'dev', '--', '--real-node'], {
    cwd: checkout,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  npm.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise((resolve) => npm.once('exit', resolve));
  const run = { seen: [] as Identity[] };
  t.teardown(async () => {
    endRun({ root: npm.pid, dir: checkout, dirs: cpDirs, seen: run.seen });
    // After a failure: the watchdog's teardown of the node, which ends by releasing the lock.
    const pids = new Set(run.seen.map((p) => p.pid));
    await eventually('the lock released', async () => !pids.has((await realNodeLockHolder()) ?? 0), 90_000);
  });

  // Long enough to wait for another suite's node (the machine's lock) and a first build.
  const ready = await eventually(
    "the dev loop's ready line",
    async () => {
      if (npm.exitCode !== null || npm.signalCode !== null) throw new Error(`it ended:\n${output}`);
      return output.includes('Shipshape is ready') && output;
    },
    8 * 60_000,
  );
  t.comment(`ready ${((Date.now() - starting) / 1000).toFixed(1)} s after npm run dev`);
  const [, nodeName, id, dir, bridge] =
    /^node +(shipshape-node-(\w+)) \(folder (\S+), bridge (\S+) /m.exec(ready) ?? [];
  const image = /^workload image +(\S+)/m.exec(ready)?.[1];
  const kubeconfig = /export KUBECONFIG=(\S+)/.exec(ready)?.[1];
  const manifest = /kubectl apply -f (\S+\/webapp\.yaml)/.exec(ready)?.[1];
  if (!nodeName || !id || !dir || !bridge || !image || !kubeconfig || !manifest)
    throw new Error(`the ready output names no node, image, kubeconfig or manifest:\n${ready}`);
  const trace: NodeTrace = {
    dir,
    bridge,
    chain: `SHIPSHAPE-${id}`,
    cgroupRoot: nodeName,
    binaries: [assets.kubelet, assets.containerd, assets.containerdShim, assets.runc],
    sysctls,
    hostEntries,
  };
  const processesLeft = async (timeoutMs: number) => {
    const left = () => describe([...run.seen.filter(isRunning), ...runProcesses(undefined, checkout, cpDirs)]);
    return eventually('no process of the dev loop left', async () => left() === '', timeoutMs).then(() => '', left);
  };
  return Object.assign(run, {
    npm,
    exited,
    output: () => output,
    ready,
    checkout,
    cpDirs,
    trace,
    kubeconfig,
    manifest,
    image,
    nodeName,
    processesLeft,
    takeRoll: async () => {
      addControlPlaneDirs(runProcesses(npm.pid, checkout, cpDirs), cpDirs);
      run.seen = runProcesses(npm.pid, checkout, cpDirs);
      return realNodeLockHolder();
    },
  });
}

t.test('npm run dev -- --real-node: a WebApp runs a real container; Ctrl-C leaves nothing', async (t) => {
  const dev = await startDevLoop(t);
  t.match(dev.ready, 'host processes of src/main.ts, not Pods', 'it says the replicas are host processes');
  t.equal(dev.manifest, join(dev.checkout, '.shipshape/dev/webapp.yaml'), 'the manifest to try is in .shipshape/dev');

  const k = (...args: string[]) => kubectl(dev.kubeconfig, args);
  const applied = await k('apply', '-f', dev.manifest);
  t.equal(applied.code, 0, `kubectl apply -f ${dev.manifest} ${applied.stderr}`);
  const selector = ['-l', 'app.kubernetes.io/instance=hello'];
  const pod = await eventually(
    'the WebApp Pod Running and Ready',
    async () => {
      const pods = JSON.parse((await k('get', 'pods', ...selector, '-o', 'json')).stdout) as {
        items: Array<{
          spec: { nodeName?: string };
          status: { phase?: string; conditions?: Array<{ type: string; status: string }> };
        }>;
      };
      const p = pods.items[0];
      const isReady = p?.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      return p?.status.phase === 'Running' && isReady && p;
    },
    120_000,
  ).catch(async (err: Error) => {
    throw new Error(`${err.message}\n${(await k('get', 'webapp,deploy,pods,events', '-o', 'wide')).stdout}`);
  });
  t.equal(pod.spec.nodeName, dev.nodeName, 'on the real node');
  const images = await k('get', 'pods', ...selector, '-o', 'jsonpath={..status.containerStatuses[0].image}');
  t.equal(images.stdout, dev.image, 'running the workload image');

  const holder = await dev.takeRoll();
  t.ok((await nodeLeftovers(dev.trace)).length > 0, 'the node runs');
  t.ok(
    dev.seen.some((p) => p.pid === holder),
    "the dev loop holds the machine's real-node lock",
  );
  process.kill(-dev.npm.pid!, 'SIGINT');
  const stopping = Date.now();
  // npm itself ends at the SIGINT, as at a Ctrl-C in a terminal; dev.ts stops what it started.
  await dev.exited;
  const left = await dev.processesLeft(30_000);
  t.comment(`stopped ${((Date.now() - stopping) / 1000).toFixed(1)} s after SIGINT`);
  t.equal(left, '', 'no process it started runs');
  t.not(await realNodeLockHolder(), holder, 'the real-node lock is released');
  t.strictSame(await withRealNodeLock(() => nodeLeftovers(dev.trace)), [], 'nothing of the node is left on the host');
  t.strictSame([...dev.cpDirs].filter(existsSync), [], "the control plane's folder is gone");
  const afterStop = dev.output().slice(dev.output().indexOf('\nstopping ...'));
  t.match(afterStop, /^\nstopping \.\.\.\n/, 'it said it was stopping');
  t.notMatch(afterStop, /error/i, 'and stopped without an error');
});

t.test('npm run dev -- --real-node: a SIGKILL of its process group leaves nothing either', async (t) => {
  const dev = await startDevLoop(t);
  const holder = await dev.takeRoll();
  t.ok(
    dev.seen.some((p) => p.pid === holder),
    "the dev loop holds the machine's real-node lock",
  );
  process.kill(-dev.npm.pid!, 'SIGKILL');
  const killed = Date.now();
  const left = await dev.processesLeft(10_000);
  t.comment(`processes gone ${((Date.now() - killed) / 1000).toFixed(1)} s after the kill`);
  t.equal(left, '', 'nothing it started runs 10 s after the kill (dev-hard-kill.test.ts)');
  // The watchdog's teardown releases the lock once the host is as before (node-teardown-process.ts).
  await eventually('the lock released', async () => (await realNodeLockHolder()) !== holder, 60_000);
  t.comment(`node torn down ${((Date.now() - killed) / 1000).toFixed(1)} s after the kill`);
  t.strictSame(await withRealNodeLock(() => nodeLeftovers(dev.trace)), [], 'nothing of the node is left on the host');
  t.strictSame([...dev.cpDirs].filter(existsSync), [], "the control plane's folder is gone");
});
