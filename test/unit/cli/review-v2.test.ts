// `shipshape review` of WebApp v2 manifests (issue #35): the apiserver's steps at v2 (strict
// decoding and the CRD schema of v2), the webhooks asked at v1 with requestKind v2 as the apiserver
// asks them, the object and its changes reported at v2.
import t from 'tap';
import { createLocalWebhooks, reviewOffline } from '../../../src/cli/review-offline.ts';
import { type CallWebhook, KUBE_APISERVER, review } from '../../../src/cli/review.ts';
import type { AdmissionReviewRequest } from '../../../src/admission/admission-review.ts';
import type { JsonObject } from '../../../src/json/json.ts';
import { DEFAULT_LIMITS } from '../../../webhooks/limits.ts';
import { at, loadV2Fixture } from '../webhooks/request-v2.ts';

const config = { limits: DEFAULT_LIMITS };
const v2 = (spec: JsonObject, name = 'web'): JsonObject => ({
  apiVersion: 'shipshape.dev/v2',
  kind: 'WebApp',
  metadata: { name },
  spec: { image: 'nginx:1.27', resources: { requests: { cpu: '100m' } }, ...spec },
});

t.test('a v2 manifest is defaulted at v2, its changes a patch of the v2 object', async (t) => {
  const result = await reviewOffline({ object: v2({}), namespace: 'default' }, { config });
  t.equal(result.allowed, true);
  t.equal(result.object.apiVersion, 'shipshape.dev/v2');
  t.strictSame((result.object.spec as JsonObject).ports, [{ name: 'http', containerPort: 8080, servicePort: 80 }]);
  t.match(result.patch, [
    { op: 'add', path: '/metadata/labels' },
    { op: 'add', path: '/metadata/finalizers' },
  ]);
  t.ok(
    result.patch.some((op) => op.path === '/spec/ports'),
    'the patch names v2 paths',
  );
  t.notOk(
    result.patch.some((op) => op.path === '/spec/port'),
    'not v1 ones',
  );
});

t.test('a v2 manifest is denied with v2 paths, as the cluster denies it', async (t) => {
  const ports = [
    { name: 'http', containerPort: 8080 },
    { name: 'admin', containerPort: 80 },
  ];
  const result = await reviewOffline(
    { object: v2({ ports, autoscaling: { maxReplicas: 11 } }), namespace: 'default' },
    { config },
  );
  t.equal(result.allowed, false);
  t.strictSame(result.reasons, [
    'spec.ports[1].containerPort: 80 is below the minimum of 1024',
    'spec.autoscaling.maxReplicas: 11 exceeds the maximum of 10',
  ]);
});

t.test("v1's fields in a v2 manifest are unknown fields at v2, refused while decoding", async (t) => {
  const result = await reviewOffline({ object: v2({ port: 8080 }), namespace: 'default' }, { config });
  t.equal(result.allowed, false);
  t.equal(result.deniedBy, KUBE_APISERVER);
  t.strictSame(result.reasons, ['unknown field "spec.port"']);
  t.match(result.message, /^WebApp in version "v2" cannot be handled as a WebApp/);
});

t.test('the webhooks are asked at v1 with requestKind v2; the old object converted to v1', async (t) => {
  const seen: AdmissionReviewRequest[] = [];
  const local = createLocalWebhooks({ config });
  const call: CallWebhook = (path, body) => {
    seen.push(body);
    return local(path, body);
  };
  const stored = at(loadV2Fixture('full'), 'shipshape.dev/v1');
  const result = await review({ object: loadV2Fixture('full'), oldObject: stored, namespace: 'team-a' }, call);
  t.equal(result.allowed, true);
  t.equal(result.operation, 'UPDATE');
  t.strictSame(result.patch, [], 'a defaulted v2 object is not changed');
  t.equal(seen.length, 2);
  for (const body of seen) {
    t.match(body.request.kind, { version: 'v1' });
    t.match(body.request.requestKind, { version: 'v2' });
    t.equal((body.request.object as JsonObject).apiVersion, 'shipshape.dev/v1');
    t.equal((body.request.oldObject as JsonObject).apiVersion, 'shipshape.dev/v1');
  }
});

t.test('an UPDATE at v2 of a stored v1 WebApp keeps ratcheting across versions', async (t) => {
  const stored = at(v2({ autoscaling: { maxReplicas: 12 } }), 'shipshape.dev/v1');
  const kept = await reviewOffline(
    { object: v2({ autoscaling: { maxReplicas: 12 }, replicas: 2 }), oldObject: stored, namespace: 'default' },
    { config },
  );
  t.equal(kept.allowed, true);
  t.match(kept.warnings, [/^spec\.autoscaling\.maxReplicas: 12 exceeds the maximum of 10; allowed because/]);
});
