// The base of every owner kind's reconcile context (kube-rs's Context): what any reconciler reads
// and writes of its owner and children, over the cluster, for one leadership term. An owner kind's
// controller extends it with what only its reconciler needs (createOwnerController's `context`);
// the reconciler stays a plain function, tested over an in-memory context, and telemetry wraps
// it where the controller is wired (traceReconcileContext). Adding a kind: see ./owner-kind.ts.
import type { Logger } from 'pino';
import { CodedError } from '../errors/coded-error.ts';
import type { JsonPatchOperation } from '../json/json-patch.ts';
import { collectionPath, objectPath, serverSideApply } from '../kube/apply.ts';
import { type JsonClient, KubeApiError, isNotFound } from '../kube/json-client.ts';
import { type ChildChange, createAppliedCache } from './applied-cache.ts';
import { toChildView } from './cache-transforms.ts';
import type { ChildResource } from './child-kind-spec.ts';
import type { ChildObject } from './children.ts';
import { TerminalError } from './controller.ts';
import type { EventRecorder } from './event-recorder.ts';
import type { OwnerCache } from './owner-caches.ts';
import type { OwnerKind } from './owner-kind.ts';
import { createNameWaits } from './name-waits.ts';
import { createWrittenStatus } from './written-status.ts';

export type DeleteOptions = { propagationPolicy?: 'Orphan' | 'Background' | 'Foreground' };

/** Everything a reconcile of any owner kind touches; `Status` is the kind's status type. */
export type OwnerReconcileContext<Status> = {
  /**
   * The owner as the watch cache has it, or undefined when it is gone; with the status this context
   * wrote last while the cache does not show that write yet (written-status.ts's overlay).
   */
  get(namespace: string, name: string): Record<string, unknown> | undefined;
  /** JSON Patch on the owner (finalizers). */
  patch(namespace: string, name: string, operations: JsonPatchOperation[]): Promise<unknown>;
  /**
   * Server-side apply (skipped when its outcome is known); resolves with the object as stored and
   * what the apply changed: `created`, `updated`, or `unchanged` (only status moved on, or nothing).
   * Rejects with ChildOwnedError, without a request, when the cache shows the child controlled by
   * another owner.
   */
  apply<T extends ChildObject>(obj: T): Promise<{ object: T; change: ChildChange }>;
  /**
   * Creates the child (a POST to its collection), never updates it: resolves false when it exists
   * already (409 AlreadyExists), as for a generated Secret that must never be overwritten.
   */
  create<T extends ChildObject>(obj: T): Promise<boolean>;
  /** Whether the watch cache holds the child (a child that should not exist is deleted only then). */
  hasChild(kind: string, namespace: string, name: string): boolean;
  /** The child as the watch cache keeps it (its kind's view), or undefined. */
  getChild(kind: string, namespace: string, name: string): Record<string, unknown> | undefined;
  /**
   * Deletes a child; resolves false when it was already gone (not an error), or when the cache
   * shows another kind's object of that name, which is left alone.
   */
  deleteChild(kind: string, namespace: string, name: string, options?: DeleteOptions): Promise<boolean>;
  /**
   * Replaces the owner's status through the status subresource. May resolve `false` when this very
   * status was already written for the object with this `uid` (the watch cache can lag behind our
   * own write); nothing was written then.
   */
  writeStatus(namespace: string, name: string, status: Status, uid?: string): Promise<boolean | void>;
  events: Pick<EventRecorder, 'record'>;
  namespaceAnnotations(namespace: string): Record<string, string> | undefined;
  now(): Date;
  /** Periodic resync of a converged owner. */
  resyncMs: number;
};

/** What an owner kind's `context` extender may build its own members from. */
export type OwnerContextDeps = {
  owner: OwnerKind;
  client: JsonClient;
  cache: OwnerCache;
  /** The server-side apply field manager of this controller's applies. */
  fieldManager: string;
  logger: Logger;
};

/** A child of a kind the owner never registered: a bug in its reconciler, not a retryable failure. */
export class ChildKindError extends CodedError<'CHILD_KIND_UNKNOWN'> {}

/**
 * The child's name is held by an object another owner controls (a WebApp's Service `shop` and a
 * MySQLCluster's client Service `shop` in one namespace): not applied over. Terminal: retrying
 * cannot free the name; the owner is woken when the holder lets go of it (./name-waits.ts), or
 * looks again at its next change or resync.
 */
export class ChildOwnedError extends TerminalError {
  readonly child: string;
  readonly holder: string;
  constructor(child: string, holder: string) {
    super(`${child} is controlled by ${holder}, not applied`);
    this.child = child;
    this.holder = holder;
  }
}

type OwnerReference = { kind?: string; name?: string; controller?: boolean };
const controllerOf = (obj: object | undefined) =>
  (obj as { metadata?: { ownerReferences?: OwnerReference[] } } | undefined)?.metadata?.ownerReferences?.find(
    (ref) => ref.controller,
  );

export type OwnerContextOptions = OwnerContextDeps & {
  children: readonly ChildResource[];
  events: Pick<EventRecorder, 'record'>;
  resyncMs: number;
};

/**
 * The base context over the cluster, with the hooks the term's subscription calls: `observed` for
 * every owner event (the written-status dedupe), `childDeleted` for a delete event of a child of
 * ours, `childChanged` for any event of a child resource we own, whoever's it is (the owners that
 * waited on its name, to wake).
 */
