// `review --cluster` without a cluster: stored WebApps judged as updates of themselves.
import t from 'tap';
import { formatClusterReview, reviewCluster } from '../../../src/cli/cluster-review.ts';
import { DEFAULT_LIMITS, type PolicyConfig } from '../../../webhooks/limits.ts';

const stored = (
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) => ({
  apiVersion: 'shipshape.dev/v1',
  kind: 'WebApp',
  metadata: {
    name,
    namespace,
    uid: `uid-${name}`,
    resourceVersion: '7',
    generation: 1,
    labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': 'shipshape' },
    finalizers: ['shipshape.dev/finalizer'],
    ...extra,
  },
  spec: {
    image: 'nginx:1.27',
    replicas: 1,
    port: 8080,
    env: [],
    service: { type: 'ClusterIP', port: 80 },
    resources: { requests: { cpu: '100m' } },
    ...spec,
  },
  status: { phase: 'Running', observedGeneration: 1 },
});
const max5: PolicyConfig = { limits: { ...DEFAULT_LIMITS, maxReplicas: 5 } };

t.test('denied: every WebApp the settings find a violation in, with every reason, by namespace', async (t) => {
  const review = reviewCluster(
    [
      stored('b', 'eight', { replicas: 8, port: 80 }),
      stored('a', 'three', { replicas: 3 }),
      stored('a', 'six', { replicas: 6 }),
      stored('c', 'seven', { replicas: 7 }),
    ],
    new Map<string, Record<string, string> | undefined>([
      ['a', {}],
      ['b', { 'shipshape.dev/enforcement': 'warn' }],
      ['c', { 'shipshape.dev/max-replicas': '8' }],
    ]),
    max5,
  );
  t.strictSame(review.summary, { namespaces: 3, reviewed: 4, allowed: 2, denied: 2, deleting: 0 });
  t.strictSame(
    review.namespaces.map((n) => [n.namespace, n.enforcement, n.webApps.map((w) => [w.name, w.denied, w.reasons])]),
    [
      [
        'a',
        'enforce',
        [
          ['six', true, ['spec.replicas: 6 exceeds the maximum of 5']],
          ['three', false, []],
        ],
      ],
      [
        'b',
        'warn',
        [['eight', true, ['spec.replicas: 8 exceeds the maximum of 5', 'spec.port: 80 is below the minimum of 1024']]],
      ],
      ['c', 'enforce', [['seven', false, []]]],
    ],
    'judged under enforcement even where the namespace warns; the override annotation counts',
  );
  t.equal(review.namespaces[0]!.webApps[0]!.trapped, false, 'ratcheting still admits an unchanged update');
  t.strictSame(review.namespaces[0]!.webApps[0]!.warnings, [], 'no ratchet warnings repeated as warnings');

  const text = formatClusterReview(review, 'diff');
  t.match(
    text,
    'namespace a (enforcement: enforce): 1 of 2 denied\n  DENIED   WebApp a/six\n    reason: spec.replicas: 6 exceeds the maximum of 5\n',
  );
  t.match(text, 'namespace b (enforcement: warn): 1 of 1 denied');
  t.notMatch(text, 'a/three', 'allowed WebApps without warnings are only counted');
  t.match(text, '4 WebApps in 3 namespaces reviewed as updates of themselves: 2 allowed, 2 denied (a: 1, b: 1).');
  t.strictSame(JSON.parse(formatClusterReview(review, 'json')), JSON.parse(JSON.stringify(review)));
});

t.test('a WebApp being deleted is never denied; a malformed annotation is reported', async (t) => {
  const review = reviewCluster(
    [
      stored('a', 'going', { replicas: 9 }, { deletionTimestamp: '2026-12-01T00:00:00Z' }),
      stored('a', 'odd', { replicas: 2 }),
    ],
    new Map<string, Record<string, string> | undefined>([['a', { 'shipshape.dev/max-replicas': 'lots' }]]),
    max5,
  );
  t.strictSame(review.summary, { namespaces: 1, reviewed: 1, allowed: 1, denied: 0, deleting: 1 });
  t.strictSame(review.namespaces[0]!.deleting, ['going']);
  t.match(review.namespaces[0]!.warnings, [/shipshape\.dev\/max-replicas="lots" is not an integer/]);
  const text = formatClusterReview(review, 'diff');
  t.match(text, 'SKIPPED  WebApp a/going: being deleted');
  t.match(text, '  warning: namespace annotation shipshape.dev/max-replicas="lots" is not an integer');
});

t.test('unreadable namespace annotations: judged by the settings alone', async (t) => {
  const review = reviewCluster([stored('x', 'six', { replicas: 6 })], new Map([['x', undefined]]), max5);
  t.equal(review.summary.denied, 1);
});
