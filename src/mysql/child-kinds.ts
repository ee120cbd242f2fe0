// The kinds a MySQLCluster owns, declared once (issue #36; like src/operator/child-kinds.ts for
// WebApp): the reconciler creates or applies them in this order and its cleanup deletes them in the
// reverse; the shared caches watch each one through its `view`. Each entry has the shape of the
// generic machinery's ChildKindSpec<DefaultedMySQLCluster> (src/operator/child-kind-spec.ts), plus
// `createOnly` for the Secret. The Services before the StatefulSet: its serviceName must exist
// before its members do; the ConfigMap and the Secret too, which the Pods mount and read.
import type { DefaultedMySQLCluster, MySQLCluster } from '../api/mysqlcluster.ts';
import { CHILD_VIEWS, type Projection } from '../operator/cache-transforms.ts';
import { configHash, type ChildObject } from '../operator/children.ts';
import { SECRET_VIEW, STATEFULSET_VIEW } from './cache-views.ts';
import { clusterName, configMapName, membersServiceName, rootPasswordSecretName } from './names.ts';
import { toRootPasswordSecret } from './root-password.ts';
import { toServerConfigMap } from './server-config.ts';
import { toClientService, toMembersService } from './services.ts';
import { toMySQLDisruptionBudget, toStatefulSet } from './statefulset.ts';

export type MySQLChildKindSpec = {
  kind: string;
  apiVersion: string;
  /** The resource, as in its API paths. */
  plural: string;
  /** What the shared cache keeps of each object; the same view as any other owner's of the resource. */
  view: Projection;
  /** The child's name; read from a stored object, so only metadata.name is trusted. */
  name(owner: Pick<MySQLCluster, 'metadata'>): string;
  /** The body, or undefined when this cluster should have none (it is deleted). */
  build(cluster: DefaultedMySQLCluster): ChildObject | undefined;
  /** Created with ctx.create unless ctx.hasChild knows one; never applied, updated or read back. */
  createOnly?: true;
  /** false: not watched (ChildResource.watched): the cache never shows one, the context's memo may. */
  watched?: false;
};

export const MYSQL_CHILD_KINDS = [
  {
    kind: 'Secret',
    apiVersion: 'v1',
    plural: 'secrets',
    view: SECRET_VIEW,
    name: rootPasswordSecretName,
    // Each build generates a new password: the reconciler builds it only to create it.
    build: (cluster) => toRootPasswordSecret(cluster),
    createOnly: true,
    // No Secret cache: read access to every Secret in the cluster is not ours to ask for. The
    // context's memo (known-secrets.ts) says it exists once created or found (409), for a resync
    // period: one create a resync, which finds it and changes nothing.
    watched: false,
  },
  {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    plural: 'configmaps',
    view: CHILD_VIEWS.ConfigMap,
    name: configMapName,
    build: toServerConfigMap,
  },
  {
    kind: 'Service',
    apiVersion: 'v1',
    plural: 'services',
    view: CHILD_VIEWS.Service,
    name: membersServiceName,
    build: toMembersService,
  },
  {
    kind: 'Service',
    apiVersion: 'v1',
    plural: 'services',
    view: CHILD_VIEWS.Service,
    name: clusterName,
    build: toClientService,
  },
  {
    kind: 'StatefulSet',
    apiVersion: 'apps/v1',
    plural: 'statefulsets',
    view: STATEFULSET_VIEW,
    name: clusterName,
    build: (cluster) => toStatefulSet(cluster, configHash(toServerConfigMap(cluster))),
  },
  {
    kind: 'PodDisruptionBudget',
    apiVersion: 'policy/v1',
    plural: 'poddisruptionbudgets',
    view: CHILD_VIEWS.PodDisruptionBudget,
    name: clusterName,
    build: toMySQLDisruptionBudget,
  },
] as const satisfies readonly MySQLChildKindSpec[];

export type MySQLChildKind = (typeof MYSQL_CHILD_KINDS)[number]['kind'];
