// Reconcile one WebApp: read the current state, converge it, whatever event woke us (level-based).
// The webhook's own checks judge the spec: one that cannot be built (admitted while the webhook was
// down) is reported, not retried in a loop; one over a limit lowered after it was stored is built
// as it is and reported (admission ratchets it, so whatever the webhook admits is converged).
// The checks judge the object as watched (v1, the storage version, with its v2-fields annotation:
// decision 19); the children are built from it read through the hub and defaulted at v2
// (desired-webapp.ts), so the v2-only fields the annotation carries are built too.
import type { V1Deployment } from '@kubernetes/client-node';
import { type WebApp, compiledWebAppSchema } from '../api/webapp.ts';
import { FINALIZER } from '../constants.ts';
import { defaultWebApp } from '../../webhooks/default-webapp.ts';
import type { JsonPatchOperation } from '../json/json-patch.ts';
import { formatViolation, toInvalidMessage } from '../../webhooks/check-webapp.ts';
import { applyEnforcement, enforcementOf } from '../../webhooks/enforcement.ts';
import { validateWebApp } from '../../webhooks/validate-webapp.ts';
import { CHILD_KINDS, describeKinds } from './child-kinds.ts';
import { type DesiredWebApp, toDesiredWebApp } from './desired-webapp.ts';
import { finalizer } from './finalizer.ts';
import type { ReconcileContext, ReconcileResult } from './reconcile-context.ts';
import { CONDITION_WITHIN_LIMITS, REASON_LIMIT_EXCEEDED } from './conditions.ts';
import { computeStatus, fromDeployment, statusEqual } from './status.ts';

/** The end of a LimitExceeded message in a namespace in `warn` enforcement. */
const WARN_ENFORCEMENT_NOTE =
  'admitted under warn enforcement: under enforce, a create or a change of these values is denied';

type Desired = {
  /** What the limits say, when the spec exceeds one; the children are built all the same. */
  limitExceeded?: string;
} & ({ invalid: string } | { invalid?: undefined; webApp: DesiredWebApp });

/**
 * The spec the children are built from: the webhook's own policies, called on the object, in the
 * namespace's enforcement mode. A violation of a configurable limit is reported but does not stop
 * the build (in `warn`, saying it was admitted by the mode); any other means the spec cannot be
 * built.
 */
function desiredWebApp(raw: Record<string, unknown>, namespace: string, name: string, ctx: ReconcileContext): Desired {
  const policy = {
    config: ctx.policyConfig,
    namespaceAnnotations: ctx.namespaceAnnotations(namespace),
    name,
    // Defaulted as an update of itself: what it was stored without stays without (v1's service.port).
    stored: raw,
  };
  const defaulted = defaultWebApp(raw, policy);
  const { violations, wouldDeny } = applyEnforcement(
    validateWebApp(defaulted, undefined, policy),
    enforcementOf(policy),
  );
  const limits = [...violations.filter((v) => v.limit), ...wouldDeny];
  const broken = violations.filter((v) => !v.limit);
  const warned = wouldDeny.length ? `; ${WARN_ENFORCEMENT_NOTE}` : '';
  const exceeded = limits.length ? { limitExceeded: `${limits.map(formatViolation).join('; ')}${warned}` } : {};
  if (broken.length) return { invalid: toInvalidMessage(defaulted, name, broken), ...exceeded };
  const desired = toDesiredWebApp(raw, policy);
  if (!desired.ok) return { invalid: `WebApp ${JSON.stringify(name)} is invalid: ${desired.message}`, ...exceeded };
  return { webApp: desired.webApp, ...exceeded };
}

/**
 * The replicas the status counts as desired: spec.replicas, or with autoscaling the Deployment's
 * own count, which the autoscaler sets (its minReplicas until the Deployment exists).
 */
function desiredReplicas(webApp: DesiredWebApp, deployment: V1Deployment | undefined): number {
  const { autoscaling, replicas } = webApp.spec;
  if (!autoscaling) return replicas;
  return deployment?.spec?.replicas ?? autoscaling.minReplicas;
}

/** What computeStatus reads of the WebApp: its metadata, previous status and desired replicas. */
function statusSubject(webApp: DesiredWebApp, subject: WebApp, deployment: V1Deployment | undefined) {
  return {
    metadata: webApp.metadata,
    spec: { replicas: desiredReplicas(webApp, deployment) },
    status: subject.status,
  };
}