export function createOwnerContext<Status>(options: OwnerContextOptions) {
  const { owner, client, cache, fieldManager } = options;
  const specs = new Map(options.children.map((c) => [c.kind, c]));
  const specOf = (kind: string | undefined) => {
    const spec = specs.get(kind ?? '');
    if (!spec) throw new ChildKindError('CHILD_KIND_UNKNOWN', `${owner.kind} owns no ${kind}`);
    return spec;
  };
  const ownerPath = (namespace: string, name: string) => objectPath(owner.apiVersion, owner.plural, namespace, name);
  const cached = (kind: string, namespace: string, name: string) => cache.children[kind]?.get(name, namespace);
  // Our status writes the watch cache does not show yet: a reconcile woken before it does must not
  // write (and announce) the same status again.
  const writtenStatus = createWrittenStatus<Status>();
  // Our owners that found a child's name held by another owner: woken when it lets go of it.
  const nameWaits = createNameWaits();
  // Signs what an apply returns as the child caches keep it (their view), so a field the caches
  // drop cannot read as a difference.
  const appliedCache = createAppliedCache(cached, (obj) => {
    const spec = specs.get(obj.kind ?? '');
    return spec ? toChildView(spec.view, obj) : obj;
  });

  const context: OwnerReconcileContext<Status> = {
    get(namespace, name) {
      const obj = cache.owners.get(name, namespace) as Record<string, unknown> | undefined;
      return obj && writtenStatus.overlay(obj);
    },
    patch: (namespace, name, body) =>
      client.request('PATCH', ownerPath(namespace, name), { body, contentType: 'application/json-patch+json' }),
    // Each owner handles its own children only, as controller-runtime's SetControllerReference
    // and the Deployment controller's adoption do: a child another owner controls (by kind and
    // name: a recreated owner takes its predecessor's children back) is never applied over, nor
    // deleted (deleteChild), whatever the cache shows of it.
    async apply(obj) {
      const { kind = '', metadata: { namespace = '', name = '' } = {} } = obj;
      const holder = controllerOf(cached(kind, namespace, name));
      const ours = controllerOf(obj);
      if (holder && ours && (holder.kind !== ours.kind || holder.name !== ours.name)) {
        const holderName = `${holder.kind} ${holder.name}`;
        nameWaits.wait(kind, namespace, name, holderName, `${namespace}/${ours.name}`);
        throw new ChildOwnedError(`${kind} ${name}`, holderName);
      }
      return appliedCache.apply(obj, (body) =>
        serverSideApply(client, body, { plural: specOf(body.kind).plural, fieldManager }),
      );
    },
    async create(obj) {
      const { apiVersion, plural } = specOf(obj.kind);
      try {
        const path = collectionPath(apiVersion, plural, obj.metadata?.namespace);
        await client.request('POST', path, { body: obj, query: { fieldManager } });
        return true;
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 409 && err.reason === 'AlreadyExists') return false;
        throw err;
      }
    },
    hasChild: (kind, namespace, name) => cached(kind, namespace, name) !== undefined,
    getChild: (kind, namespace, name) => cached(kind, namespace, name) as Record<string, unknown> | undefined,
    async deleteChild(kind, namespace, name, deleteOptions) {
      // Another kind's child of this name is not ours to delete: for us, there is none.
      const holder = controllerOf(cached(kind, namespace, name));
      if (holder && holder.kind !== owner.kind) return false;
      appliedCache.forget(kind, namespace, name);
      const { apiVersion, plural } = specOf(kind);
      // The propagation policy as a query parameter, which the apiserver reads as it reads a
      // DeleteOptions body: Node sends a DELETE's body with neither Content-Length nor chunking
      // (useChunkedEncodingByDefault is false for DELETE), so the apiserver would ignore it
      // (deleting with the default propagation: an Orphan delete took the Pods with it) and read
      // it as the next request on the kept-alive connection (a 400 for that one).
      const policy = deleteOptions?.propagationPolicy;
      try {
        const path = objectPath(apiVersion, plural, namespace, name);
        await client.request('DELETE', path, policy ? { query: { propagationPolicy: policy } } : undefined);
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },
    async writeStatus(namespace, name, status, uid) {
      if (writtenStatus.pending(uid, status)) return false;
      const stored = await client.request<{ metadata?: { resourceVersion?: string } }>(
        'PATCH',
        `${ownerPath(namespace, name)}/status`,
        { body: [{ op: 'add', path: '/status', value: status }], contentType: 'application/json-patch+json' },
      );
      writtenStatus.wrote(uid, status, stored?.metadata?.resourceVersion);
      // Its watch event may have come before the response.
      const current = cache.owners.get(name, namespace);
      if (current) writtenStatus.observe(current);
      return true;
    },
    events: options.events,
    namespaceAnnotations: cache.namespaceAnnotations,
    now: () => new Date(),
    resyncMs: options.resyncMs,
  };
  return {
    context,
    /** The owner cache took in `obj` (added, updated or deleted). */
    observed: (obj: { metadata?: { uid?: string; resourceVersion?: string } }) => writtenStatus.observe(obj),
    /** A child deleted by someone else: what we last applied is no longer in place. */
    childDeleted: (kind: string, namespace: string, name: string) => appliedCache.forget(kind, namespace, name),
    /** Any owner's child of a kind we own changed: our owners (namespace/name) to wake for it. */
    childChanged(kind: string, obj: ChildObject, verb: 'add' | 'update' | 'delete'): string[] {
      // Every event of every child resource comes here: with nobody waiting (the usual case) it
      // costs one comparison, no string built.
      if (nameWaits.size === 0) return [];
      const { namespace = '', name = '' } = obj.metadata ?? {};
      const controller = controllerOf(obj);
      const current = controller && `${controller.kind} ${controller.name}`;
      return nameWaits.changed(kind, namespace, name, current, verb === 'delete');
    },
  };
}
