// `review --cluster` of WebApps created at v2 (issue #35): listed at v1, one that carries the
// v2-fields annotation is judged at v2, as the webhooks judge its v2 owner's update; the others
// as before, at v1.
import t from 'tap';
import { reviewCluster } from '../../../src/cli/cluster-review.ts';
import type { JsonObject } from '../../../src/json/json.ts';
import { DEFAULT_LIMITS, type PolicyConfig } from '../../../webhooks/limits.ts';
import { at } from '../webhooks/request-v2.ts';

const v2 = (name: string, spec: JsonObject): JsonObject => ({
  apiVersion: 'shipshape.dev/v2',
  kind: 'WebApp',
  metadata: {
    name,
    namespace: 'team',
    labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': 'shipshape' },
    finalizers: ['shipshape.dev/finalizer'],
  },
  spec: {
    image: 'nginx:1.27',
    replicas: 1,
    ports: [{ name: 'http', containerPort: 8080, servicePort: 80 }],
    env: [],
    service: { type: 'ClusterIP' },
    resources: { requests: { cpu: '100m' } },
    ...spec,
  },
});

t.test('a WebApp created at v2 is judged at v2 paths; a v1 one at v1 paths', async (t) => {
  const config: PolicyConfig = { limits: { ...DEFAULT_LIMITS, maxReplicas: 5, deniedPorts: [9000] } };
  const listed = [
    at(
      v2('scaled', {
        ports: [
          { name: 'http', containerPort: 8080, servicePort: 80 },
          { name: 'admin', containerPort: 9000 },
        ],
        autoscaling: { minReplicas: 1, maxReplicas: 6, targetCPUUtilizationPercentage: 80 },
      }),
      'shipshape.dev/v1',
    ),
    at(v2('plain', { replicas: 6 }), 'shipshape.dev/v1'),
  ];
  t.ok((listed[0]!.metadata as { annotations?: object }).annotations, 'the first carries the annotation');
  const review = reviewCluster(listed, new Map(), config);
  t.match(review.namespaces[0]!.webApps, [
    {
      name: 'plain',
      denied: true,
      reasons: ['spec.replicas: 6 exceeds the maximum of 5'],
      trapped: false,
    },
    {
      name: 'scaled',
      denied: true,
      reasons: [
        'spec.ports[1].containerPort: 9000 is in the denied list (9000)',
        'spec.autoscaling.maxReplicas: 6 exceeds the maximum of 5',
      ],
      trapped: false,
    },
  ]);
});
