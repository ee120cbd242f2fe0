// Least privilege for Shipshape's ServiceAccount, from what the code calls: the reconcilers' watches
// and server-side applies of the children, the WebApp and MySQLCluster status and finalizer patches, the namespace
// cache, the Event recorder, the caBundle check (its two webhook configurations and the WebApp CRD,
// by name); and, in its own namespace only, the one Lease of the elector.
import type {
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1PolicyRule,
  V1Role,
  V1RoleBinding,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import {
  API_GROUP,
  MUTATING_CONFIGURATION_NAME,
  SHIPSHAPE_NAMESPACE,
  VALIDATING_CONFIGURATION_NAME,
  WEBAPP_CRD_NAME,
  WEBAPP_PLURAL,
} from '../constants.ts';
import { MYSQLCLUSTER_PLURAL } from '../api/mysqlcluster.ts';
import { APP_NAME, LABELS, LEASE_NAME, SERVICE_ACCOUNT_NAME } from './install-names.ts';

const CHILD_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/**
 * The children Shipshape owns: one rule per API group of the kinds in src/operator/child-kinds.ts,
 * no more (test/unit/operator/child-kinds.test.ts holds the two to each other).
 */
export const CHILD_RULES: V1PolicyRule[] = [
  { apiGroups: ['apps'], resources: ['deployments'], verbs: CHILD_VERBS },
  { apiGroups: [''], resources: ['services', 'configmaps'], verbs: CHILD_VERBS },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: CHILD_VERBS },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: CHILD_VERBS },
];

/**
 * What a MySQLCluster's reconciler needs beyond WebApp's child rules (its ConfigMap, Services and
 * PodDisruptionBudget are kinds WebApp owns too): its StatefulSets, listed and watched by the child
 * cache, server-side applied (patch; create too, since the apiserver authorizes an apply that
 * creates the object as a create: the first reconcile, and the recreation after a storage growth)
 * and deleted (orphaning the Pods when the storage grows, src/mysql/storage-growth.ts), never read
 * outside the cache nor updated (src/operator/owner-context.ts); its root password Secrets,
 * created and nothing else: the reconciler holds no Secret cache, so no rule lets Shipshape read a
 * Secret (src/mysql/child-kinds.ts), and it deletes none, not even under claimRetention Delete (a
 * delete on Secrets cannot be limited to its own: src/mysql/cleanup.ts keeps the Secret and says
 * so); and its members'
 * data claims, listed by label, resized and deleted through the API (src/mysql/mysql-controller.ts).
 */
export const MYSQL_CHILD_RULES: V1PolicyRule[] = [
  { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['list', 'watch', 'create', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
  { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['list', 'patch', 'delete'] },
];

export const CLUSTER_RULES: V1PolicyRule[] = [
  { apiGroups: [API_GROUP], resources: [WEBAPP_PLURAL], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
  { apiGroups: [API_GROUP], resources: [`${WEBAPP_PLURAL}/status`], verbs: ['get', 'update', 'patch'] },
  // An ownerReference with blockOwnerDeletion needs update on the owner's finalizers
  // (the OwnerReferencesPermissionEnforcement admission plugin).
  { apiGroups: [API_GROUP], resources: [`${WEBAPP_PLURAL}/finalizers`], verbs: ['update'] },
  { apiGroups: [API_GROUP], resources: [MYSQLCLUSTER_PLURAL], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
  { apiGroups: [API_GROUP], resources: [`${MYSQLCLUSTER_PLURAL}/status`], verbs: ['get', 'update', 'patch'] },
  { apiGroups: [API_GROUP], resources: [`${MYSQLCLUSTER_PLURAL}/finalizers`], verbs: ['update'] },
  ...CHILD_RULES,
  ...MYSQL_CHILD_RULES,
  { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  // The caBundle check reads (and watches, by field selector) its own two webhook configurations
  // and the WebApp CRD (its conversion webhook's caBundle).
  {
    apiGroups: ['admissionregistration.k8s.io'],
    resources: ['mutatingwebhookconfigurations'],
    resourceNames: [MUTATING_CONFIGURATION_NAME],
    verbs: ['get', 'list', 'watch'],
  },
  {
    apiGroups: ['admissionregistration.k8s.io'],
    resources: ['validatingwebhookconfigurations'],
    resourceNames: [VALIDATING_CONFIGURATION_NAME],
    verbs: ['get', 'list', 'watch'],
  },
  {
    apiGroups: ['apiextensions.k8s.io'],
    resources: ['customresourcedefinitions'],
    resourceNames: [WEBAPP_CRD_NAME],
    verbs: ['get', 'list', 'watch'],
  },
];

/** The elector's Lease: created once (create cannot be limited by name), then read and renewed. */
export const LEASE_RULES: V1PolicyRule[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
  {
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    resourceNames: [LEASE_NAME],
    verbs: ['get', 'update', 'patch'],
  },
];

const subject = { kind: 'ServiceAccount', name: SERVICE_ACCOUNT_NAME, namespace: SHIPSHAPE_NAMESPACE };
const rbac = 'rbac.authorization.k8s.io';

export function toServiceAccount(): V1ServiceAccount {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: SERVICE_ACCOUNT_NAME, namespace: SHIPSHAPE_NAMESPACE, labels: LABELS },
  };
}

export function toClusterRole(): V1ClusterRole {
  return {
    apiVersion: `${rbac}/v1`,
    kind: 'ClusterRole',
    metadata: { name: APP_NAME, labels: LABELS },
    rules: CLUSTER_RULES,
  };
}

export function toClusterRoleBinding(): V1ClusterRoleBinding {
  return {
    apiVersion: `${rbac}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name: APP_NAME, labels: LABELS },
    roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: APP_NAME },
    subjects: [subject],
  };
}

export function toLeaseRole(): V1Role {
  return {
    apiVersion: `${rbac}/v1`,
    kind: 'Role',
    metadata: { name: `${APP_NAME}-leader-election`, namespace: SHIPSHAPE_NAMESPACE, labels: LABELS },
    rules: LEASE_RULES,
  };
}

export function toLeaseRoleBinding(): V1RoleBinding {
  return {
    apiVersion: `${rbac}/v1`,
    kind: 'RoleBinding',
    metadata: { name: `${APP_NAME}-leader-election`, namespace: SHIPSHAPE_NAMESPACE, labels: LABELS },
    roleRef: { apiGroup: rbac, kind: 'Role', name: `${APP_NAME}-leader-election` },
    subjects: [subject],
  };
}
