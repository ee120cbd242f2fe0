// Telemetry of reconciles, for any owner kind: one root span per reconcile (controller.ts), a
// CLIENT child span per Kubernetes API call made through the reconcile context (the generic base,
// src/operator/owner-context.ts, WebApp's, src/operator/reconcile-context.ts, or MySQLCluster's
// data claims' calls, src/mysql/reconcile-context.ts), span events and
// counts for children created, updated and deleted, and the reconcile metrics. The owner's
// attributes are named after its controller: shipshape.webapp.*, shipshape.mysqlcluster.*. Tracers of @opentelemetry/api are
// proxies, so the module-level tracer works whenever the SDK starts; no SDK, no-op spans.
import { type Attributes, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { KubeApiError } from '../kube/json-client.ts';
import type { ChildObject } from '../operator/children.ts';
import type { ReconcileObserver, ReconcileOutcome } from '../operator/controller.ts';
import type { OwnerReconcileContext } from '../operator/owner-context.ts';
import type { OwnerKind } from '../operator/owner-kind.ts';
import type { ReconcileContext } from '../operator/reconcile-context.ts';
import { WEBAPP_OWNER } from '../operator/webapp-kind.ts';
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

type Named = Pick<OwnerKind, 'kind' | 'controllerName'>;

/** The prefix of an owner's span attributes: `shipshape.webapp` for WebApp's controller. */
const attributePrefix = (owner: Named) => `shipshape.${owner.controllerName}`;

/**
 * Call once per controller, after the SDK started (the instruments are looked up here). Given an
 * owner kind, the controller is its controllerName and the owner's attributes are named after it;
 * given a bare name (a test's controller), the attributes are WebApp's.
 */
export function createReconcileTelemetry(controllerOrOwner: string | Named): ReconcileObserver {
  const m = shipshapeMetrics();
  const controller = typeof controllerOrOwner === 'string' ? controllerOrOwner : controllerOrOwner.controllerName;
  const prefix = attributePrefix(typeof controllerOrOwner === 'string' ? WEBAPP_OWNER : controllerOrOwner);
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
            [`${prefix}.namespace`]: namespace,
            [`${prefix}.name`]: name,
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
 * The data claims' calls of a context that has them (MySQLCluster's, src/mysql/reconcile-context.ts),
 * made through the API rather than a cache; declared here so that telemetry needs no owner kind's
 * module.
 */
type ClaimCalls = {
  listClaims(namespace: string, cluster: string): Promise<unknown[]>;
  resizeClaim(namespace: string, claim: string, size: string): Promise<void>;
  /** Resolves with the names of the claims deleted. */
  deleteClaims(namespace: string, cluster: string): Promise<string[]>;
};

/** The members traceReconcileContext wraps, of the generic base context, WebApp's or MySQLCluster's. */
type Traceable = Partial<
  Pick<OwnerReconcileContext<unknown>, 'get' | 'patch' | 'create' | 'getChild' | 'deleteChild' | 'writeStatus'> &
    Pick<ReconcileContext, 'getWebApp' | 'patchWebApp'> &
    ClaimCalls
> &
  Pick<OwnerReconcileContext<unknown>, 'apply'>;

/**
 * `ctx` with every API call traced, for one reconcile of an `owner` (default WebApp); call it inside
 * that reconcile's span. A child is "created" or "updated" as `ctx.apply` says (the applied cache
 * decides, once), "created" when `ctx.create` made one, "deleted" when a delete removed one. Each
 * becomes an event on the reconcile span and a count of shipshape.reconcile.child_changes; an
 * unchanged child is neither. Cache reads (get, getChild, hasChild) make no call and no span; get
 * notes the owner's generation on the reconcile span.
 */
export function traceReconcileContext<C extends Traceable>(ctx: C, owner: Named = WEBAPP_OWNER): C {
  const reconcileSpan = trace.getActiveSpan();
  const m = shipshapeMetrics();
  const changed = (action: 'created' | 'updated' | 'deleted', kind: string, name: string | undefined) => {
    m.childChanges.add(1, { kind, action });
    reconcileSpan?.addEvent(`child ${action}`, { 'shipshape.object.kind': kind, 'shipshape.object.name': name ?? '' });
  };
  const noteGeneration = (obj: Record<string, unknown> | undefined) => {
    const generation = (obj?.metadata as { generation?: unknown } | undefined)?.generation;
    if (typeof generation === 'number') reconcileSpan?.setAttribute(`${attributePrefix(owner)}.generation`, generation);
    return obj;
  };
  const traced: Traceable = {
    ...ctx,
    async apply<T extends ChildObject>(obj: T) {
      const { kind = 'unknown', metadata: { namespace, name } = {} } = obj;
      const applied = await apiCall(`apply ${kind}`, target(kind, namespace, name), () => ctx.apply(obj));
      if (applied.change !== 'unchanged') changed(applied.change, kind, name);
      return applied;
    },
  };
  const { get, getWebApp, patch, patchWebApp, create, deleteChild, writeStatus } = ctx;
  if (get) traced.get = (namespace, name) => noteGeneration(get(namespace, name));
  if (getWebApp) traced.getWebApp = (namespace, name) => noteGeneration(getWebApp(namespace, name));
  const patched = (namespace: string, name: string, call: () => Promise<unknown>) =>
    apiCall(`patch ${owner.kind}`, target(owner.kind, namespace, name), call);
  if (patch)
    traced.patch = (namespace, name, operations) => patched(namespace, name, () => patch(namespace, name, operations));
  if (patchWebApp) {
    traced.patchWebApp = (namespace, name, operations) =>
      patched(namespace, name, () => patchWebApp(namespace, name, operations));
  }
  if (create) {
    traced.create = async <T extends ChildObject>(obj: T) => {
      const { kind = 'unknown', metadata: { namespace, name } = {} } = obj;
      const created = await apiCall(`create ${kind}`, target(kind, namespace, name), () => create(obj));
      if (created) changed('created', kind, name);
      return created;
    };
  }
  if (deleteChild) {
    traced.deleteChild = async (kind, namespace, name, options) => {
      const deleted = await apiCall(`delete ${kind}`, target(kind, namespace, name), () =>
        options ? deleteChild(kind, namespace, name, options) : deleteChild(kind, namespace, name),
      );
      if (deleted) changed('deleted', kind, name);
      return deleted;
    };
  }
  if (writeStatus) {
    traced.writeStatus = (namespace, name, status, uid) =>
      apiCall(`patch ${owner.kind}/status`, target(owner.kind, namespace, name), () =>
        writeStatus(namespace, name, status, uid),
      );
  }
  const { listClaims, resizeClaim, deleteClaims } = ctx;
  const claims = (namespace: string, name?: string) => target('PersistentVolumeClaim', namespace, name);
  if (listClaims) {
    traced.listClaims = (namespace, cluster) =>
      apiCall('list PersistentVolumeClaim', claims(namespace), () => listClaims(namespace, cluster));
  }
  if (resizeClaim) {
    traced.resizeClaim = (namespace, claim, size) =>
      apiCall('patch PersistentVolumeClaim', claims(namespace, claim), () => resizeClaim(namespace, claim, size));
  }
  if (deleteClaims) {
    traced.deleteClaims = async (namespace, cluster) => {
      const deleted = await apiCall('delete PersistentVolumeClaim', claims(namespace), () =>
        deleteClaims(namespace, cluster),
      );
      for (const name of deleted) changed('deleted', 'PersistentVolumeClaim', name);
      return deleted;
    };
  }
  return traced as C;
}
