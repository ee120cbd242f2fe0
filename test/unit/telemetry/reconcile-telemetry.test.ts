// Reconcile telemetry: the span tree of reconcileWebApp against an in-memory cluster, child
// changes as span events and counts, and the controller's spans and metrics for failures.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { pino } from 'pino';
import t from 'tap';
import { FINALIZER } from '../../../src/constants.ts';
import { TerminalError, createController } from '../../../src/operator/controller.ts';
import type { ChildKind } from '../../../src/operator/child-kinds.ts';
import type { ReconcileContext } from '../../../src/operator/reconcile-context.ts';
import { reconcileWebApp } from '../../../src/operator/reconcile-webapp.ts';
import { createWorkQueue } from '../../../src/operator/work-queue.ts';
import { workQueueMetrics } from '../../../src/telemetry/metrics.ts';
import {
  createReconcileTelemetry,
  errorReason,
  traceReconcileContext,
} from '../../../src/telemetry/reconcile-telemetry.ts';
import { DEFAULT_LIMITS } from '../../../webhooks/limits.ts';
import { useKubeErrors } from '../../helpers/kube-errors.ts';
import { sample, startInProcessTelemetry } from './in-process.ts';

const telemetry = await startInProcessTelemetry(t);
// What the reconciler's client throws: KubeApiError (code KUBE_API, the HTTP status in `status`),
// KubeRequestTimeoutError, Node's own errors.
const kubeErrors = await useKubeErrors(t);

/**
 * A WebApp and its children in memory. An apply says what it changed, as the applied cache does:
 * created when absent, updated when the body differs from the stored one, else unchanged.
 */
function cluster() {
  let version = 100;
  const children = new Map<string, { resourceVersion: string; body: string }>();
  const webApp: Record<string, unknown> = {
    apiVersion: 'shipshape.dev/v1',
    kind: 'WebApp',
    metadata: { name: 'web', namespace: 'team-a', uid: 'u-1', generation: 3, resourceVersion: '7', finalizers: [] },
    spec: { image: 'nginx:1.27' },
  };
  const ctx: ReconcileContext = {
    getWebApp: () => webApp,
    async apply(obj) {
      const key = `${obj.kind}/${obj.metadata?.namespace}/${obj.metadata?.name}`;
      const body = JSON.stringify(obj);
      const previous = children.get(key);
      const change = !previous ? 'created' : previous.body === body ? 'unchanged' : 'updated';
      const resourceVersion = change === 'unchanged' ? previous!.resourceVersion : String(++version);
      children.set(key, { resourceVersion, body });
      return { object: { ...obj, metadata: { ...obj.metadata, resourceVersion } }, change };
    },
    hasChild: (kind: ChildKind, namespace, name) => children.has(`${kind}/${namespace}/${name}`),
    handOverReplicas: async () => false,
    async deleteChild(kind: ChildKind, namespace, name) {
      return children.delete(`${kind}/${namespace}/${name}`);
    },
    async patchWebApp() {
      (webApp.metadata as { finalizers: string[] }).finalizers = [FINALIZER];
    },
    async writeStatus() {},
    events: { record() {} },
    policyConfig: { limits: DEFAULT_LIMITS },
    namespaceAnnotations: () => ({}),
    now: () => new Date('2025-03-01T10:00:00Z'),
    resyncMs: 30_000,
  };
  /** `kubectl edit` of a child: what we apply next differs from what is stored. */
  const editChild = (key: string) => (children.get(key)!.body = '{"edited":true}');
  return { ctx, webApp, editChild };
}

async function traced(key: string, ctx: ReconcileContext): Promise<ReadableSpan> {
  const span = createReconcileTelemetry('webapp').start(key);
  // As webapp-controller.ts wires it: the context is wrapped inside the reconcile's span.
  const result = await span.within(() => reconcileWebApp(key, traceReconcileContext(ctx)));
  span.end('success', { requeue: result.requeueAfterMs !== undefined, ...result });
  return (await telemetry.spans()).findLast((s) => s.name === 'reconcile webapp')!;
}
const childrenOf = async (parent: ReadableSpan) =>
  (await telemetry.spans()).filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);
const events = (span: ReadableSpan) => span.events.map((e) => `${e.name} ${e.attributes?.['shipshape.object.kind']}`);

