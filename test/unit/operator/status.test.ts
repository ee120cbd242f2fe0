// A WebApp's status from observations: conditions, phase and message as `kubectl get webapp -o
// yaml` shows them, and the stability that keeps the reconciler from writing status in a loop.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { type DefaultedWebApp, toDefaultedWebApp } from '../../../src/api/defaults.ts';
import { type Condition, type WebAppStatus, webAppSchema } from '../../../src/api/webapp.ts';
import {
  type ObservedChildren,
  type StatusInput,
  computeStatus,
  fromDeployment,
  statusEqual,
} from '../../../src/operator/status.ts';
import { defaultWebApp } from '../../../webhooks/default-webapp.ts';
import { DEFAULT_LIMITS } from '../../../webhooks/limits.ts';

const FIXTURES = new URL('../../fixtures/operator/', import.meta.url);
/** full.yaml: 3 replicas, generation 4. */
const webApp = toDefaultedWebApp(
  webAppSchema.parse(
    defaultWebApp(parse(readFileSync(new URL('full.yaml', FIXTURES), 'utf8')), {
      config: { limits: DEFAULT_LIMITS },
      namespaceAnnotations: undefined,
    }),
  ),
);
const T0 = new Date('2025-03-01T10:00:00.123Z');
const T1 = new Date('2025-03-01T10:05:00.456Z');

type Deployment = NonNullable<ObservedChildren['deployment']>;
/** A Deployment that finished rolling out 3 replicas of its generation 7. */
const done: Deployment = {
  generation: 7,
  observedGeneration: 7,
  replicas: 3,
  updatedReplicas: 3,
  readyReplicas: 3,
  availableReplicas: 3,
};

function compute(options: Partial<StatusInput> & { deployment?: Deployment } = {}): WebAppStatus {
  const { deployment, ...rest } = options;
  return computeStatus({ webApp, observed: deployment ? { deployment } : {}, now: T0, ...rest } as StatusInput);
}

function withReplicas(replicas: number, status?: WebAppStatus): DefaultedWebApp {
  return { ...webApp, spec: { ...webApp.spec, replicas }, status };
}

/** type: status reason message, for each condition, as `kubectl describe` lists them. */
function summary(status: WebAppStatus): string[] {
  return (status.conditions ?? []).map((c) => `${c.type}: ${c.status} ${c.reason} ${c.message}`);
}

function condition(status: WebAppStatus, type: string): Condition {
  return status.conditions!.find((c) => c.type === type)!;
}

t.test('no Deployment yet: Pending, progress unknown', async (t) => {
  const status = compute();
  t.strictSame(status, {
    phase: 'Pending',
    readyReplicas: 0,
    availableReplicas: 0,
    observedGeneration: 4,
    conditions: [
      ['Ready', 'False', 'ReplicasUnavailable', '0 of 3 replicas available'],
      ['Progressing', 'Unknown', 'NoDeployment', 'The Deployment does not exist yet'],
      ['Degraded', 'False', 'AsExpected', 'The children are applied'],
      ['WithinLimits', 'True', 'WithinLimits', 'The spec is within the admission limits'],
    ].map(([type, status, reason, message]) => ({
      type,
      status,
      reason,
      message,
      lastTransitionTime: '2025-03-01T10:00:00Z',
      observedGeneration: 4,
    })),
    message: '0 of 3 replicas available',
  });
});

t.test('rolling out: Pending, with the counts in the messages', async (t) => {
  const status = compute({ deployment: { ...done, updatedReplicas: 2, availableReplicas: 1 } });
  t.equal(status.phase, 'Pending');
  t.equal(status.availableReplicas, 1);
  t.equal(status.readyReplicas, 3, 'the Deployment reports 3 ready, 1 available');
  t.equal(status.message, '1 of 3 replicas available');
  t.strictSame(summary(status), [
    'Ready: False ReplicasUnavailable 1 of 3 replicas available',
    'Progressing: True RollingOut 2 of 3 replicas updated',
    'Degraded: False AsExpected The children are applied',
    'WithinLimits: True WithinLimits The spec is within the admission limits',
  ]);
});

