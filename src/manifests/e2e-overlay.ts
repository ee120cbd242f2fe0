// The end-to-end suite's install (test/e2e/, issue #33): the self-managed-certificates overlay with
// the image scripts/build-image.sh builds, which the suite imports into the real node's containerd
// (`podman save`, then `ctr images import`) instead of pulling it: no registry is reachable there.
// A test fixture, not an install variant for users, so it lives under test/fixtures/.
import { posix } from 'node:path';
import { toDeployment } from './deployment.ts';
import { IMAGE, SELF_MANAGED_CERTIFICATES_OVERLAY } from './install-names.ts';
import { type RenderedFile, toYamlDocuments } from './install.ts';

export const E2E_OVERLAY = 'test/fixtures/e2e-overlay';
/** podman names a local build `localhost/<name>`, and `podman save` carries that name. */
export const E2E_IMAGE = `localhost/${IMAGE}`;

const [imageName, imageTag] = IMAGE.split(':') as [string, string];

export function toE2eKustomization(): object {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [posix.relative(E2E_OVERLAY, SELF_MANAGED_CERTIFICATES_OVERLAY)],
    images: [{ name: imageName, newName: `localhost/${imageName}`, newTag: imageTag }],
    patches: [{ path: 'deployment.yaml' }],
  };
}

/** Never pull: a missing image is then ErrImageNeverPull at once, not a pull that cannot work. */
export function toE2eDeploymentPatch(): object {
  const deployment = toDeployment();
  const container = deployment.spec!.template.spec!.containers[0]!;
  return {
    apiVersion: deployment.apiVersion,
    kind: deployment.kind,
    metadata: { name: deployment.metadata!.name, namespace: deployment.metadata!.namespace },
    spec: { template: { spec: { containers: [{ name: container.name, imagePullPolicy: 'Never' }] } } },
  };
}

const SOURCE = 'src/manifests/e2e-overlay.ts';

export const E2E_OVERLAY_FILES: RenderedFile[] = [
  { path: `${E2E_OVERLAY}/kustomization.yaml`, render: () => toYamlDocuments(SOURCE, [toE2eKustomization()]) },
  { path: `${E2E_OVERLAY}/deployment.yaml`, render: () => toYamlDocuments(SOURCE, [toE2eDeploymentPatch()]) },
];
