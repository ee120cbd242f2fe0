// The errors of a MySQLCluster's children builders (issue #36). Each is a bug upstream of them (an
// object handed over without what every stored MySQLCluster has, a random source that returns too
// little), not a state of the cluster, so the reconciler lets it propagate and the controller logs
// it with its code.
import { CodedError } from '../errors/coded-error.ts';

export type MySQLErrorCode = 'MYSQL_NO_NAME' | 'MYSQL_NO_UID' | 'MYSQL_SHORT_RANDOM';

export class MySQLError extends CodedError<MySQLErrorCode> {}
