// `npm run dev`: the embedded local control plane for trying Shipshape on one machine.
import { copyFile, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { startControlPlane } from '../src/control-plane/control-plane.ts';

const devDir = resolve('.shipshape/dev');
await mkdir(devDir, { recursive: true });
const cp = await startControlPlane();
const kubeconfig = resolve(devDir, 'kubeconfig');
await copyFile(cp.kubeconfigPath, kubeconfig);
console.log(`control plane: ${cp.server}`);
console.log(`export KUBECONFIG=${kubeconfig}`);
console.log('Shipshape webhook and operator: not yet (they arrive with the admission issue)');
console.log('try: kubectl get namespaces');
console.log('ready');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await cp.stop();
    process.exit(0);
  });
}
