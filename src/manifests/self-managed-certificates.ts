// The install without cert-manager (issue #32): a kustomize overlay of deploy/ in which the leader
// replica issues, rotates and injects the webhook certificates itself (SHIPSHAPE_CERTIFICATES=
// self-managed). It copies nothing: it names deploy/ as its one base and patches it, deleting the
// cert-manager objects, the CA injection annotations (both webhook configurations' and the CRD's)
// and the Secret volume, and adds the RBAC the mode needs. `kubectl apply -k
// overlays/self-managed-certificates` installs it.
//
// The overlay sits beside deploy/, not inside it: kustomize refuses a base whose folder contains the
// overlay ("cycle detected: candidate root ... contains visited root"), by design
// (kubernetes-sigs/kustomize#851, #5975), whatever the load restrictor.
import { posix } from 'node:path';
import type { V1ClusterRole, V1ClusterRoleBinding, V1PolicyRule, V1Role, V1RoleBinding } from '@kubernetes/client-node';
import {
  MUTATING_CONFIGURATION_NAME,
  SHIPSHAPE_NAMESPACE,
  VALIDATING_CONFIGURATION_NAME,
  WEBAPP_CRD_NAME,
} from '../constants.ts';
import { toCertificateObjects } from './certificates.ts';
import { toCrdCaInjection } from './crd-ca-injection.ts';
import { toDeployment } from './deployment.ts';
import {
  APP_NAME,
  LABELS,
  SELF_MANAGED_CERTIFICATES_OVERLAY,
  SERVICE_ACCOUNT_NAME,
  TLS_SECRET_NAME,
} from './install-names.ts';
import { type RenderedFile, toYamlDocuments } from './install.ts';
import { toPodSpecPatch } from './overlay-patch.ts';
import {
  INJECT_CA_ANNOTATION,
  toMutatingWebhookConfiguration,
  toValidatingWebhookConfiguration,
} from './webhook-configurations.ts';

/** The setting that switches the server to self-managed certificates (src/config/settings.ts). */
export const CERTIFICATES_ENV = { name: 'SHIPSHAPE_CERTIFICATES', value: 'self-managed' } as const;
export const CERTIFICATES_ROLE_NAME = `${APP_NAME}-certificates`;

