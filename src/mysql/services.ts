// A MySQLCluster's two Services (issue #36). Pure server-side apply bodies holding only the fields
// Shipshape owns.
import type { V1Service } from '@kubernetes/client-node';
import type { DefaultedMySQLCluster } from '../api/mysqlcluster.ts';
import {
  MYSQL_PORT,
  MYSQL_PORT_NAME,
  clusterName,
  membersServiceName,
  mysqlChildMetadata,
  mysqlSelector,
} from './names.ts';

const PORTS = [{ name: MYSQL_PORT_NAME, port: MYSQL_PORT, targetPort: MYSQL_PORT_NAME, protocol: 'TCP' }];

/**
 * The headless Service `<name>-members`, the StatefulSet's serviceName: it gives each member a
 * stable DNS name (`<name>-0.<name>-members`). publishNotReadyAddresses, so that members find one
 * another by name while they start, before they are Ready.
 */
export function toMembersService(cluster: DefaultedMySQLCluster): V1Service {
  const owner = cluster;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: mysqlChildMetadata(owner, membersServiceName(owner)),
    spec: {
      type: 'ClusterIP',
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: mysqlSelector(owner),
      ports: PORTS.map((port) => ({ ...port })),
    },
  };
}

/** The client Service `<name>`: a cluster IP in front of the Ready members. */
export function toClientService(cluster: DefaultedMySQLCluster): V1Service {
  const owner = cluster;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: mysqlChildMetadata(owner, clusterName(owner)),
    spec: {
      type: 'ClusterIP',
      selector: mysqlSelector(owner),
      ports: PORTS.map((port) => ({ ...port })),
    },
  };
}
