// The port reconcileWebApp talks through (kube-rs's Context): everything reconcile reads and
// writes, passed in so it stays a plain function. webapp-controller.ts builds it from the generic
// base (owner-context.ts: getWebApp and patchWebApp are its get and patch) over the cluster; the
// unit tests over an in-memory one; telemetry wraps it (traceReconcileContext) where the controller
// is wired.
import type { WebApp } from '../api/webapp.ts';
import type { JsonPatchOperation } from '../json/json-patch.ts';
import type { PolicyConfig } from '../../webhooks/limits.ts';
import type { ChildChange } from './applied-cache.ts';
import type { ChildKind } from './child-kinds.ts';
import type { ChildObject } from './children.ts';
import type { EventRecorder } from './event-recorder.ts';

/** Everything reconcile touches, passed in so it stays a plain function. */
export type ReconcileContext = {
  /** The WebApp as the watch cache has it, or undefined when it is gone. */
  getWebApp(namespace: string, name: string): Record<string, unknown> | undefined;
  /**
   * Server-side apply (skipped when its outcome is known); resolves with the object as stored and
   * what the apply changed: `created`, `updated`, or `unchanged` (only status moved on, or nothing).
   */
  apply<T extends ChildObject>(obj: T): Promise<{ object: T; change: ChildChange }>;
  /** Whether the watch cache holds the child (a child that should not exist is deleted only then). */
  hasChild(kind: ChildKind, namespace: string, name: string): boolean;
  /**
   * Hands the Deployment's spec.replicas, at the value the watch cache shows, to a field manager of
   * its own (replicasFieldManager in autoscaler.ts) before an apply that leaves replicas out for an autoscaler.
   * Server-side apply removes a released field that no other manager owns, and the apiserver then
   * defaults replicas to 1: without this, adding autoscaling to a WebApp running 5 pods would scale
   * it to 1 until the autoscaler next acts (the hand-over the server-side apply docs describe,
   * "Transferring ownership"), at the cached resourceVersion: a Deployment changed since is a
   * conflict, thrown, and the reconcile retried. Resolves false when the cache holds no Deployment
   * with replicas.
   */
  handOverReplicas(namespace: string, name: string): Promise<boolean>;
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
