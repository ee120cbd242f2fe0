// computeMySQLStatus: pure, from the observed StatefulSet and what the reconcile found.
import t from 'tap';
import type { MySQLClusterStatus } from '../../../src/api/mysqlcluster.ts';
import { type MySQLStatusInput, computeMySQLStatus, mysqlStatusEqual } from '../../../src/mysql/status.ts';

const T0 = new Date('2026-03-01T10:00:00.500Z');
const T1 = new Date('2026-03-01T10:05:00.000Z');
const DONE = {
  generation: 2,
  observedGeneration: 2,
  replicas: 3,
  readyReplicas: 3,
  updatedReplicas: 3,
  currentRevision: 'r2',
  updateRevision: 'r2',
};

const input = (over: Partial<MySQLStatusInput> = {}, status?: MySQLClusterStatus): MySQLStatusInput => ({
  cluster: { metadata: { name: 'db', generation: 4 }, ...(status && { status }) },
  desired: { replicas: 3, version: '8.4.3' },
  statefulSet: DONE,
  templateCurrent: true,
  now: T0,
  ...over,
});

const summary = (status: MySQLClusterStatus) =>
  Object.fromEntries(status.conditions!.map((c) => [c.type, `${c.status} ${c.reason}`]));

t.test('every member updated and ready: Running, with spec.version', async (t) => {
  const status = computeMySQLStatus(input());
  t.match(status, { phase: 'Running', replicas: 3, readyReplicas: 3, currentVersion: '8.4.3', observedGeneration: 4 });
  t.strictSame(summary(status), {
    Ready: 'True MembersReady',
    Progressing: 'False Complete',
    Degraded: 'False AsExpected',
    WithinLimits: 'True WithinLimits',
  });
  t.ok(status.conditions!.every((c) => c.lastTransitionTime === '2026-03-01T10:00:00Z' && c.observedGeneration === 4));
});

t.test('currentVersion moves only when the applied template has rolled out everywhere', async (t) => {
  const previous = { currentVersion: '8.4.0' };
  const cases: Array<[string, Partial<MySQLStatusInput>]> = [
    ['revisions differ', { statefulSet: { ...DONE, currentRevision: 'r1' } }],
    ['a member not updated', { statefulSet: { ...DONE, updatedReplicas: 2 } }],
    ['a member not ready', { statefulSet: { ...DONE, readyReplicas: 2 } }],
    ['generation not observed', { statefulSet: { ...DONE, observedGeneration: 1 } }],
    ['not applied this time', { templateCurrent: false }],
    ['no StatefulSet', { statefulSet: undefined }],
  ];
  for (const [name, over] of cases) {
    t.equal(computeMySQLStatus(input(over, previous)).currentVersion, '8.4.0', name);
  }
  t.notOk('currentVersion' in computeMySQLStatus(input({ statefulSet: undefined })), 'none before any rollout');
});

t.test('Progressing while rolling out, growing storage; Unknown with no StatefulSet', async (t) => {
  const progressing = (over: Partial<MySQLStatusInput>) =>
    computeMySQLStatus(input(over)).conditions!.find((c) => c.type === 'Progressing')!;
  t.match(progressing({ statefulSet: { ...DONE, updatedReplicas: 1 } }), {
    status: 'True',
    message: '1 of 3 members updated',
  });
  t.match(progressing({ statefulSet: { ...DONE, replicas: 5 } }), { message: '2 members pending termination' });
  t.match(progressing({ statefulSet: { ...DONE, currentRevision: 'r1' } }), {
    message: 'Waiting for the rollout to complete',
  });
  t.match(progressing({ resizing: 'Growing' }), { status: 'True', reason: 'StorageResizing', message: 'Growing' });
  t.match(progressing({ statefulSet: undefined }), { status: 'Unknown', reason: 'NoStatefulSet' });
});

t.test('Degraded: its reason and message win Ready and the status message; phase Failed', async (t) => {
  for (const reason of ['InvalidSpec', 'ApplyFailed', 'ImmutableChange'] as const) {
    const status = computeMySQLStatus(input({ degraded: { reason, message: `why ${reason}` } }));
    t.match(status, { phase: 'Failed', message: `why ${reason}` });
    t.match(summary(status), { Ready: `False ${reason}`, Degraded: `True ${reason}` });
  }
  const invalid = computeMySQLStatus(
    input({ desired: undefined, degraded: { reason: 'InvalidSpec', message: 'bad' } }),
  );
  t.match(summary(invalid), { Progressing: 'False InvalidSpec' });
});

t.test('a transition time moves only with its status; equal statuses compare equal', async (t) => {
  const first = computeMySQLStatus(input({ statefulSet: { ...DONE, readyReplicas: 1 } }));
  const second = computeMySQLStatus({ ...input({}, first), now: T1 });
  const time = (s: MySQLClusterStatus, type: string) => s.conditions!.find((c) => c.type === type)!.lastTransitionTime;
  t.equal(time(second, 'Ready'), '2026-03-01T10:05:00Z', 'Ready turned True');
  t.equal(time(second, 'Degraded'), '2026-03-01T10:00:00Z', 'Degraded stayed False');
  t.ok(mysqlStatusEqual(second, computeMySQLStatus({ ...input({}, second), now: T1 })));
  t.notOk(mysqlStatusEqual(first, second));
  const limited = computeMySQLStatus(input({ limitExceeded: 'spec.replicas: 7 exceeds the maximum of 5' }));
  t.match(summary(limited), { WithinLimits: 'False LimitExceeded', Ready: 'True MembersReady' });
});