t.test('Progressing follows every check of kubectl rollout status', async (t) => {
  const progressing = (deployment: Deployment) => summary(compute({ deployment }))[1];
  t.equal(
    progressing({ ...done, observedGeneration: 6 }),
    "Progressing: True RollingOut Waiting for the Deployment's generation 7 to be observed",
  );
  t.equal(
    progressing({ ...done, observedGeneration: undefined }),
    "Progressing: True RollingOut Waiting for the Deployment's generation 7 to be observed",
    'a new Deployment without status has observed nothing',
  );
  t.equal(progressing({ ...done, replicas: 4 }), 'Progressing: True RollingOut 1 old replicas pending termination');
  t.equal(
    progressing({ ...done, availableReplicas: 2 }),
    'Progressing: True RollingOut 2 of 3 updated replicas available',
  );
  t.equal(progressing({}), 'Progressing: True RollingOut 0 of 3 replicas updated', 'an empty status is not done');
  t.equal(progressing(done), 'Progressing: False Complete 3 of 3 replicas updated');
});

t.test('all replicas available and rolled out: Running', async (t) => {
  const status = compute({ deployment: done });
  t.equal(status.phase, 'Running');
  t.equal(status.availableReplicas, 3);
  t.equal(status.message, '3 of 3 replicas available');
  t.strictSame(summary(status), [
    'Ready: True MinimumReplicasAvailable 3 of 3 replicas available',
    'Progressing: False Complete 3 of 3 replicas updated',
    'Degraded: False AsExpected The children are applied',
    'WithinLimits: True WithinLimits The spec is within the admission limits',
  ]);
});

t.test('surplus available replicas during a scale-down still count as Ready', async (t) => {
  const status = compute({ webApp: withReplicas(2), deployment: { ...done, generation: 8 } });
  t.equal(status.phase, 'Running');
  t.equal(summary(status)[0], 'Ready: True MinimumReplicasAvailable 3 of 2 replicas available');
  t.equal(condition(status, 'Progressing').status, 'True');
});

t.test('desired 0 replicas: Running, scaled to zero', async (t) => {
  const empty = { generation: 8, observedGeneration: 8, replicas: 0 };
  const status = compute({ webApp: withReplicas(0), deployment: empty });
  t.equal(status.phase, 'Running');
  t.equal(status.message, 'Scaled to 0 replicas');
  t.strictSame(summary(status).slice(0, 2), [
    'Ready: True ScaledToZero Scaled to 0 replicas',
    'Progressing: False Complete 0 of 0 replicas updated',
  ]);
  t.equal(compute({ webApp: withReplicas(0) }).phase, 'Running', 'even before the Deployment exists');
});

t.test('an invalid spec: Failed with the validation message, whatever the Deployment does', async (t) => {
  const invalid = 'WebApp "shop" is invalid: spec.image: "Not A Ref" is not a valid image reference';
  for (const deployment of [undefined, done]) {
    const status = compute({ invalid, deployment });
    t.equal(status.phase, 'Failed');
    t.equal(status.message, invalid);
    t.strictSame(summary(status), [
      `Ready: False InvalidSpec ${invalid}`,
      'Progressing: False InvalidSpec No rollout while the spec is invalid',
      `Degraded: True InvalidSpec ${invalid}`,
      'WithinLimits: True WithinLimits The spec is within the admission limits',
    ]);
    t.equal(status.availableReplicas, deployment ? 3 : 0, 'availableReplicas still reports what runs');
  }
  const both = compute({ invalid, applyError: 'conflict', deployment: done });
  t.equal(condition(both, 'Degraded').reason, 'InvalidSpec', 'an invalid spec explains more than an apply error');
});

t.test('over a lowered limit: WithinLimits False (LimitExceeded), otherwise as usual', async (t) => {
  const limitExceeded = 'spec.replicas: 3 exceeds the maximum of 2';
  const status = compute({ limitExceeded, deployment: done });
  t.equal(status.phase, 'Running', 'it keeps running');
  t.equal(status.message, '3 of 3 replicas available');
  t.strictSame(summary(status), [
    'Ready: True MinimumReplicasAvailable 3 of 3 replicas available',
    'Progressing: False Complete 3 of 3 replicas updated',
    'Degraded: False AsExpected The children are applied',
    `WithinLimits: False LimitExceeded ${limitExceeded}`,
  ]);
  const back = compute({ webApp: { ...webApp, status }, deployment: done, now: T1 });
  t.equal(condition(back, 'WithinLimits').status, 'True', 'the limit raised again, or the spec lowered');
  t.equal(condition(back, 'WithinLimits').lastTransitionTime, '2025-03-01T10:05:00Z');
});