t.test('first reconcile: a root span, a CLIENT span per API call, a created event per child', async (t) => {
  const { ctx, editChild } = cluster();
  const root = await traced('team-a/web', ctx);
  t.equal(root.parentSpanContext, undefined, 'a root span');
  t.match(root.attributes, {
    'shipshape.controller': 'webapp',
    'shipshape.webapp.namespace': 'team-a',
    'shipshape.webapp.name': 'web',
    'shipshape.webapp.generation': 3,
    'shipshape.reconcile.result': 'success',
    'shipshape.reconcile.requeue': true,
    'shipshape.reconcile.requeue_after_ms': 30_000,
  });
  const calls = await childrenOf(root);
  t.same(
    calls.map((s) => s.name),
    ['patch WebApp', 'apply ConfigMap', 'apply Deployment', 'apply Service', 'patch WebApp/status'],
  );
  t.ok(
    calls.every((s) => s.kind === SpanKind.CLIENT),
    'CLIENT spans',
  );
  t.match(calls[2]!.attributes, { 'shipshape.object.kind': 'Deployment', 'shipshape.object.name': 'web' });
  t.same(events(root), ['child created ConfigMap', 'child created Deployment', 'child created Service']);

  const again = await traced('team-a/web', ctx);
  t.same(events(again), [], 'every child unchanged: no event');

  editChild('Deployment/team-a/web');
  const edited = await traced('team-a/web', ctx);
  t.same(events(edited), ['child updated Deployment'], 'the change ctx.apply reported');

  const { metadata } = (ctx.getWebApp('team-a', 'web') as { metadata: Record<string, unknown> }) ?? {};
  metadata.deletionTimestamp = '2025-03-01T10:05:00Z';
  const cleanup = await traced('team-a/web', ctx);
  t.same(events(cleanup), ['child deleted Service', 'child deleted Deployment', 'child deleted ConfigMap']);
  t.same(
    (await childrenOf(cleanup)).map((s) => s.name),
    // No HorizontalPodAutoscaler without autoscaling, no PodDisruptionBudget for one replica: their
    // deletes find none, so no "child deleted" event.
    [
      'delete HorizontalPodAutoscaler',
      'delete PodDisruptionBudget',
      'delete Service',
      'delete Deployment',
      'delete ConfigMap',
      'patch WebApp',
    ],
  );

  const gone = await traced('team-a/web', ctx);
  t.same(events(gone), [], 'deleting children already gone: no deleted event');

  const samples = await telemetry.scrape();
  for (const action of ['created', 'updated', 'deleted']) {
    t.equal(sample(samples, 'shipshape_reconcile_child_changes_total', { kind: 'Deployment', action }), 1, action);
  }
  t.equal(sample(samples, 'shipshape_reconcile_child_changes_total', { kind: 'ConfigMap', action: 'updated' }), 0);
  t.equal(sample(samples, 'shipshape_reconcile_child_changes_total', { action: 'unchanged' }), 0, 'not counted');
});

t.test('a failed API call: the CLIENT span and the reconcile span carry the error', async (t) => {
  const { ctx } = cluster();
  const conflict = await kubeErrors.refusal(
    409,
    'Conflict',
    'Operation cannot be fulfilled on configmaps "web-env": the object has been modified',
  );
  ctx.apply = () => Promise.reject(conflict);
  const span = createReconcileTelemetry('failing').start('team-a/web');
  await t.rejects(
    span.within(() => reconcileWebApp('team-a/web', traceReconcileContext(ctx))),
    conflict,
  );
  span.end('error', { requeue: true, err: conflict });
  const root = (await telemetry.spans()).findLast((s) => s.name === 'reconcile failing')!;
  const failed = (await childrenOf(root)).find((s) => s.name === 'apply ConfigMap')!;
  t.equal(failed.status.code, SpanStatusCode.ERROR);
  t.equal(failed.status.message, 'Operation cannot be fulfilled on configmaps "web-env": the object has been modified');
  t.equal(failed.attributes['http.response.status_code'], 409, 'the HTTP status of the refusal');
  t.equal(root.status.code, SpanStatusCode.ERROR);
  t.equal(root.attributes['http.response.status_code'], 409);
  t.match(
    root.events.map((e) => e.name),
    ['exception'],
  );
  const samples = await telemetry.scrape();
  const errors = (reason: string) =>
    sample(samples, 'shipshape_reconcile_errors_total', { controller: 'failing', reason });
  t.equal(errors('http_409'), 1, 'counted by the HTTP status');
  t.equal(errors('KUBE_API'), 0, 'not as every refusal alike');
});

