// The harness's real node (src/control-plane/real-node.ts): containerd, runc and the kubelet built
// by scripts/install-node.sh, registered with a control plane that runs no fake Nodes. Its Node
// turns Ready; a Pod of an image imported with importImage (the pause binary under another name)
// runs on it with an IP on the node's bridge;
// the host reaches that IP (as the apiserver reaches webhook Pods) and the Pod reaches the
// apiserver at the address the kubelet gives it (the `kubernetes` Service), with TLS verified.
// Then stop() leaves nothing: no process, mount, interface, nat chain, cgroup, changed sysctl or
// folder. A second test kills the process that started a node (SIGKILL, no stop()) and checks the
// watchdog leaves nothing either. Both check the machine's real-node lock (real-node-lock.ts): held
// while a node runs, so a second node is refused, and released after either teardown.
//
// Not part of `npm test` (a node build takes minutes on a new machine): `npm run test:node`, which
// runs scripts/install-node.sh first. Needs root (containerd, the kubelet, a bridge).
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import t from 'tap';
import type { HarnessError } from '../../src/control-plane/harness-error.ts';
import { readSysctls } from '../../src/control-plane/host-sysctls.ts';
import { nodeVersions, resolveNodeAssets } from '../../src/control-plane/node-assets.ts';
import { startRealNode } from '../../src/control-plane/real-node.ts';
import { useControlPlane, useNamespace } from '../helpers/control-plane.ts';
import { eventually } from '../helpers/eventually.ts';
import {
  containerPid,
  kubernetesServiceEnv,
  type NodeTrace,
  nodeLeftovers,
  podOn,
  hostBefore,
  realNodeLockHolder,
  renamedOciArchive,
  withRealNodeLock,
} from '../helpers/real-node.ts';

const execFileAsync = promisify(execFile);

if (process.getuid?.() !== 0) {
  t.plan(0, 'a real node needs root');
  process.exit(0);
}
t.setTimeout(10 * 60_000); // as `npm run test:node` gives tap (--timeout=600)

const assets = await resolveNodeAssets(process.env);
const binaries = [assets.kubelet, assets.containerd, assets.containerdShim, assets.runc];

/** Runs `script` with this Node binary inside the network namespace of process `pid`. */
const inPodNetwork = (pid: number, script: string, env: NodeJS.ProcessEnv = {}) =>
  execFileAsync('nsenter', ['-t', String(pid), '-n', '--', process.execPath, '-e', script], {
    env: { ...process.env, ...env },
    timeout: 20_000,
  });

