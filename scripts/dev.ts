// `npm run dev`: a local control plane with Shipshape admitting WebApps. Ctrl-C stops everything.
import { copyFile, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { startDevEnvironment } from '../src/dev/dev-environment.ts';

const devDir = resolve('.shipshape/dev');
await mkdir(devDir, { recursive: true });
console.log('starting etcd, kube-apiserver and Shipshape ...');
const env = await startDevEnvironment({ certsDir: resolve('certs/dev'), logsDir: devDir });
const kubeconfig = resolve(devDir, 'kubeconfig');
await copyFile(env.cp.kubeconfigPath, kubeconfig);

console.log(`
control plane   ${env.cp.server}
webhooks        ${env.replicas.map((r) => r.baseUrl).join(', ')}
logs            ${env.replicas.map((r) => r.logPath).join(', ')}

  export KUBECONFIG=${kubeconfig}

Try:
  kubectl apply -f examples/webapp.yaml && kubectl get webapp hello -o yaml
  kubectl apply --dry-run=server -o yaml -f examples/webapp.yaml
  kubectl apply -f examples/webapp-too-big.yaml

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
