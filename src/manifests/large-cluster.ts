// An example install for a large cluster (#34): a kustomize overlay of deploy/ that sizes every
// replica for LARGE_CLUSTER_WEBAPPS WebApps by the formula of docs/sizing.md (src/manifests/sizing.ts):
// the memory request and limit and the V8 heap bound (NODE_OPTIONS' --max-old-space-size) patched
// together, since a limit raised without the bound leaves V8 collecting at the old one, and a bound
// raised without the limit lets the kernel kill the container first. The CPU is left as it is:
// `--v8-pool-size` follows the CPU limit (decision 3), and no larger CPU limit has been measured.
// `kubectl apply -k overlays/large-cluster` installs it; beside deploy/ like the self-managed one,
// since kustomize refuses an overlay inside its base (src/manifests/self-managed-certificates.ts).
import { posix } from 'node:path';
import { MEMORY, toDeployment, toNodeOptions } from './deployment.ts';
import { type RenderedFile, toYamlDocuments } from './install.ts';
import { toPodSpecPatch } from './overlay-patch.ts';
import { type Sizing, toSizing } from './sizing.ts';

/** Relative to the repository root. */
export const LARGE_CLUSTER_OVERLAY = 'overlays/large-cluster';
export const LARGE_CLUSTER_WEBAPPS = 50_000;

export function toLargeClusterSizing(): Sizing {
  return toSizing(LARGE_CLUSTER_WEBAPPS, MEMORY);
}

/** The Deployment's patch: NODE_OPTIONS by name (env's merge key), the memory of requests and limits. */
export function toLargeClusterDeploymentPatch(sizing: Sizing = toLargeClusterSizing()): object {
  const deployment = toDeployment();
  const container = deployment.spec!.template.spec!.containers[0]!;
  if (!container.env?.some((e) => e.name === 'NODE_OPTIONS')) throw new Error('the Deployment sets no NODE_OPTIONS');
  return toPodSpecPatch(deployment, {
    containers: [
      {
        name: container.name,
        env: [{ name: 'NODE_OPTIONS', value: toNodeOptions(sizing.heapBoundMiB) }],
        resources: {
          requests: { memory: `${sizing.requestMiB}Mi` },
          limits: { memory: `${sizing.limitMiB}Mi` },
        },
      },
    ],
  });
}

export function toLargeClusterKustomization(): object {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [posix.relative(LARGE_CLUSTER_OVERLAY, 'deploy')],
    patches: [{ path: 'deployment.yaml' }],
  };
}

const SOURCE = 'src/manifests/large-cluster.ts';

export const LARGE_CLUSTER_FILES: RenderedFile[] = [
  {
    path: `${LARGE_CLUSTER_OVERLAY}/kustomization.yaml`,
    render: () => toYamlDocuments(SOURCE, [toLargeClusterKustomization()]),
  },
  {
    path: `${LARGE_CLUSTER_OVERLAY}/deployment.yaml`,
    render: () => toYamlDocuments(SOURCE, [toLargeClusterDeploymentPatch()]),
  },
];
