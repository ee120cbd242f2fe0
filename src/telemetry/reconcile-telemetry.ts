// Telemetry of reconciles: one root span per reconcile (controller.ts), a CLIENT child span per
// Kubernetes API call made through the ReconcileContext, span events and counts for children
// created, updated and deleted, and the reconcile metrics. Tracers of @opentelemetry/api are
// proxies, so the module-level tracer works whenever the SDK starts; no SDK, no-op spans.
import { type Attributes, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { KubeApiError } from '../kube/json-client.ts';
import type { ChildObject } from '../operator/children.ts';
import type { ReconcileObserver, ReconcileOutcome } from '../operator/controller.ts';
import type { ReconcileContext } from '../operator/reconcile-context.ts';
import { INSTRUMENTATION_SCOPE, shipshapeMetrics } from './metrics.ts';

const tracer = trace.getTracer(INSTRUMENTATION_SCOPE);

/**
 * A bounded label for why a reconcile failed: an apiserver's refusal by its HTTP status
 * (`http_409`), else the error's code (`KUBE_TIMEOUT`, `RECONCILE_TERMINAL`, Node's `ECONNREFUSED`
 * and `ABORT_ERR`), else the error's name.
 */
export function errorReason(err: unknown): string {
  const status = httpStatus(err);
  if (status !== undefined) return `http_${status}`;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return code;
  return err instanceof Error ? err.name : 'unknown';
}

/** The HTTP status the apiserver answered with; none for a call that got no answer. */
const httpStatus = (err: unknown): number | undefined =>
  err instanceof KubeApiError && err.status > 0 ? err.status : undefined;

function markFailed(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  span.setStatus({ code: SpanStatusCode.ERROR, ...(message && { message }) });
  const status = httpStatus(err);
  if (status !== undefined) span.setAttribute('http.response.status_code', status);
}

/** Call once per controller, after the SDK started (the instruments are looked up here). */
export function createReconcileTelemetry(controller: string): ReconcileObserver {
  const m = shipshapeMetrics();
  return {
    /** Opens the span of one reconcile of `key` (namespace/name): run it `within`, then `end` it once. */
    start(key: string) {
      const [namespace = '', name = ''] = key.split('/');
      // A root: reconciles are level-based, no request caused this one.
      const span = tracer.startSpan(
        `reconcile ${controller}`,
        {
          kind: SpanKind.INTERNAL,
          attributes: {
            'shipshape.controller': controller,
            'shipshape.webapp.namespace': namespace,
            'shipshape.webapp.name': name,
          },
        },
        ROOT_CONTEXT,
      );
      const spanContext = trace.setSpan(ROOT_CONTEXT, span);
      const started = performance.now();
      return {
        within: <T>(fn: () => T): T => context.with(spanContext, fn),
        end(outcome: ReconcileOutcome, detail: { requeue: boolean; requeueAfterMs?: number; err?: unknown }): void {
          const labels = { controller, result: outcome };
          m.reconciles.add(1, labels);
          m.reconcileDuration.record((performance.now() - started) / 1000, labels);
          span.setAttributes({ 'shipshape.reconcile.result': outcome, 'shipshape.reconcile.requeue': detail.requeue });
          if (detail.requeueAfterMs !== undefined) {
            span.setAttribute('shipshape.reconcile.requeue_after_ms', detail.requeueAfterMs);
          }
          if (outcome !== 'success') {
            m.reconcileErrors.add(1, { controller, reason: errorReason(detail.err) });
            markFailed(span, detail.err);
          }
          span.end();
        },
      };
    },
  };
}

/** Runs one Kubernetes API call in a CLIENT span, child of the active (reconcile) span. */
function apiCall<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      return await fn();
    } catch (err) {
      markFailed(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

const target = (kind: string, namespace: string | undefined, name: string | undefined): Attributes => ({
  'shipshape.object.kind': kind,
  ...(namespace && { 'shipshape.object.namespace': namespace }),
  ...(name && { 'shipshape.object.name': name }),
});

/**
 * `ctx` with every API call traced, for one reconcile; call it inside that reconcile's span. A
 * child is "created" or "updated" as `ctx.apply` says (the applied cache decides, once), "deleted"
 * when a delete removed one. Each becomes an event on the reconcile span and a count of
 * shipshape.reconcile.child_changes; an unchanged child is neither.
 */
export function traceReconcileContext(ctx: ReconcileContext): ReconcileContext {
  const reconcileSpan = trace.getActiveSpan();
  const m = shipshapeMetrics();
  const changed = (action: 'created' | 'updated' | 'deleted', kind: string, name: string | undefined) => {
    m.childChanges.add(1, { kind, action });
    reconcileSpan?.addEvent(`child ${action}`, { 'shipshape.object.kind': kind, 'shipshape.object.name': name ?? '' });
  };
  return {
    ...ctx,
    getWebApp(namespace, name) {
      const obj = ctx.getWebApp(namespace, name);
      const generation = (obj?.metadata as { generation?: unknown } | undefined)?.generation;
      if (typeof generation === 'number') reconcileSpan?.setAttribute('shipshape.webapp.generation', generation);
      return obj;
    },
    async apply<T extends ChildObject>(obj: T) {
      const { kind = 'unknown', metadata: { namespace, name } = {} } = obj;
      const applied = await apiCall(`apply ${kind}`, target(kind, namespace, name), () => ctx.apply(obj));
      if (applied.change !== 'unchanged') changed(applied.change, kind, name);
      return applied;
    },
    async deleteChild(kind, namespace, name) {
      const deleted = await apiCall(`delete ${kind}`, target(kind, namespace, name), () =>
        ctx.deleteChild(kind, namespace, name),
      );
      if (deleted) changed('deleted', kind, name);
      return deleted;
    },
    patchWebApp: (namespace, name, operations) =>
      apiCall('patch WebApp', target('WebApp', namespace, name), () => ctx.patchWebApp(namespace, name, operations)),
    writeStatus: (namespace, name, status, uid) =>
      apiCall('patch WebApp/status', target('WebApp', namespace, name), () =>
        ctx.writeStatus(namespace, name, status, uid),
      ),
  };
}
