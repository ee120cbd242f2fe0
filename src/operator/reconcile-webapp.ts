// Reconcile one WebApp: read the current state, converge it, whatever event woke us (level-based).
// The webhook's own checks judge the spec: one that cannot be built (admitted while the webhook was
// down) is reported, not retried in a loop; one over a limit lowered after it was stored is built
// as it is and reported (admission ratchets it, so whatever the webhook admits is converged).
import type { V1Deployment } from '@kubernetes/client-node';
import { type DefaultedWebApp, toDefaultedWebApp } from '../api/defaults.ts';
import { type WebApp, webAppSchema } from '../api/webapp.ts';
import { FINALIZER } from '../constants.ts';
import { traceReconcileContext } from '../telemetry/reconcile-telemetry.ts';
import { defaultWebApp } from '../../webhooks/default-webapp.ts';
import type { JsonPatchOperation } from '../json/json-patch.ts';
import type { PolicyConfig } from '../../webhooks/limits.ts';
import { formatViolation, toInvalidMessage } from '../../webhooks/check-webapp.ts';
import { validateWebApp } from '../../webhooks/validate-webapp.ts';
import type { ChildChange } from './applied-cache.ts';
import { configHash, configMapName, toConfigMap, toDeployment, toService } from './children.ts';
import type { EventRecorder } from './event-recorder.ts';
import { finalizer } from './finalizer.ts';
import {
  CONDITION_WITHIN_LIMITS,
  REASON_LIMIT_EXCEEDED,
  computeStatus,
  fromDeployment,
  statusEqual,
} from './status.ts';

export type ChildKind = 'ConfigMap' | 'Deployment' | 'Service';
export type ChildObject = { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } };

/** Everything reconcile touches, passed in so it stays a plain function. */
export type ReconcileContext = {
  /** The WebApp as the watch cache has it, or undefined when it is gone. */
  getWebApp(namespace: string, name: string): Record<string, unknown> | undefined;
  /**
   * Server-side apply (skipped when its outcome is known); resolves with the object as stored and
   * what the apply changed: `created`, `updated`, or `unchanged` (only status moved on, or nothing).
   */
  apply<T extends ChildObject>(obj: T): Promise<{ object: T; change: ChildChange }>;
  /** Deletes a child; resolves false when it was already gone (not an error). */
  deleteChild(kind: ChildKind, namespace: string, name: string): Promise<boolean>;
  /** JSON Patch on the WebApp (finalizers). */
  patchWebApp(namespace: string, name: string, operations: JsonPatchOperation[]): Promise<unknown>;
  /**
   * Replaces the WebApp's status through the status subresource. May resolve `false` when this
   * very status was already written for the object with this `uid` (the watch cache can lag
   * behind our own write); nothing was written then.
   */
  writeStatus(namespace: string, name: string, status: WebApp['status'], uid?: string): Promise<boolean | void>;
  events: Pick<EventRecorder, 'record'>;
  policyConfig: PolicyConfig;
  namespaceAnnotations(namespace: string): Record<string, string> | undefined;
  now(): Date;
  /** Periodic resync of a converged WebApp. */
  resyncMs: number;
};

export type ReconcileResult = { requeueAfterMs?: number };

type Desired = {
  /** What the limits say, when the spec exceeds one; the children are built all the same. */
  limitExceeded?: string;
} & ({ invalid: string } | { invalid?: undefined; webApp: DefaultedWebApp });

/**
 * The spec the children are built from: the webhook's own policies, called on the object. A
 * violation of a configurable limit is reported but does not stop the build; any other means the
 * spec cannot be built.
 */
function desiredWebApp(raw: Record<string, unknown>, namespace: string, name: string, ctx: ReconcileContext): Desired {
  const policy = { config: ctx.policyConfig, namespaceAnnotations: ctx.namespaceAnnotations(namespace), name };
  const defaulted = defaultWebApp(raw, policy);
  const { violations } = validateWebApp(defaulted, undefined, policy);
  const limits = violations.filter((v) => v.limit);
  const broken = violations.filter((v) => !v.limit);
  const exceeded = limits.length ? { limitExceeded: limits.map(formatViolation).join('; ') } : {};
  if (broken.length) return { invalid: toInvalidMessage(defaulted, name, broken), ...exceeded };
  return { webApp: toDefaultedWebApp(webAppSchema.parse(defaulted)), ...exceeded };
}

