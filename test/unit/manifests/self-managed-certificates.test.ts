// The overlay without cert-manager (src/manifests/self-managed-certificates.ts), as rendered: it
// deletes exactly the cert-manager objects of certs/, removes every CA injection annotation, turns
// the mode on with the settings the server parses, and grants no more than the mode needs.
import { posix } from 'node:path';
import type { V1PolicyRule } from '@kubernetes/client-node';
import t from 'tap';
import { parseConfig } from '../../../src/config/config.ts';
import {
  MUTATING_CONFIGURATION_NAME,
  SHIPSHAPE_NAMESPACE,
  VALIDATING_CONFIGURATION_NAME,
  WEBAPP_CRD_NAME,
  WEBHOOK_SERVICE_NAME,
} from '../../../src/constants.ts';
import { toCrdCaInjection } from '../../../src/manifests/crd-ca-injection.ts';
import { toCertificateObjects } from '../../../src/manifests/certificates.ts';
import { toPodSpec } from '../../../src/manifests/deployment.ts';
import {
  SELF_MANAGED_CERTIFICATES_OVERLAY,
  SERVICE_ACCOUNT_NAME,
  TLS_MOUNT_PATH,
  TLS_SECRET_NAME,
} from '../../../src/manifests/install-names.ts';
import {
  CERTIFICATES_ENV,
  CERTIFICATE_CLUSTER_RULES,
  CERTIFICATE_SECRET_RULES,
  SELF_MANAGED_CERTIFICATES_FILES,
  toCaInjectionRemovals,
  toCertManagerDeletions,
  toCertificatesClusterRole,
  toCertificatesClusterRoleBinding,
  toCertificatesRole,
  toCertificatesRoleBinding,
  toDeploymentPatch,
  toOverlayKustomization,
} from '../../../src/manifests/self-managed-certificates.ts';
import {
  toMutatingWebhookConfiguration,
  toValidatingWebhookConfiguration,
} from '../../../src/manifests/webhook-configurations.ts';

type Meta = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };
const id = (o: object) => {
  const { apiVersion, kind, metadata } = o as Meta;
  return `${apiVersion} ${kind} ${metadata.namespace ?? ''}/${metadata.name}`;
};

t.test('the deletions name exactly the cert-manager objects of certs/', async (t) => {
  const deletions = toCertManagerDeletions();
  t.strictSame(deletions.map(id).sort(), toCertificateObjects().map(id).sort());
  t.equal(deletions.length, 4);
  for (const d of deletions) t.equal((d as { $patch?: string }).$patch, 'delete', `${id(d)} is deleted`);
});

t.test(
  'every annotation of both webhook configurations and the CRD is removed, the CA injection with them',
  async (t) => {
    const target = { kind: 'service' } as const;
    const defaults = [
      toMutatingWebhookConfiguration(target),
      toValidatingWebhookConfiguration(target),
      toCrdCaInjection() as Meta & { metadata: { annotations?: Record<string, string> } },
    ];
    const removals = toCaInjectionRemovals() as (Meta & { metadata: { annotations: Record<string, null> } })[];
    t.strictSame(removals.map(id), defaults.map(id));
    t.equal(id(removals[2]!), `apiextensions.k8s.io/v1 CustomResourceDefinition /${WEBAPP_CRD_NAME}`);
    for (const [i, configuration] of defaults.entries()) {
      const annotations = Object.keys(configuration.metadata?.annotations ?? {});
      t.ok(
        annotations.some((a) => a.startsWith('cert-manager.io/')),
        'the default carries a cert-manager annotation',
      );
      t.strictSame(removals[i]!.metadata.annotations, Object.fromEntries(annotations.map((a) => [a, null])));
    }
  },
);

type PodPatch = {
  metadata: { name: string; namespace: string };
  spec: {
    template: {
      spec: {
        containers: { name: string; env: { name: string; value: string }[]; volumeMounts: object[] }[];
        volumes: object[];
      };
    };
  };
};

t.test('the Deployment patch drops the TLS Secret volume and its mount, and turns the mode on', async (t) => {
  const patch = toDeploymentPatch() as PodPatch;
  t.strictSame(patch.metadata, { name: 'shipshape', namespace: SHIPSHAPE_NAMESPACE });
  const pod = toPodSpec();
  const [container] = patch.spec.template.spec.containers;
  t.equal(patch.spec.template.spec.containers.length, 1);
  t.equal(container!.name, pod.containers[0]!.name, 'the container of the base');
  t.strictSame(container!.env, [{ name: 'SHIPSHAPE_CERTIFICATES', value: 'self-managed' }]);
  t.notOk(
    pod.containers[0]!.env!.some((e) => e.name === CERTIFICATES_ENV.name),
    'the base does not set it (the patch adds, not overrides)',
  );
  const tlsVolume = pod.volumes!.find((v) => v.secret?.secretName === TLS_SECRET_NAME)!;
  t.strictSame(patch.spec.template.spec.volumes, [{ name: tlsVolume.name, $patch: 'delete' }]);
  t.strictSame(container!.volumeMounts, [{ mountPath: TLS_MOUNT_PATH, $patch: 'delete' }]);
  t.equal(pod.volumes!.length, 1, 'the base has no other volume that the patch would have to keep');
});