t.test('a call that timed out or found no apiserver: a span without an HTTP status', async (t) => {
  for (const err of [await kubeErrors.timeout(), await kubeErrors.refused()]) {
    const { ctx } = cluster();
    ctx.apply = () => Promise.reject(err);
    const span = createReconcileTelemetry('unreachable').start('team-a/web');
    await t.rejects(
      span.within(() => reconcileWebApp('team-a/web', traceReconcileContext(ctx))),
      err,
    );
    span.end('error', { requeue: true, err });
    const root = (await telemetry.spans()).findLast((s) => s.name === 'reconcile unreachable')!;
    const failed = (await childrenOf(root)).find((s) => s.name === 'apply ConfigMap')!;
    t.equal(failed.status.code, SpanStatusCode.ERROR);
    t.notOk('http.response.status_code' in failed.attributes, `${errorReason(err)}: no HTTP status`);
  }
  const samples = await telemetry.scrape();
  const errors = (reason: string) =>
    sample(samples, 'shipshape_reconcile_errors_total', { controller: 'unreachable', reason });
  t.equal(errors('KUBE_TIMEOUT'), 1);
  t.equal(errors('ECONNREFUSED'), 1);
});

t.test('the controller: a span per reconcile, results, error reasons, work-queue metrics', async (t) => {
  const queue = createWorkQueue({ metrics: workQueueMetrics('unit') });
  const gone = await kubeErrors.refusal(410, 'Expired', 'too old resource version: 1 (2)');
  const outcomes = [new TerminalError('spec is invalid'), gone];
  const controller = createController({
    name: 'unit',
    queue,
    sources: [{ start: async () => {}, hasSynced: () => true }],
    reconcile: async () => {
      const next = outcomes.shift();
      if (next) throw next;
      return {};
    },
    workers: 1,
    logger: pino({ level: 'silent' }),
    observer: createReconcileTelemetry('unit'),
  });
  const stop = new AbortController();
  const running = controller.start(stop.signal);
  queue.add('ns/a');
  queue.add('ns/b');
  await new Promise((resolve) => setTimeout(resolve, 200)); // b's retry waits out a 5 ms backoff
  stop.abort();
  await running;
  const spans = (await telemetry.spans()).filter((s) => s.name === 'reconcile unit');
  t.same(
    spans.map((s) => `${s.attributes['shipshape.webapp.name']} ${s.attributes['shipshape.reconcile.result']}`),
    ['a terminal', 'b error', 'b success'],
  );
  t.same(
    spans.map((s) => s.attributes['shipshape.reconcile.requeue']),
    [false, true, false],
  );
  const samples = await telemetry.scrape();
  const errors = (reason: string) =>
    sample(samples, 'shipshape_reconcile_errors_total', { controller: 'unit', reason });
  t.equal(errors('RECONCILE_TERMINAL'), 1);
  t.equal(errors('http_410'), 1);
  t.equal(sample(samples, 'shipshape_reconciles_total', { controller: 'unit', result: 'success' }), 1);
  t.equal(sample(samples, 'shipshape_reconcile_duration_count', { controller: 'unit' }), 3);
  t.equal(sample(samples, 'shipshape_workqueue_adds_total', { name: 'unit' }), 3);
  t.equal(sample(samples, 'shipshape_workqueue_retries_total', { name: 'unit' }), 1);
  t.equal(sample(samples, 'shipshape_workqueue_queue_duration_count', { name: 'unit' }), 3);
  t.equal(sample(samples, 'shipshape_workqueue_depth', { name: 'unit' }), 0);
});

t.test('errorReason: bounded labels from what the client throws', async (t) => {
  t.equal(errorReason(await kubeErrors.refusal(409, 'Conflict', 'the object has been modified')), 'http_409');
  t.equal(errorReason(await kubeErrors.refusal(422, 'Invalid', 'spec.replicas: Invalid value')), 'http_422');
  t.equal(errorReason(await kubeErrors.refusal(500, 'InternalError', 'etcdserver: request timed out')), 'http_500');
  t.equal(errorReason(await kubeErrors.timeout()), 'KUBE_TIMEOUT');
  t.equal(errorReason(await kubeErrors.refused()), 'ECONNREFUSED');
  t.equal(errorReason(new TerminalError('x')), 'RECONCILE_TERMINAL');
  t.equal(errorReason(await kubeErrors.aborted()), 'ABORT_ERR');
  t.equal(errorReason(Object.assign(new Error('x'), { code: 'a free-form message' })), 'Error');
  t.equal(errorReason(new TypeError('x')), 'TypeError');
  t.equal(errorReason('thrown string'), 'unknown');
});
