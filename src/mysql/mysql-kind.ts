// MySQLCluster as an owner kind of the generic machinery (src/operator/owner-kind.ts), read at
// v1alpha1, its one (and storage) version. The wiring passes it with MYSQL_CHILD_KINDS and
// reconcileMySQLCluster to createOwnerController.
import { MYSQLCLUSTER_API_VERSION, MYSQLCLUSTER_KIND, MYSQLCLUSTER_PLURAL } from '../api/mysqlcluster.ts';
import { FINALIZER } from '../constants.ts';
import type { OwnerKind } from '../operator/owner-kind.ts';
import { MYSQL_OWNER_LABEL } from './names.ts';

export const MYSQLCLUSTER_OWNER: OwnerKind = Object.freeze({
  kind: MYSQLCLUSTER_KIND,
  apiVersion: MYSQLCLUSTER_API_VERSION,
  plural: MYSQLCLUSTER_PLURAL,
  ownerLabel: MYSQL_OWNER_LABEL,
  finalizer: FINALIZER,
  controllerName: 'mysqlcluster',
});
