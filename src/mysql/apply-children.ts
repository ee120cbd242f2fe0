// Converging a MySQLCluster's children, in MYSQL_CHILD_KINDS order (issue #36): the Secret created
// unless ctx.hasChild knows it exists (it is not watched: the context's memo, known-secrets.ts,
// knows it for a resync period after a create made or found it; a create that finds it resolves
// false), a child not wanted for this spec deleted when the cache shows it controlled by this
// cluster, every other child
// applied; except the StatefulSet when spec.version is below the version its members run
// (version-guard.ts: not applied, reported) or its volume claim templates changed
// (volume-claims.ts): grown storage goes through storage-growth.ts, any other change is not applied
// and is reported. The other children are applied all the same, as they are past a child whose
// name another owner's object holds (a WebApp's Service of the same name): that one is left alone
// and reported (ChildOwnedError, src/operator/owner-context.ts).
import type { V1StatefulSet } from '@kubernetes/client-node';
import type { DefaultedMySQLCluster } from '../api/mysqlcluster.ts';
import type { ChildObject } from '../operator/children.ts';
import { ChildOwnedError } from '../operator/owner-context.ts';
import { MYSQL_CHILD_KINDS, type MySQLChildKindSpec } from './child-kinds.ts';
import { controlledBy } from './names.ts';
import type { MySQLReconcileContext } from './reconcile-context.ts';
import { type ObservedStatefulSet, fromStatefulSet } from './status.ts';
import { type StorageGrowth, growStorage } from './storage-growth.ts';
import { versionDowngrade } from './version-guard.ts';
import { compareClaimTemplates } from './volume-claims.ts';

export type ChildVerb = 'Created' | 'Updated' | 'Deleted';

/** What the reconciler reports from; filled as the children go, so a failure part-way still has it. */
export type ChildrenOutcome = {
  statefulSet?: ObservedStatefulSet;
  /** The StatefulSet was applied this time, so it holds the desired template. */
  templateCurrent: boolean;
  /** A spec.version below status.currentVersion (./version-guard.ts): the StatefulSet was not applied. */
  downgrade?: string;
  /** The change the StatefulSet could not take; it was not applied. */
  immutable?: { field: string; message: string };
  /**
   * The storage is growing; the StatefulSet was deleted (orphaning), not applied; or, when the
   * apiserver refused a resize (`refused`), left as it stands.
   */
  growth?: StorageGrowth & { to: string };
  /** The children not applied because another owner controls their name: why, one each. */
  conflicts?: string[];
};

type Note = (verb: ChildVerb, child: string) => void;

/** ctx.apply, or undefined (noted in `outcome`) when another owner controls the child. */
async function applyOwn<T extends ChildObject>(ctx: MySQLReconcileContext, body: T, outcome: ChildrenOutcome) {
  try {
    return await ctx.apply(body);
  } catch (err) {
    if (!(err instanceof ChildOwnedError)) throw err;
    outcome.conflicts = [...(outcome.conflicts ?? []), err.message];
    return undefined;
  }
}

/**
 * The StatefulSet's turn: applied, unless the version would go down or its claim templates changed
 * since the cache's copy.
 */
async function convergeStatefulSet(
  ctx: MySQLReconcileContext,
  cluster: DefaultedMySQLCluster,
  currentVersion: string | undefined,
  body: V1StatefulSet,
  outcome: ChildrenOutcome,
  note: Note,
): Promise<void> {
  const { namespace = '', name = '' } = body.metadata ?? {};
  const cached = ctx.getChild('StatefulSet', namespace, name) as V1StatefulSet | undefined;
  const downgrade = versionDowngrade(currentVersion, cluster.spec.version);
  if (downgrade !== undefined) {
    outcome.statefulSet = fromStatefulSet(cached);
    outcome.downgrade = downgrade;
    return;
  }
  if (cached) {
    const change = compareClaimTemplates(cached.spec?.volumeClaimTemplates, body.spec?.volumeClaimTemplates ?? []);
    if (change.kind !== 'none') outcome.statefulSet = fromStatefulSet(cached);
    if (change.kind === 'immutable') {
      outcome.immutable = { field: change.field, message: change.message };
      return;
    }
    if (change.kind === 'grown') {
      outcome.growth = { ...(await growStorage(ctx, namespace, name, change)), to: change.to };
      return;
    }
  }
  const applied = await applyOwn(ctx, body, outcome);
  if (!applied) return;
  const { object, change } = applied;
  outcome.statefulSet = fromStatefulSet(object);
  outcome.templateCurrent = true;
  if (change === 'created') note('Created', `StatefulSet ${name}`);
  else if (change === 'updated') note('Updated', `StatefulSet ${name}`);
}

/**
 * Converges every child; `outcome` is filled as it goes. Rejects with the first failure.
 * `currentVersion` is the stored status.currentVersion: the version the members run.
 */
export async function applyMySQLChildren(
  ctx: MySQLReconcileContext,
  cluster: DefaultedMySQLCluster,
  currentVersion: string | undefined,
  outcome: ChildrenOutcome,
  note: Note,
): Promise<void> {
  const owner = cluster;
  const namespace = owner.metadata.namespace ?? '';
  for (const spec of MYSQL_CHILD_KINDS as readonly MySQLChildKindSpec[]) {
    const { kind } = spec;
    const childName = spec.name(owner);
    if (spec.createOnly) {
      // Built (a new password) only when it is to be created; a create that finds one resolves false.
      if (!ctx.hasChild(kind, namespace, childName) && (await ctx.create(spec.build(cluster)!))) {
        note('Created', `${kind} ${childName}`);
      }
      continue;
    }
    const body = spec.build(cluster);
    if (!body) {
      const child = ctx.getChild(kind, namespace, childName);
      if (controlledBy(child, owner) && (await ctx.deleteChild(kind, namespace, childName))) {
        note('Deleted', `${kind} ${childName}`);
      }
      continue;
    }
    if (kind === 'StatefulSet') {
      await convergeStatefulSet(ctx, cluster, currentVersion, body as V1StatefulSet, outcome, note);
      continue;
    }
    const change = (await applyOwn(ctx, body, outcome))?.change;
    if (change === 'created') note('Created', `${kind} ${childName}`);
    else if (change === 'updated') note('Updated', `${kind} ${childName}`);
  }
}