t.test('the patched Deployment’s environment parses as the server parses it', async (t) => {
  const base = toPodSpec().containers[0]!.env!;
  const env = Object.fromEntries(
    [...base, CERTIFICATES_ENV].filter((e) => e.value !== undefined).map((e) => [e.name, e.value]),
  );
  // parseConfig throws on a rotation setting the self-managed mode cannot keep its promises with.
  const parsed = parseConfig([], env);
  if (parsed.help) throw new Error('unreachable');
  const config: Record<string, unknown> = parsed.config;
  t.equal(config.certificates, 'self-managed');
  t.equal(config.tlsSecret, TLS_SECRET_NAME, 'the Secret the server reads is the one the Role names');
  t.equal(config.webhookService, WEBHOOK_SERVICE_NAME, 'the Service whose EndpointSlices the leader lists');
});

const verbsOf = (rules: V1PolicyRule[], resource: string) =>
  rules.filter((r) => r.resources?.includes(resource)).flatMap((r) => r.verbs);

t.test('in the namespace: the one Secret, creating one, and reading EndpointSlices', async (t) => {
  const role = toCertificatesRole();
  t.equal(role.metadata?.namespace, SHIPSHAPE_NAMESPACE);
  t.equal(role.rules, CERTIFICATE_SECRET_RULES);
  for (const rule of CERTIFICATE_SECRET_RULES) {
    t.notOk(
      [...rule.verbs, ...(rule.resources ?? []), ...rule.apiGroups!].includes('*'),
      `no wildcard: ${JSON.stringify(rule)}`,
    );
    if (rule.resources?.includes('secrets') && !rule.resourceNames)
      t.strictSame(rule.verbs, ['create'], 'only create reaches Secrets of any name');
  }
  const named = CERTIFICATE_SECRET_RULES.filter((r) => r.resourceNames);
  t.strictSame(named, [
    {
      apiGroups: [''],
      resources: ['secrets'],
      resourceNames: [TLS_SECRET_NAME],
      verbs: ['get', 'list', 'watch', 'update', 'patch'],
    },
  ]);
  t.notOk(verbsOf(CERTIFICATE_SECRET_RULES, 'secrets').includes('delete'), 'no delete');
  t.strictSame(
    CERTIFICATE_SECRET_RULES.find((r) => r.resources?.includes('endpointslices')),
    {
      apiGroups: ['discovery.k8s.io'],
      resources: ['endpointslices'],
      verbs: ['list', 'watch'],
    },
  );
  t.equal(CERTIFICATE_SECRET_RULES.length, 3);
});

t.test(
  'cluster-wide: patch of Shipshape’s own two webhook configurations and the WebApp CRD, nothing else',
  async (t) => {
    t.equal(toCertificatesClusterRole().rules, CERTIFICATE_CLUSTER_RULES);
    t.strictSame(
      CERTIFICATE_CLUSTER_RULES.map((r) => [r.apiGroups, r.resources, r.resourceNames, r.verbs]),
      [
        [['admissionregistration.k8s.io'], ['mutatingwebhookconfigurations'], [MUTATING_CONFIGURATION_NAME], ['patch']],
        [
          ['admissionregistration.k8s.io'],
          ['validatingwebhookconfigurations'],
          [VALIDATING_CONFIGURATION_NAME],
          ['patch'],
        ],
        [['apiextensions.k8s.io'], ['customresourcedefinitions'], [WEBAPP_CRD_NAME], ['patch']],
      ],
    );
  },
);

t.test('both roles are bound to Shipshape’s ServiceAccount', async (t) => {
  const subject = { kind: 'ServiceAccount', name: SERVICE_ACCOUNT_NAME, namespace: SHIPSHAPE_NAMESPACE };
  const role = toCertificatesRole();
  const binding = toCertificatesRoleBinding();
  t.equal(binding.metadata?.namespace, role.metadata?.namespace);
  t.strictSame(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata?.name });
  t.strictSame(binding.subjects, [subject]);
  const clusterRole = toCertificatesClusterRole();
  const clusterBinding = toCertificatesClusterRoleBinding();
  t.strictSame(clusterBinding.roleRef, {
    apiGroup: 'rbac.authorization.k8s.io',
    kind: 'ClusterRole',
    name: clusterRole.metadata?.name,
  });
  t.strictSame(clusterBinding.subjects, [subject]);
});

t.test('the kustomization names deploy/ as its base and every file of the overlay', async (t) => {
  const kustomization = toOverlayKustomization() as { resources: string[]; patches: { path: string }[] };
  const [base, ...own] = kustomization.resources;
  t.equal(posix.join(SELF_MANAGED_CERTIFICATES_OVERLAY, base!), 'deploy');
  const referenced = ['kustomization.yaml', ...own, ...kustomization.patches.map((p) => p.path)].sort();
  const rendered = SELF_MANAGED_CERTIFICATES_FILES.map((f) =>
    posix.relative(SELF_MANAGED_CERTIFICATES_OVERLAY, f.path),
  );
  t.strictSame(rendered.sort(), referenced);
  for (const f of SELF_MANAGED_CERTIFICATES_FILES) {
    t.match(
      f.render(),
      /^# Generated by scripts\/render-manifests\.ts from src\/manifests\/self-managed-certificates\.ts/,
    );
  }
});
