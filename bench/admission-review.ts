// The request bodies of the webhook benchmarks: an AdmissionReview for a WebApp CREATE as
// kube-apiserver 1.37 sends it (requestKind, userInfo with groups and extra, the object with
// kubectl's last-applied annotation and managedFields), about 2.2 KB. The spec omits replicas,
// port and service, so the mutating webhook answers with a patch; everything else is valid, so
// the validating webhook allows it without warnings.
const gvk = { group: 'shipshape.dev', version: 'v1', kind: 'WebApp' };
const gvr = { group: 'shipshape.dev', version: 'v1', resource: 'webapps' };

export function webAppCreateReview(uid: string, name = 'shop', namespace = 'bench'): string {
  const spec = {
    image: 'registry.example.com/team/shop:1.27.3',
    env: [
      { name: 'GREETING', value: 'hello' },
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'FEATURE_FLAGS', value: 'checkout,search,recommendations' },
    ],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  };
  const manifest = {
    apiVersion: 'shipshape.dev/v1',
    kind: 'WebApp',
    metadata: { name, namespace, labels: { team: 'storefront', tier: 'web' } },
    spec,
  };
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: gvk,
      resource: gvr,
      requestKind: gvk,
      requestResource: gvr,
      name,
      namespace,
      operation: 'CREATE',
      userInfo: {
        username: 'kubernetes-admin',
        groups: ['kubeadm:cluster-admins', 'system:authenticated'],
        extra: { 'authentication.kubernetes.io/credential-id': ['X509SHA256=4f1a9c2b7e'] },
      },
      object: {
        ...manifest,
        metadata: {
          ...manifest.metadata,
          annotations: {
            'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(manifest)}\n`,
            'storefront.example.com/owner': 'team-storefront@example.com',
          },
          creationTimestamp: null,
          managedFields: [
            {
              manager: 'kubectl-client-side-apply',
              operation: 'Update',
              apiVersion: 'shipshape.dev/v1',
              time: '2026-12-01T12:00:00Z',
              fieldsType: 'FieldsV1',
              fieldsV1: {
                'f:metadata': {
                  'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} },
                  'f:labels': { '.': {}, 'f:team': {}, 'f:tier': {} },
                },
                'f:spec': {
                  '.': {},
                  'f:env': {},
                  'f:image': {},
                  'f:resources': { '.': {}, 'f:limits': {}, 'f:requests': {} },
                },
              },
            },
          ],
        },
      },
      oldObject: null,
      dryRun: false,
      options: {
        kind: 'CreateOptions',
        apiVersion: 'meta.k8s.io/v1',
        fieldManager: 'kubectl-client-side-apply',
        fieldValidation: 'Strict',
      },
    },
  });
}
