// `npm run dev [-- --replicas 3] [-- --real-node]`: a local control plane with Shipshape admitting
// WebApps and reconciling them; with several replicas, one leads (holds the Lease). The WebApps'
// Pods run on kwok's fake Nodes, or with --real-node as real containers on a real node (root only;
// scripts/install-node.sh builds it on first use, and the workload image of
// scripts/build-workload-image.sh is imported into it). Ctrl-C stops everything; if this process is
// killed, the watchdog does (src/runtime/child-watchdog.ts).
// OTEL_* variables are passed through to the Shipshape processes; SHIPSHAPE_DEV_APISERVER_OTLP_ENDPOINT
// (host:port of an OTLP/gRPC receiver, e.g. a collector's 127.0.0.1:4317) traces the apiserver too.
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';
import { startDevEnvironment } from '../src/dev/dev-environment.ts';
import { runRepoScript } from '../src/dev/repo-script.ts';

const usage = 'usage: npm run dev [-- --replicas <1-9>] [--real-node]';
let values: { replicas: string; 'real-node': boolean };
try {
  ({ values } = parseArgs({
    options: { replicas: { type: 'string', default: '1' }, 'real-node': { type: 'boolean', default: false } },
  }));
} catch (err) {
  console.error(`${(err as Error).message}\n${usage}`);
  process.exit(2);
}
const replicas = Number(values.replicas);
if (!Number.isInteger(replicas) || replicas < 1 || replicas > 9) {
  console.error(`--replicas must be an integer from 1 to 9, not "${values.replicas}"`);
  process.exit(2);
}
const realNode = values['real-node'];
if (realNode && (process.platform !== 'linux' || process.getuid?.() !== 0)) {
  console.error('--real-node needs root on Linux: it runs containerd and the kubelet and makes a bridge');
  process.exit(2);
}
const devDir = resolve('.shipshape/dev');
await mkdir(devDir, { recursive: true });
// One run, one set of logs: the previous run's are removed, not appended to.
for (const file of await readdir(devDir)) if (file.endsWith('.log')) await rm(resolve(devDir, file), { force: true });
let workload: { archive: string; image: string } | undefined;
if (realNode) {
  console.log('building the real node (scripts/install-node.sh; minutes the first time) ...');
  await runRepoScript('install-node.sh', 1);
  console.log('building the workload image (scripts/build-workload-image.sh) ...');
  const [archive, image] = (await runRepoScript('build-workload-image.sh', 2)) as [string, string];
  workload = { archive, image };
}
console.log(
  `starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler, ` +
    `${realNode ? 'a real node (containerd, runc, the kubelet)' : 'kwok (3 fake Nodes)'} ` +
    `and ${replicas} Shipshape replica(s) as host processes ...`,
);
const tracingEndpoint = process.env.SHIPSHAPE_DEV_APISERVER_OTLP_ENDPOINT;
const env = await startDevEnvironment({
  certsDir: resolve('certs/dev'),
  logsDir: devDir,
  replicas,
  ...(tracingEndpoint && { tracingEndpoint }),
  ...(realNode && {
    realNode: {
      onLockWait: (holder, path) =>
        console.log(`waiting for the real node of pid ${holder.pid} to stop: one per machine (${path}) ...`),
    },
  }),
});
const kubeconfig = resolve(devDir, 'kubeconfig');
await copyFile(env.cp.kubeconfigPath, kubeconfig);
const node = env.node;
// examples/webapp.yaml with the workload image, which the node has and no registry is asked for.
const example = resolve(devDir, 'webapp.yaml');
if (node && workload) {
  await node.importImage(workload.archive);
  // Its opening comment is about the image it names.
  const doc = parseDocument((await readFile('examples/webapp.yaml', 'utf8')).replace(/^(#.*\n)+\n*/, ''));
  doc.setIn(['spec', 'image'], workload.image);
  doc.commentBefore =
    ' examples/webapp.yaml with the workload image (scripts/build-workload-image.sh), which\n' +
    ' `npm run dev -- --real-node` imported into its node: no registry is reachable there.';
  await writeFile(example, doc.toString());
}
const column = (lines: string[]) => lines.join('\n                ');
const nodeLines =
  node && workload
    ? [
        `node            ${node.name} (folder ${node.dir}, bridge ${node.network.bridge} on ${node.network.subnet})`,
        `                logs ${column([node.kubelet.logPath, node.containerd.logPath])}`,
        `workload image  ${workload.image} (imported into the node)`,
      ]
    : [];
const tryLines = node
  ? [
      `kubectl apply -f ${example} && kubectl get webapp hello -o yaml`,
      `                                               # examples/webapp.yaml with the workload image`,
      `kubectl get deploy,svc,cm,pods,events -o wide  # Pods run real containers on ${node.name}`,
      `curl http://<pod IP>:8080/                     # the host routes to the Pods' subnet`,
    ]
  : [
      'kubectl apply -f examples/webapp.yaml && kubectl get webapp hello -o yaml',
      "kubectl get deploy,svc,cm,pods,events          # Pods run on kwok's fake Nodes",
    ];

console.log(`
control plane   ${env.cp.server} (Kubernetes ${env.cp.version})
webhooks        ${env.webhookUrl} (balancing over ${env.replicas.map((r) => r.baseUrl).join(', ')})
replicas        ${column(env.replicas.map((r) => `${r.name} (pid ${r.pid}, log ${r.logPath})`))}
                host processes of src/main.ts, not Pods
${nodeLines.map((line) => `${line}\n`).join('')}
  export KUBECONFIG=${kubeconfig}
  export PATH=${dirname(env.cp.kubectl)}:$PATH   # kubectl ${env.cp.version}, within the version skew

Try:
${tryLines.map((line) => `  ${line}\n`).join('')}  kubectl apply --dry-run=server -o yaml -f examples/webapp.yaml
  kubectl apply -f examples/webapp-too-big.yaml
  kubectl delete namespace <ns>                  # removes the WebApps and everything they own
  kubectl -n shipshape-system get lease shipshape-leader -o yaml   # who leads; kill that pid to fail over

Shipshape is ready: kubectl apply is admitted through its webhooks. Ctrl-C stops everything.`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping ...');
    await env.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