t.test('a failed apply: Failed with the error, progress still observed', async (t) => {
  const applyError = 'deployments.apps "shop" is forbidden: exceeded quota';
  const status = compute({ applyError, deployment: done });
  t.equal(status.phase, 'Failed');
  t.equal(status.message, applyError);
  t.strictSame(summary(status), [
    `Ready: False ApplyFailed ${applyError}`,
    'Progressing: False Complete 3 of 3 replicas updated',
    `Degraded: True ApplyFailed ${applyError}`,
    'WithinLimits: True WithinLimits The spec is within the admission limits',
  ]);
});

t.test('recomputing from the same observations later is equal: no status write loop', async (t) => {
  for (const input of [
    {},
    { deployment: done },
    { invalid: 'bad' },
    { applyError: 'boom', deployment: done },
    { limitExceeded: 'spec.port: 80 is below the minimum of 1024', deployment: done },
  ]) {
    const first = compute(input);
    const second = compute({ ...input, webApp: { ...webApp, status: first }, now: T1 });
    t.ok(statusEqual(first, second), `stable: ${JSON.stringify(input)}`);
  }
});

t.test('lastTransitionTime moves only for a condition whose status changed', async (t) => {
  const first = compute({ deployment: { ...done, updatedReplicas: 2, availableReplicas: 1 } });
  const second = compute({ webApp: { ...webApp, status: first }, deployment: done, now: T1 });
  t.notOk(statusEqual(first, second));
  t.equal(condition(second, 'Ready').lastTransitionTime, '2025-03-01T10:05:00Z', 'Ready: False to True');
  t.equal(condition(second, 'Progressing').lastTransitionTime, '2025-03-01T10:05:00Z', 'Progressing: True to False');
  t.equal(condition(second, 'Degraded').lastTransitionTime, '2025-03-01T10:00:00Z', 'Degraded: still False');

  const previous = { ...first, conditions: first.conditions!.map((c) => ({ ...c, reason: 'Old', message: 'old' })) };
  const third = compute({
    webApp: { ...webApp, status: previous },
    deployment: { ...done, availableReplicas: 2 },
    now: T1,
  });
  t.equal(condition(third, 'Ready').reason, 'ReplicasUnavailable');
  t.equal(condition(third, 'Ready').lastTransitionTime, '2025-03-01T10:00:00Z', 'a new reason alone is no transition');

  const untimed = { conditions: [{ type: 'Ready', status: 'False' as const }] };
  const fourth = compute({ webApp: { ...webApp, status: untimed }, now: T1 });
  t.equal(condition(fourth, 'Ready').lastTransitionTime, '2025-03-01T10:05:00Z', 'a previous one without a time');
});

t.test('a new generation changes the status even when nothing else does', async (t) => {
  const first = compute({ deployment: done });
  const next = { ...webApp, metadata: { ...webApp.metadata, generation: 5 }, status: first };
  const second = compute({ webApp: next, deployment: done, now: T1 });
  t.notOk(statusEqual(first, second));
  t.equal(second.observedGeneration, 5);
  t.ok(second.conditions!.every((c) => c.observedGeneration === 5 && c.lastTransitionTime === '2025-03-01T10:00:00Z'));
});

t.test('statusEqual is JSON equality', async (t) => {
  const status = compute({ deployment: done });
  t.notOk(statusEqual(undefined, status), 'no stored status yet');
  t.ok(statusEqual(JSON.parse(JSON.stringify(status)), status), 'as read back from the API server');
  const { phase, message, ...rest } = status;
  t.ok(statusEqual({ ...rest, message, phase }, status), 'key order ignored');
  t.ok(statusEqual({ ...status, message: undefined }, { ...rest, phase }), 'undefined is missing');
  t.notOk(statusEqual({ ...status, message: 'other' }, status));
  t.notOk(statusEqual({ ...status, conditions: [...status.conditions!].reverse() }, status), 'condition order counts');
});

t.test('fromDeployment reads the generation and the status of a Deployment', async (t) => {
  t.strictSame(fromDeployment(undefined), {});
  t.strictSame(
    fromDeployment({
      metadata: { name: 'shop', generation: 7 },
      status: { observedGeneration: 6, replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2 },
    }),
    {
      deployment: {
        replicas: 3,
        availableReplicas: 2,
        updatedReplicas: 1,
        readyReplicas: 2,
        observedGeneration: 6,
        generation: 7,
      },
    },
  );
  const fresh = fromDeployment({ metadata: { name: 'shop', generation: 1 } });
  t.equal(
    summary(compute({ observed: fresh }))[1],
    "Progressing: True RollingOut Waiting for the Deployment's generation 1 to be observed",
  );
});
