// `npm run dev -- --real-node` as a user runs it, from a linked checkout (test/helpers/linked-checkout.ts)
// in a process group of its own: it prints its ready line, the WebApp manifest it wrote with the
// workload image is admitted and its Pod runs a real container on the node, Running and Ready; then
// a Ctrl-C (SIGINT to the group) stops it, and nothing is left: no process it started, nothing of
// the node on the host (mounts, bridge, cgroups, iptables, sysctls), no control plane folder, and
// the machine's real-node lock released. The hard-kill side is real-node.test.ts's (the watchdog's
// teardown) and dev-hard-kill.test.ts's (the dev loop's processes).
//
// In `npm run test:node` (it needs root and scripts/install-node.sh's build, which the dev loop
// runs itself when missing).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
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

/** Resolves with the output so far once `pattern` matches it; rejects if the process ends first. */
function waitForOutput(npm: ChildProcess, output: () => string, pattern: RegExp, timeoutMs: number) {
  return eventually(
    `${pattern} in the dev loop's output`,
    async () => {
      if (npm.exitCode !== null || npm.signalCode !== null) throw new Error(`it ended:\n${output()}`);
      return pattern.test(output()) && output();
    },
    timeoutMs,
  );
}

t.test('npm run dev -- --real-node: a WebApp runs a real container; Ctrl-C leaves nothing', async (t) => {
  const assets = await resolveNodeAssets(process.env);
  const { sysctls, hostEntries } = await hostBefore();
  const checkout = linkCheckout('shipshape-dev-real-node-');
  const cpDirs = new Set<string>();
  const starting = Date.now();
  const npm = spawn('npm', ['run', 'dev', '--', '--real-node'], {
    cwd: checkout,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let seen: Identity[] = [];
  let output = '';
  npm.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  npm.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise((resolve) => npm.once('exit', resolve));
  t.teardown(async () => {
    endRun({ root: npm.pid, dir: checkout, dirs: cpDirs, seen });
    // After a failure: the watchdog's teardown of the node, which ends by releasing the lock.
    const pids = new Set(seen.map((p) => p.pid));
    await eventually('the lock released', async () => !pids.has((await realNodeLockHolder()) ?? 0), 60_000);
  });

  const ready = await waitForOutput(npm, () => output, /Shipshape is ready/, 8 * 60_000);
  t.comment(`ready ${((Date.now() - starting) / 1000).toFixed(1)} s after npm run dev`);
  const [, name, dir, bridge] = /^node +(shipshape-node-(\w+)) \(folder (\S+), bridge (\S+) /m.exec(ready) ?? [];
  const image = /^workload image +(\S+)/m.exec(ready)?.[1];
  const kubeconfig = /export KUBECONFIG=(\S+)/.exec(ready)?.[1];
  const manifest = /kubectl apply -f (\S+\/webapp\.yaml)/.exec(ready)?.[1];
  t.match(ready, 'host processes of src/main.ts, not Pods', 'it says the replicas are host processes');
  if (!t.ok(name && dir && bridge && image && kubeconfig && manifest, 'it names its node, image and manifest')) return;
  t.equal(manifest, join(checkout, '.shipshape/dev/webapp.yaml'), 'the manifest to try is written in .shipshape/dev');
  const trace: NodeTrace = {
    dir: dir!,
    bridge: bridge!,
    chain: `SHIPSHAPE-${name!.slice('shipshape-node-'.length)}`,
    cgroupRoot: name!,
    binaries: [assets.kubelet, assets.containerd, assets.containerdShim, assets.runc],
    sysctls,
    hostEntries,
  };

  const k = (...args: string[]) => kubectl(kubeconfig!, args);
  const applied = await k('apply', '-f', manifest!);
  t.equal(applied.code, 0, `kubectl apply -f ${manifest} ${applied.stderr}`);
  const pod = await eventually(
    'the WebApp Pod Running and Ready',
    async () => {
      const pods = JSON.parse(
        (await k('get', 'pods', '-l', 'app.kubernetes.io/instance=hello', '-o', 'json')).stdout,
      ) as {
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
  t.equal(pod.spec.nodeName, name, 'on the real node');
  const images = await k(
    'get',
    'pods',
    '-l',
    'app.kubernetes.io/instance=hello',
    '-o',
    'jsonpath={..status.containerStatuses[0].image}',
  );
  t.equal(images.stdout, image, 'running the workload image');

  addControlPlaneDirs(runProcesses(npm.pid, checkout, cpDirs), cpDirs);
  seen = runProcesses(npm.pid, checkout, cpDirs);
  t.ok((await nodeLeftovers(trace)).length > 0, 'the node runs');
  const holder = await realNodeLockHolder();
  t.ok(
    seen.some((p) => p.pid === holder),
    "the dev loop holds the machine's real-node lock",
  );

  process.kill(-npm.pid!, 'SIGINT');
  const stopping = Date.now();
  // npm itself ends at the SIGINT, as at a Ctrl-C in a terminal; dev.ts stops what it started.
  await exited;
  const processesLeft = () => describe([...seen.filter(isRunning), ...runProcesses(undefined, checkout, cpDirs)]);
  const left = await eventually('no process of the dev loop left', async () => processesLeft() === '', 30_000).then(
    () => '',
    processesLeft,
  );
  t.comment(`stopped ${((Date.now() - stopping) / 1000).toFixed(1)} s after SIGINT`);
  t.equal(left, '', 'no process it started runs');
  t.not(await realNodeLockHolder(), holder, 'the real-node lock is released');
  t.strictSame(await withRealNodeLock(() => nodeLeftovers(trace)), [], 'nothing of the node is left on the host');
  t.strictSame([...cpDirs].filter(existsSync), [], "the control plane's folder is gone");
  const afterStop = output.slice(output.indexOf('\nstopping ...'));
  t.match(afterStop, /^\nstopping \.\.\.\n/, 'it said it was stopping');
  t.notMatch(afterStop, /error/i, 'and stopped without an error');
});
