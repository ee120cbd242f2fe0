// The large-cluster overlay (overlays/large-cluster, from src/manifests/large-cluster.ts) as kubectl
// renders it and a real kube-apiserver takes it: the default install with only the Deployment's
// memory request, memory limit and NODE_OPTIONS changed, and that Deployment accepted by a server
// dry run in the Namespace's Pod Security level.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { V1Container, V1Deployment } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import t from 'tap';
import { SHIPSHAPE_NAMESPACE } from '../../src/constants.ts';
import { LARGE_CLUSTER_OVERLAY, toLargeClusterSizing } from '../../src/manifests/large-cluster.ts';
import { useControlPlane } from '../helpers/control-plane.ts';
import { kubectl } from '../helpers/kubectl.ts';
import { dryRunObjects, kustomize } from '../helpers/kustomize.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEPLOYMENT = `Deployment/${SHIPSHAPE_NAMESPACE}/shipshape`;

const { cp } = await useControlPlane(t, { nodes: 0 });
const run = (args: string[], input?: string) => kubectl(cp.kubeconfigPath, args, input);
const base = await kustomize(cp.kubeconfigPath, join(ROOT, 'deploy'));
const overlay = await kustomize(cp.kubeconfigPath, join(ROOT, LARGE_CLUSTER_OVERLAY));

const containerOf = (d: V1Deployment) => d.spec!.template.spec!.containers.find((c) => c.name === 'shipshape')!;
/** The container with its env in name order: a strategic merge patch moves the patched entry first. */
const sorted = (c: V1Container) => ({ ...c, env: [...(c.env ?? [])].sort((a, b) => a.name.localeCompare(b.name)) });

t.test('every object but the Deployment is the default install’s own', async (t) => {
  t.strictSame([...overlay.objects.keys()].sort(), [...base.objects.keys()].sort());
  for (const [k, o] of overlay.objects) if (k !== DEPLOYMENT) t.strictSame(o, base.objects.get(k), k);
});

t.test('the Deployment has the formula’s memory and heap bound, and is otherwise the default’s', async (t) => {
  const sizing = toLargeClusterSizing();
  const deployment = overlay.objects.get(DEPLOYMENT) as V1Deployment;
  const container = containerOf(deployment);
  t.strictSame(container.resources, {
    requests: { cpu: '100m', memory: `${sizing.requestMiB}Mi` },
    limits: { cpu: '1', memory: `${sizing.limitMiB}Mi` },
  });
  const nodeOptions = container.env!.find((e) => e.name === 'NODE_OPTIONS')?.value;
  t.match(nodeOptions, new RegExp(`(^| )--max-old-space-size=${sizing.heapBoundMiB}( |$)`));

  const expected = structuredClone(base.objects.get(DEPLOYMENT)) as V1Deployment;
  const expectedContainer = containerOf(expected);
  t.not(
    expectedContainer.resources!.limits!.memory,
    `${sizing.limitMiB}Mi`,
    'the default differs (the check has teeth)',
  );
  expectedContainer.resources = container.resources!;
  expectedContainer.env = expectedContainer.env!.map((e) =>
    e.name === 'NODE_OPTIONS' ? { ...e, value: nodeOptions } : e,
  );
  const pod = deployment.spec!.template.spec!;
  const expectedPod = expected.spec!.template.spec!;
  pod.containers = pod.containers.map(sorted);
  expectedPod.containers = expectedPod.containers.map(sorted);
  t.strictSame(deployment, expected, 'nothing else changed');
});

t.test('the apiserver accepts the Deployment, in the Namespace’s Pod Security level', async (t) => {
  const setup = await run(['apply', '-f', join(ROOT, 'deploy/namespace.yaml')]);
  t.equal(setup.code, 0, setup.stderr);
  const dryRun = await run(['apply', '--dry-run=server', '-f', '-'], stringify(overlay.objects.get(DEPLOYMENT)));
  t.equal(dryRun.code, 0, dryRun.stderr);
  t.strictSame(dryRunObjects(dryRun.stdout), ['deployment/shipshape']);
  t.notMatch(dryRun.stderr, /PodSecurity/, 'no Pod Security warning');
});