/** One Warning Event per new LimitExceeded message: the status write made it news. */
function announceLimits(ctx: ReconcileContext, subject: WebApp, limitExceeded: string | undefined): void {
  if (limitExceeded === undefined) return;
  const before = subject.status?.conditions?.find((c) => c.type === CONDITION_WITHIN_LIMITS);
  if (before?.reason === REASON_LIMIT_EXCEEDED && before.message === limitExceeded) return;
  ctx.events.record(subject, 'Warning', REASON_LIMIT_EXCEEDED, limitExceeded);
}

export async function reconcileWebApp(key: string, untraced: ReconcileContext): Promise<ReconcileResult> {
  // Every API call below gets a span; children created/updated/deleted become span events.
  const ctx = traceReconcileContext(untraced);
  const [namespace, name] = key.split('/') as [string, string];
  const raw = ctx.getWebApp(namespace, name);
  if (!raw) return {};
  const current = webAppSchema.safeParse(raw);
  // Even a malformed object gets its finalizer handled; only what we need is read from it.
  const subject = raw as WebApp;
  const patch = (ops: JsonPatchOperation[]) => ctx.patchWebApp(namespace, name, ops);

  const outcome = await finalizer(subject, FINALIZER, patch, {
    cleanup: async () => {
      await ctx.deleteChild('Service', namespace, name);
      await ctx.deleteChild('Deployment', namespace, name);
      await ctx.deleteChild('ConfigMap', namespace, configMapName(subject));
      ctx.events.record(subject, 'Normal', 'Deleted', `Deleted the Deployment, Service and ConfigMap of ${name}`);
      return {};
    },
    apply: async () => {
      const desired = desiredWebApp(raw, namespace, name, ctx);
      if (desired.invalid !== undefined) {
        const status = computeStatus({
          webApp: current.success ? current.data : { ...subject, spec: subject.spec ?? { image: '' } },
          observed: {},
          invalid: desired.invalid,
          ...(desired.limitExceeded !== undefined && { limitExceeded: desired.limitExceeded }),
          now: ctx.now(),
        });
        // Warn once per change: our own status write wakes us again, with nothing new to say.
        if (!statusEqual(subject.status, status)) {
          const written = await ctx.writeStatus(namespace, name, status, subject.metadata?.uid);
          if (written !== false) {
            ctx.events.record(subject, 'Warning', 'InvalidSpec', desired.invalid);
            announceLimits(ctx, subject, desired.limitExceeded);
          }
        }
        // Terminal until the object changes: no requeue, no hot loop.
        return {};
      }
      const webApp = desired.webApp;
      const configMap = toConfigMap(webApp);
      let deployment: V1Deployment | undefined;
      try {
        for (const child of [configMap, toDeployment(webApp, configHash(configMap)), toService(webApp)]) {
          const kind = child.kind as ChildKind;
          const { object, change } = await ctx.apply(child);
          if (kind === 'Deployment') deployment = object as V1Deployment;
          if (change === 'created') {
            ctx.events.record(subject, 'Normal', 'Created', `Created ${kind} ${child.metadata!.name}`);
          } else if (change === 'updated') {
            ctx.events.record(subject, 'Normal', 'Updated', `Updated ${kind} ${child.metadata!.name}`);
          }
        }
      } catch (err) {
        const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
        ctx.events.record(subject, 'Warning', 'ApplyFailed', message);
        throw err;
      }
      const status = computeStatus({
        webApp: { ...webApp, status: subject.status },
        observed: fromDeployment(deployment),
        ...(desired.limitExceeded !== undefined && { limitExceeded: desired.limitExceeded }),
        now: ctx.now(),
      });
      if (!statusEqual(subject.status, status)) {
        const written = await ctx.writeStatus(namespace, name, status, subject.metadata?.uid);
        if (written !== false) announceLimits(ctx, subject, desired.limitExceeded);
      }
      return { requeueAfterMs: ctx.resyncMs };
    },
  });
  return outcome.event === 'none' ? {} : outcome.result;
}