/** In Shipshape's namespace. */
export const CERTIFICATE_SECRET_RULES: V1PolicyRule[] = [
  // Every replica reads the one Secret through the API, since no volume mounts it: a list and a
  // watch with a metadata.name field selector, which RBAC checks against resourceNames. The leader
  // writes the CA, the bundle and the pair to it.
  {
    apiGroups: [''],
    resources: ['secrets'],
    resourceNames: [TLS_SECRET_NAME],
    verbs: ['get', 'list', 'watch', 'update', 'patch'],
  },
  // The leader creates the Secret on first start. create cannot be limited by name: RBAC checks it
  // before the object, and so its name, exists. Reading any other Secret stays refused.
  { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
  // The leader probes which certificate each replica serves, at the addresses of the webhook
  // Service's EndpointSlices; their names are generated, so no resourceNames.
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
];

/** Cluster-wide, and nothing else: the deploy/ ClusterRole already reads all three objects. */
export const CERTIFICATE_CLUSTER_RULES: V1PolicyRule[] = [
  // The leader injects its CA bundle into the caBundle of Shipshape's own two configurations and
  // the WebApp CRD's conversion webhook only.
  {
    apiGroups: ['admissionregistration.k8s.io'],
    resources: ['mutatingwebhookconfigurations'],
    resourceNames: [MUTATING_CONFIGURATION_NAME],
    verbs: ['patch'],
  },
  {
    apiGroups: ['admissionregistration.k8s.io'],
    resources: ['validatingwebhookconfigurations'],
    resourceNames: [VALIDATING_CONFIGURATION_NAME],
    verbs: ['patch'],
  },
  {
    apiGroups: ['apiextensions.k8s.io'],
    resources: ['customresourcedefinitions'],
    resourceNames: [WEBAPP_CRD_NAME],
    verbs: ['patch'],
  },
];

const rbac = 'rbac.authorization.k8s.io';
const subject = { kind: 'ServiceAccount', name: SERVICE_ACCOUNT_NAME, namespace: SHIPSHAPE_NAMESPACE };
const namespaced = { name: CERTIFICATES_ROLE_NAME, namespace: SHIPSHAPE_NAMESPACE, labels: LABELS };
const clusterWide = { name: CERTIFICATES_ROLE_NAME, labels: LABELS };

export function toCertificatesRole(): V1Role {
  return { apiVersion: `${rbac}/v1`, kind: 'Role', metadata: namespaced, rules: CERTIFICATE_SECRET_RULES };
}

export function toCertificatesRoleBinding(): V1RoleBinding {
  return {
    apiVersion: `${rbac}/v1`,
    kind: 'RoleBinding',
    metadata: namespaced,
    roleRef: { apiGroup: rbac, kind: 'Role', name: CERTIFICATES_ROLE_NAME },
    subjects: [subject],
  };
}

export function toCertificatesClusterRole(): V1ClusterRole {
  return { apiVersion: `${rbac}/v1`, kind: 'ClusterRole', metadata: clusterWide, rules: CERTIFICATE_CLUSTER_RULES };
}

export function toCertificatesClusterRoleBinding(): V1ClusterRoleBinding {
  return {
    apiVersion: `${rbac}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: clusterWide,
    roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: CERTIFICATES_ROLE_NAME },
    subjects: [subject],
  };
}

/** Strategic merge patches that delete each object of certs/ from the overlay's output. */
export function toCertManagerDeletions(): object[] {
  return toCertificateObjects().map((o) => {
    const { apiVersion, kind, metadata } = o as { apiVersion: string; kind: string; metadata: { name: string } };
    return { apiVersion, kind, metadata: { name: metadata.name, namespace: SHIPSHAPE_NAMESPACE }, $patch: 'delete' };
  });
}

/**
 * Patches that drop the CA injection annotation (null deletes a key) from both webhook
 * configurations and the CRD: left in place, cert-manager's cainjector, where installed, would
 * write its CA over the bundle Shipshape injects.
 */
export function toCaInjectionRemovals(): object[] {
  const target = { kind: 'service' } as const;
  return [
    ...[toMutatingWebhookConfiguration(target), toValidatingWebhookConfiguration(target)].map((c) => ({
      apiVersion: c.apiVersion,
      kind: c.kind,
      metadata: { name: c.metadata!.name, annotations: { [INJECT_CA_ANNOTATION]: null } },
    })),
    toCrdCaInjection(null),
  ];
}

/**
 * The Deployment's patch: the setting on, and the TLS Secret's volume and its mount gone. Every
 * replica reads the pair through the API instead; a Secret volume that is not optional would keep
 * every Pod from starting until the leader, one of those Pods, had created the Secret.
 */
export function toDeploymentPatch(): object {
  const deployment = toDeployment();
  const pod = deployment.spec!.template.spec!;
  const volume = pod.volumes?.find((v) => v.secret?.secretName === TLS_SECRET_NAME);
  const container = pod.containers.find((c) => c.volumeMounts?.some((m) => m.name === volume?.name));
  const mount = container?.volumeMounts?.find((m) => m.name === volume?.name);
  if (!volume || !container || !mount) throw new Error(`the Deployment mounts no volume of ${TLS_SECRET_NAME}`);
  return toPodSpecPatch(deployment, {
    containers: [
      {
        name: container.name,
        env: [{ ...CERTIFICATES_ENV }],
        // A volumeMount's merge key is its mountPath, a volume's its name.
        volumeMounts: [{ mountPath: mount.mountPath, $patch: 'delete' }],
      },
    ],
    volumes: [{ name: volume.name, $patch: 'delete' }],
  });
}

const SOURCE = 'src/manifests/self-managed-certificates.ts';
const BASE = posix.relative(SELF_MANAGED_CERTIFICATES_OVERLAY, 'deploy');
/** The overlay's patch files, by name within it. */
export const SELF_MANAGED_PATCHES = {
  'delete-cert-manager-objects.yaml': toCertManagerDeletions,
  'remove-ca-injection.yaml': toCaInjectionRemovals,
  'deployment.yaml': () => [toDeploymentPatch()],
} satisfies Record<string, () => object[]>;

export function toOverlayKustomization(): object {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [BASE, 'rbac.yaml'],
    patches: Object.keys(SELF_MANAGED_PATCHES).map((path) => ({ path })),
  };
}

const file = (name: string, objects: () => object[]): RenderedFile => ({
  path: `${SELF_MANAGED_CERTIFICATES_OVERLAY}/${name}`,
  render: () => toYamlDocuments(SOURCE, objects()),
});

export const SELF_MANAGED_CERTIFICATES_FILES: RenderedFile[] = [
  file('kustomization.yaml', () => [toOverlayKustomization()]),
  file('rbac.yaml', () => [
    toCertificatesRole(),
    toCertificatesRoleBinding(),
    toCertificatesClusterRole(),
    toCertificatesClusterRoleBinding(),
  ]),
  ...Object.entries(SELF_MANAGED_PATCHES).map(([name, objects]) => file(name, objects)),
];
