// `review --audit-log` of requests made at v2 beside v1 ones (issue #35): each replayed at the
// version it was made at, a v2 patch applied to the stored object read at v2, reasons at v2 paths.
import t from 'tap';
import { parseAuditLog, replayAuditEvents } from '../../../src/cli/audit-log.ts';
import type { JsonObject } from '../../../src/json/json.ts';
import { DEFAULT_LIMITS } from '../../../webhooks/limits.ts';
import { createAuditEvents } from './audit-event.ts';
import { at } from '../webhooks/request-v2.ts';

const auditEvent = createAuditEvents();
const event = (verb: string, version: string, fields: Record<string, unknown>) =>
  auditEvent(verb, { name: 'web', version }, fields);

const v2 = (maxReplicas: number, port: number): JsonObject => ({
  apiVersion: 'shipshape.dev/v2',
  kind: 'WebApp',
  metadata: { name: 'web', namespace: 'team' },
  spec: {
    image: 'nginx:1.27',
    replicas: 1,
    ports: [
      { name: 'http', containerPort: 8080, servicePort: 80 },
      { name: 'admin', containerPort: port },
    ],
    env: [],
    service: { type: 'ClusterIP' },
    resources: { requests: { cpu: '100m' } },
    autoscaling: { maxReplicas, minReplicas: 1, targetCPUUtilizationPercentage: 80 },
  },
});

t.test('creates, patches and updates at v2 and v1 are replayed at their own versions', async (t) => {
  const lines = [
    event('create', 'v2', { requestObject: v2(4, 9000), responseObject: v2(4, 9000) }),
    // A merge patch at v2 of the stored object, which the log last showed at v2.
    event('patch', 'v2', {
      requestObject: { spec: { autoscaling: { maxReplicas: 6 } } },
      responseObject: at(v2(6, 9000), 'shipshape.dev/v1'),
    }),
    // A merge patch at v2 of an object the log last showed at v1: read at v2 before patching.
    event('patch', 'v2', { requestObject: { spec: { autoscaling: { maxReplicas: 7 } } }, responseObject: v2(6, 9000) }),
    // An update at v1 of the object created at v2, its annotation's maxReplicas raised.
    event('update', 'v1', { requestObject: at(v2(8, 9000), 'shipshape.dev/v1') }),
  ];
  const { events, errors } = parseAuditLog(lines.map((l) => JSON.stringify(l)).join('\n'), 'a.log');
  t.strictSame(errors, []);
  t.strictSame(
    events.map((e) => e.version),
    ['v2', 'v2', 'v2', 'v1'],
  );
  const config = { limits: { ...DEFAULT_LIMITS, maxReplicas: 5, deniedPorts: [9000] } };
  const { replayed, skipped } = await replayAuditEvents(events, { config });
  t.strictSame(skipped, []);
  // Updates ratchet against the stored object: the port kept at 9000 is no reason once stored.
  t.strictSame(
    replayed.map((r) => r.now.reasons),
    [
      ['spec.ports[1].containerPort: 9000 is in the denied list (9000)'],
      ['spec.autoscaling.maxReplicas: 6 exceeds the maximum of 5'],
      ['spec.autoscaling.maxReplicas: 7 exceeds the maximum of 5'],
      ['metadata.annotations[shipshape.dev/v2-fields].spec.autoscaling.maxReplicas: 8 exceeds the maximum of 5'],
    ],
  );
  t.strictSame(
    replayed.map((r) => r.oldUnknown),
    [false, false, false, false],
  );
});
