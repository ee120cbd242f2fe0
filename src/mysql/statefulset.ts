// The StatefulSet `<name>` of a MySQLCluster (issue #36) and its PodDisruptionBudget: pure server-
// side apply bodies holding only the fields Shipshape owns. Every field whose default the apiserver
// would fill in where we state one (a probe's counts, a ConfigMap volume's mode, a port's protocol,
// a claim's volumeMode) is written, so that the body applied is the body stored and the applied
// cache sees no difference where there is none.
import type {
  V1PersistentVolumeClaim,
  V1PodDisruptionBudget,
  V1ResourceRequirements,
  V1StatefulSet,
} from '@kubernetes/client-node';
import type { DefaultedMySQLCluster } from '../api/mysqlcluster.ts';
import type { ResourceList } from '../api/webapp.ts';
import { CONFIG_HASH_ANNOTATION } from '../operator/children.ts';
import {
  DATA_VOLUME,
  MYSQL_PORT,
  MYSQL_PORT_NAME,
  ROOT_PASSWORD_KEY,
  clusterName,
  configMapName,
  membersServiceName,
  mysqlChildMetadata,
  mysqlLabels,
  mysqlSelector,
  rootPasswordSecretName,
} from './names.ts';

export const CONTAINER_NAME = 'mysql';
export const DATA_PATH = '/var/lib/mysql';
export const CONFIG_PATH = '/etc/mysql/conf.d';
const CONFIG_VOLUME = 'config';

/**
 * A member is Ready once mysqld accepts TCP connections: the images' entrypoints initialise the
 * data directory with networking off, so the port opens only for the real server. Every field is
 * written, as children.ts's READINESS_PROBE does.
 */
export const MYSQL_READINESS_PROBE = Object.freeze({
  tcpSocket: { port: MYSQL_PORT_NAME },
  periodSeconds: 10,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
});

/** Quantities may be integers in the spec; a container's resource lists hold strings. */
function toQuantities(list: ResourceList | undefined): Record<string, string> | undefined {
  if (!list) return undefined;
  const entries = Object.entries(list).filter(([, quantity]) => quantity !== undefined);
  return Object.fromEntries(entries.map(([name, quantity]) => [name, String(quantity)]));
}

function toResources(resources: DefaultedMySQLCluster['spec']['resources']): V1ResourceRequirements | undefined {
  const requests = toQuantities(resources.requests);
  const limits = toQuantities(resources.limits);
  if (!requests && !limits) return undefined;
  return { ...(requests && { requests }), ...(limits && { limits }) };
}

/**
 * The data claim template: the claims `data-<name>-N` the StatefulSet creates, labelled like every
 * child so that listClaims finds them. Immutable once the StatefulSet exists (volume-claims.ts).
 */
export function toDataClaimTemplate(cluster: DefaultedMySQLCluster): V1PersistentVolumeClaim {
  const owner = cluster;
  const { size, storageClassName } = cluster.spec.storage;
  return {
    metadata: { name: DATA_VOLUME, labels: mysqlLabels(owner) },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: String(size) } },
      ...(storageClassName !== undefined && { storageClassName }),
      volumeMode: 'Filesystem',
    },
  };
}

/**
 * `hash` is configHash(toServerConfigMap(cluster)). OrderedReady: members start one at a time, each
 * Ready before the next. Claims are Retained when the StatefulSet is deleted or scaled down: the
 * finalizer decides what happens to the data (cleanup.ts), and the storage growth deletes the
 * StatefulSet itself, keeping every claim (storage-growth.ts).
 */
export function toStatefulSet(cluster: DefaultedMySQLCluster, hash: string): V1StatefulSet {
  const owner = cluster;
  const { spec } = cluster;
  const resources = toResources(spec.resources);
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: mysqlChildMetadata(owner, clusterName(owner)),
    spec: {
      replicas: spec.replicas,
      serviceName: membersServiceName(owner),
      selector: { matchLabels: mysqlSelector(owner) },
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      template: {
        metadata: { labels: mysqlLabels(owner), annotations: { [CONFIG_HASH_ANNOTATION]: hash } },
        spec: {
          containers: [
            {
              name: CONTAINER_NAME,
              image: spec.image,
              ports: [{ name: MYSQL_PORT_NAME, containerPort: MYSQL_PORT, protocol: 'TCP' }],
              // A reference, never a literal: the password is in the Secret alone.
              env: [
                {
                  name: 'MYSQL_ROOT_PASSWORD',
                  valueFrom: { secretKeyRef: { name: rootPasswordSecretName(owner), key: ROOT_PASSWORD_KEY } },
                },
              ],
              readinessProbe: MYSQL_READINESS_PROBE,
              ...(resources && { resources }),
              volumeMounts: [
                { name: DATA_VOLUME, mountPath: DATA_PATH },
                { name: CONFIG_VOLUME, mountPath: CONFIG_PATH },
              ],
            },
          ],
          volumes: [{ name: CONFIG_VOLUME, configMap: { name: configMapName(owner), defaultMode: 0o644 } }],
        },
      },
      volumeClaimTemplates: [toDataClaimTemplate(cluster)],
    },
  };
}

/**
 * The PodDisruptionBudget `<name>` above one member: a drain takes at most one member at a time.
 * None for one member, where it would block a drain forever; the reconciler deletes one no longer
 * wanted.
 */
export function toMySQLDisruptionBudget(cluster: DefaultedMySQLCluster): V1PodDisruptionBudget | undefined {
  if (cluster.spec.replicas <= 1) return undefined;
  const owner = cluster;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: mysqlChildMetadata(owner, clusterName(owner)),
    spec: { maxUnavailable: 1, selector: { matchLabels: mysqlSelector(owner) } },
  };
}
