// The rendered Deployment and PodDisruptionBudget on a cluster with a scheduler and three (kwok)
// Nodes: the three replicas land on three different Nodes, become Ready, and the budget then
// allows exactly one voluntary disruption. No container runs (kwok plays the kubelet).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, PolicyV1Api } from '@kubernetes/client-node';
import t from 'tap';
import { SHIPSHAPE_NAMESPACE } from '../../src/constants.ts';
import { REPLICAS } from '../../src/manifests/deployment.ts';
import { DEPLOYMENT_NAME, POD_SELECTOR } from '../../src/manifests/install-names.ts';
import { useControlPlane } from '../helpers/control-plane.ts';
import { eventually } from '../helpers/eventually.ts';
import { kubectl } from '../helpers/kubectl.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { cp, kc } = await useControlPlane(t);
const core = kc.makeApiClient(CoreV1Api);
const policy = kc.makeApiClient(PolicyV1Api);
const selector = Object.entries(POD_SELECTOR)
  .map(([k, v]) => `${k}=${v}`)
  .join(',');

t.test('three replicas on three Nodes, Ready, and a budget of one disruption', async (t) => {
  const files = ['deploy/namespace.yaml', 'deploy/rbac.yaml', 'deploy/deployment.yaml'];
  const applied = await kubectl(cp.kubeconfigPath, ['apply', ...files.flatMap((f) => ['-f', join(ROOT, f)])]);
  t.equal(applied.code, 0, applied.stderr);
  t.notMatch(applied.stderr, /PodSecurity/, 'no Pod Security warning in a namespace enforcing restricted');

  const pods = await eventually(
    `${REPLICAS} Ready Pods`,
    async () => {
      const list = await core.listNamespacedPod({ namespace: SHIPSHAPE_NAMESPACE, labelSelector: selector });
      const ready = list.items.filter((p) =>
        p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return ready.length === REPLICAS ? ready : undefined;
    },
    90_000,
  );
  const nodes = new Set(pods.map((p) => p.spec?.nodeName));
  t.equal(nodes.size, REPLICAS, `one replica per Node: ${[...nodes].join(', ')}`);

  const budget = await eventually('the PodDisruptionBudget observes them', async () => {
    const pdb = await policy.readNamespacedPodDisruptionBudget({
      namespace: SHIPSHAPE_NAMESPACE,
      name: DEPLOYMENT_NAME,
    });
    return pdb.status?.currentHealthy === REPLICAS ? pdb : undefined;
  });
  t.equal(budget.status?.disruptionsAllowed, 1, 'one Pod may be evicted at a time');
  t.equal(budget.status?.desiredHealthy, REPLICAS - 1);
});
