// The end-to-end suite's install (test/e2e/, issue #33): the self-managed-certificates overlay with
// the image scripts/build-image.sh builds, which the suite imports into the real node's containerd
// (`podman save`, then `ctr images import`) instead of pulling it: no registry is reachable there.
// A second one, E2E_OWN_CERTIFICATE_OVERLAY, is the install of a user bringing their own
// certificate as docs/installing.md tells it: deploy/ with the self-managed overlay's two patches
// that delete cert-manager's objects and the CA injection annotation, the Secret volume kept, and
// the Secret and caBundles written by the test.
// Test fixtures, not install variants for users, so they live under test/fixtures/.
import { posix } from 'node:path';
import { toDeployment } from './deployment.ts';
import { IMAGE, SELF_MANAGED_CERTIFICATES_OVERLAY } from './install-names.ts';
import { type RenderedFile, toYamlDocuments } from './install.ts';
import { SELF_MANAGED_PATCHES } from './self-managed-certificates.ts';

export const E2E_OVERLAY = 'test/fixtures/e2e-overlay';
export const E2E_OWN_CERTIFICATE_OVERLAY = 'test/fixtures/e2e-own-certificate';
/** The self-managed overlay's patches that a user bringing their own certificate applies too. */
const OWN_CERTIFICATE_PATCHES = ['delete-cert-manager-objects.yaml', 'remove-ca-injection.yaml'] as const;
/** podman names a local build `localhost/<name>`, and `podman save` carries that name. */
export const E2E_IMAGE = `localhost/${IMAGE}`;

const [imageName, imageTag] = IMAGE.split(':') as [string, string];

const images = [{ name: imageName, newName: `localhost/${imageName}`, newTag: imageTag }];

export function toE2eKustomization(): object {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [posix.relative(E2E_OVERLAY, SELF_MANAGED_CERTIFICATES_OVERLAY)],
    images,
    patches: [{ path: 'deployment.yaml' }],
  };
}

export function toOwnCertificateKustomization(): object {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [posix.relative(E2E_OWN_CERTIFICATE_OVERLAY, 'deploy')],
    images,
    patches: [...OWN_CERTIFICATE_PATCHES, 'deployment.yaml'].map((path) => ({ path })),
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

const file = (overlay: string, name: string, objects: () => object[]): RenderedFile => ({
  path: `${overlay}/${name}`,
  render: () => toYamlDocuments(SOURCE, objects()),
});

export const E2E_OVERLAY_FILES: RenderedFile[] = [
  file(E2E_OVERLAY, 'kustomization.yaml', () => [toE2eKustomization()]),
  file(E2E_OVERLAY, 'deployment.yaml', () => [toE2eDeploymentPatch()]),
  file(E2E_OWN_CERTIFICATE_OVERLAY, 'kustomization.yaml', () => [toOwnCertificateKustomization()]),
  file(E2E_OWN_CERTIFICATE_OVERLAY, 'deployment.yaml', () => [toE2eDeploymentPatch()]),
  ...OWN_CERTIFICATE_PATCHES.map((name) => file(E2E_OWN_CERTIFICATE_OVERLAY, name, SELF_MANAGED_PATCHES[name])),
];
