// `npm run dev [-- --replicas 3]`: a local control plane with Shipshape admitting WebApps and
// reconciling them; with several replicas, one leads (holds the Lease). Ctrl-C stops everything.
// OTEL_* variables are passed through to the Shipshape processes; SHIPSHAPE_DEV_APISERVER_OTLP_ENDPOINT
// (host:port of an OTLP/gRPC receiver, e.g. a collector's 127.0.0.1:4317) traces the apiserver too.
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startDevEnvironment } from '../src/dev/dev-environment.ts';

const { values } = parseArgs({ options: { replicas: { type: 'string', default: '1' } } });
const replicas = Number(values.replicas);
if (!Number.isInteger(replicas) || replicas < 1 || replicas > 9) {
  console.error(`--replicas must be an integer from 1 to 9, not "${values.replicas}"`);
  process.exit(2);
}
const devDir = resolve('.shipshape/dev');
await mkdir(devDir, { recursive: true });
// One run, one set of logs: the previous run's are removed, not appended to.
for (const file of await readdir(devDir)) if (file.endsWith('.log')) await rm(resolve(devDir, file), { force: true });
console.log(
  `starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok (3 fake Nodes) ` +
    `and ${replicas} Shipshape replica(s) ...`,
);
const tracingEndpoint = process.env.SHIPSHAPE_DEV_APISERVER_OTLP_ENDPOINT;
const env = await startDevEnvironment({
  certsDir: resolve('certs/dev'),
  logsDir: devDir,
  replicas,
  ...(tracingEndpoint && { tracingEndpoint }),
});
const kubeconfig = resolve(devDir, 'kubeconfig');
await copyFile(env.cp.kubeconfigPath, kubeconfig);

console.log(`
control plane   ${env.cp.server} (Kubernetes ${env.cp.version})
webhooks        ${env.webhookUrl} (balancing over ${env.replicas.map((r) => r.baseUrl).join(', ')})
replicas        ${env.replicas.map((r) => `${r.name} (pid ${r.pid}, log ${r.logPath})`).join('\n                ')}

  export KUBECONFIG=${kubeconfig}
  export PATH=${dirname(env.cp.kubectl)}:$PATH   # kubectl ${env.cp.version}, within the version skew

Try:
  kubectl apply -f examples/webapp.yaml && kubectl get webapp hello -o yaml
  kubectl apply --dry-run=server -o yaml -f examples/webapp.yaml
  kubectl apply -f examples/webapp-too-big.yaml
  kubectl get deploy,svc,cm,pods,events          # Pods run on kwok's fake Nodes
  kubectl delete namespace <ns>                  # removes the WebApps and everything they own
  kubectl -n shipshape-system get lease shipshape-leader -o yaml   # who leads; kill that pid to fail over

Shipshape is ready: kubectl apply is admitted through its webhooks. Ctrl-C stops everything.`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping ...');
    await env.stop();
    process.exit(0);
  });
}