/** One Warning Event per new LimitExceeded message: the status write made it news. */
function announceLimits(ctx: ReconcileContext, subject: WebApp, limitExceeded: string | undefined): void {
  if (limitExceeded === undefined) return;
  const before = subject.status?.conditions?.find((c) => c.type === CONDITION_WITHIN_LIMITS);
  if (before?.reason === REASON_LIMIT_EXCEEDED && before.message === limitExceeded) return;
  ctx.events.record(subject, 'Warning', REASON_LIMIT_EXCEEDED, limitExceeded);
}

export async function reconcileWebApp(key: string, ctx: ReconcileContext): Promise<ReconcileResult> {
  const [namespace, name] = key.split('/') as [string, string];
  const raw = ctx.getWebApp(namespace, name);
  if (!raw) return {};
  const current = compiledWebAppSchema.safeParse(raw);
  // Even a malformed object gets its finalizer handled; only what we need is read from it.
  const subject = raw as WebApp;
  const patch = (ops: JsonPatchOperation[]) => ctx.patchWebApp(namespace, name, ops);

  const outcome = await finalizer(subject, FINALIZER, patch, {
    cleanup: async () => {
      for (const child of [...CHILD_KINDS].reverse()) await ctx.deleteChild(child.kind, namespace, child.name(subject));
      const kinds = describeKinds(CHILD_KINDS.map((c) => c.kind));
      ctx.events.record(subject, 'Normal', 'Deleted', `Deleted the ${kinds} of ${name}`);
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
      let deployment: V1Deployment | undefined;
      // One Event per verb and reconcile ("Created ConfigMap web-env, Deployment web and Service
      // web"), not one per child: the same news in fewer writes (bench/convergence.ts measured the
      // difference: commit a3dccb3).
      // In the order of each verb's first child.
      const changed = new Map<'Created' | 'Updated' | 'Deleted', string[]>();
      const note = (reason: 'Created' | 'Updated' | 'Deleted', child: string) =>
        changed.set(reason, [...(changed.get(reason) ?? []), child]);
      const announce = () => {
        for (const [reason, children] of changed) {
          ctx.events.record(subject, 'Normal', reason, `${reason} ${describeKinds(children)}`);
        }
      };
      try {
        for (const { kind, name: nameOf, build } of CHILD_KINDS) {
          const child = build(webApp);
          const childName = nameOf(webApp);
          if (!child) {
            // Not wanted for this spec (any more): deleted when the watch cache shows one.
            if (ctx.hasChild(kind, namespace, childName) && (await ctx.deleteChild(kind, namespace, childName))) {
              note('Deleted', `${kind} ${childName}`);
            }
            continue;
          }
          // Autoscaling turned on: the autoscaler does not exist yet, and the apply below releases
          // replicas; the field is handed over first so that it keeps its value meanwhile.
          if (
            kind === 'Deployment' &&
            webApp.spec.autoscaling &&
            !ctx.hasChild('HorizontalPodAutoscaler', namespace, childName)
          ) {
            await ctx.handOverReplicas(namespace, childName);
          }
          const { object, change } = await ctx.apply(child);
          if (kind === 'Deployment') deployment = object as V1Deployment;
          if (change === 'created') note('Created', `${kind} ${childName}`);
          else if (change === 'updated') note('Updated', `${kind} ${childName}`);
        }
        announce();
      } catch (err) {
        announce();
        const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
        ctx.events.record(subject, 'Warning', 'ApplyFailed', message);
        // Visible in status too (Degraded, ApplyFailed) until an apply succeeds. A status write that
        // fails as well must not hide the apply's error, which the controller retries with backoff.
        const failed = computeStatus({
          webApp: statusSubject(webApp, subject, deployment),
          observed: fromDeployment(deployment),
          applyError: message,
          ...(desired.limitExceeded !== undefined && { limitExceeded: desired.limitExceeded }),
          now: ctx.now(),
        });
        if (!statusEqual(subject.status, failed)) {
          await ctx.writeStatus(namespace, name, failed, subject.metadata?.uid).catch(() => {});
        }
        throw err;
      }
      const status = computeStatus({
        webApp: statusSubject(webApp, subject, deployment),
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