t.test('a Pod runs on the real node, on its bridge, and the node leaves nothing after stop()', async (t) => {
  const { cp, kc } = await useControlPlane(t, { nodes: 0 });
  const core = kc.makeApiClient(CoreV1Api);
  const { sysctls, hostEntries } = await hostBefore();
  const started = Date.now();
  const node = await startRealNode(cp);
  t.teardown(() => node.stop());
  t.comment(`node Ready ${((Date.now() - started) / 1000).toFixed(1)} s after startRealNode`);
  const trace: NodeTrace = {
    dir: node.dir,
    bridge: node.network.bridge,
    chain: node.network.chain,
    cgroupRoot: node.name,
    binaries,
    sysctls,
    hostEntries,
  };

  // One node per machine: a second start waits for the lock this one holds, then names its holder.
  const second = await startRealNode(cp, { lockTimeoutMs: 1000 }).catch((err: unknown) => err);
  t.equal((second as HarnessError).code, 'NODE_LOCK_TIMEOUT', 'a second node on the machine is refused');
  t.match((second as Error).message, `pid ${process.pid} `, 'naming the process that holds the lock');

  const registered = await core.readNode({ name: node.name });
  t.equal(registered.status?.nodeInfo?.kubeletVersion, cp.version, 'the kubelet is the control plane release');
  t.equal(
    registered.status?.nodeInfo?.containerRuntimeVersion,
    `containerd://${nodeVersions(process.env).containerd}`,
    'on the containerd of scripts/node.versions',
  );
  t.strictSame(
    registered.status?.addresses?.filter((a) => a.type === 'InternalIP').map((a) => a.address),
    [node.network.gateway],
    "the node's address is its bridge's",
  );

  // An image of our own, imported as a registry-less suite loads Shipshape's (importImage).
  const image = 'localhost/shipshape/real-node-test:1';
  const archive = join(node.dir, 'image.tar');
  await renamedOciArchive(assets.pauseArchive, image, archive);
  await node.importImage(archive);

  const namespace = await useNamespace(t, kc, 'real-node');
  const podStarted = Date.now();
  await core.createNamespacedPod({ namespace, body: podOn(node.name, 'pause', image) });
  const pod = await eventually(
    'the Pod Running and Ready',
    async () => {
      const p = await core.readNamespacedPod({ namespace, name: 'pause' });
      const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      return p.status?.phase === 'Running' && ready && p;
    },
    90_000,
  );
  t.comment(`Pod Running and Ready ${((Date.now() - podStarted) / 1000).toFixed(1)} s after it was created`);
  const podIp = pod.status?.podIP ?? '';
  const prefix = node.network.gateway.replace(/\.1$/, '.');
  t.ok(podIp.startsWith(prefix) && podIp !== node.network.gateway, `its IP ${podIp} is on ${node.network.subnet}`);
  const pid = await containerPid(node, pod.status!.containerStatuses![0]!.containerID!);

  // Host -> Pod: what the apiserver does to call a webhook Pod (--enable-aggregator-routing).
  const server = spawn(
    'nsenter',
    [
      '-t',
      String(pid),
      '-n',
      '--',
      process.execPath,
      '-e',
      "require('http').createServer((q, s) => s.end('pod')).listen(8080)",
    ],
    { stdio: 'ignore' },
  );
  t.teardown(() => server.kill('SIGKILL'));
  const answer = await eventually('an answer from the Pod IP', async () =>
    (await fetch(`http://${podIp}:8080/`)).text(),
  );
  t.equal(answer, 'pod', 'the host reaches a server in the Pod at its IP');

  // Pod -> apiserver: where in-cluster clients go, with the harness CA, as client-go would.
  const service = kubernetesServiceEnv(pid);
  t.strictSame(service, { host: '10.0.0.1', port: '443' }, 'the kubelet gives the Pod the kubernetes Service');
  const { stdout } = await inPodNetwork(
    pid,
    `require('https').get({ host: process.env.HOST, port: process.env.PORT, path: '/version', ca: process.env.CA }, (res) => {
       let body = ''; res.on('data', (c) => (body += c)); res.on('end', () => console.log(JSON.parse(body).gitVersion));
     }).on('error', (err) => { console.error(err.message); process.exit(1); });`,
    { HOST: service.host, PORT: service.port, CA: cp.caPem },
  );
  t.equal(stdout.trim(), cp.version, 'the Pod reaches the apiserver there, its certificate verified');
  server.kill('SIGKILL');

  const running = readSysctls();
  const changed = Object.keys(sysctls).filter((name) => running[name] !== sysctls[name]);
  t.comment(
    `sysctls the node changed: ${changed.map((n) => `${n} ${sysctls[n]} -> ${running[n]}`).join(', ') || 'none'}`,
  );
  const stopping = Date.now();
  await node.stop();
  t.comment(`stop() took ${((Date.now() - stopping) / 1000).toFixed(1)} s`);
  t.not(await realNodeLockHolder(), process.pid, "stop() released the machine's real-node lock");
  t.strictSame(await withRealNodeLock(() => nodeLeftovers(trace)), [], 'nothing of the node is left on the host');
  await t.rejects(core.readNode({ name: node.name }), 'the Node is deleted');
});

const fixture = fileURLToPath(new URL('../fixtures/start-real-node.ts', import.meta.url));

t.test('a killed owner (SIGKILL, no stop()) leaves nothing either: the watchdog tears the node down', async (t) => {
  const { sysctls, hostEntries } = await hostBefore();
  const child = spawn(process.execPath, [fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill('SIGKILL'));
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the fixture exited (${code}) before its Pod ran`)));
  });
  const started = JSON.parse(first) as Omit<NodeTrace, 'binaries' | 'sysctls' | 'hostEntries'>;
  const trace: NodeTrace = { ...started, binaries, sysctls, hostEntries };
  t.not((await nodeLeftovers(trace)).length, 0, 'the node and its Pod run');
  t.equal(await realNodeLockHolder(), child.pid, "its process holds the machine's real-node lock");
  child.kill('SIGKILL');
  // The teardown releases the lock once it is over (node-teardown-process.ts).
  await eventually('the lock released by the teardown', async () => (await realNodeLockHolder()) !== child.pid, 90_000);
  t.pass("the watchdog's teardown released the lock");
  t.strictSame(await withRealNodeLock(() => nodeLeftovers(trace)), [], 'nothing of the node is left on the host');
});
