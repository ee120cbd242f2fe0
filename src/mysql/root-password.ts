// The root password Secret `<name>-root-password` (issue #36): a generated password, created once
// (ReconcileContext.create, a POST that never updates) when the watch cache shows none, and never
// applied, updated, logged, or put in an Event, a span or the status. The Pods read it through a
// secretKeyRef (statefulset.ts); the only copy Shipshape ever holds is this body, on its way to the
// POST.
//
// It has NO ownerReference, unlike every other child. With claimRetention Retain (the default) the
// data claims outlive the MySQLCluster, and the data in them was initialised with this password
// (MYSQL_ROOT_PASSWORD is read only when the data directory is empty). A cluster recreated with the
// same name re-adopts the claims `data-<name>-N`, so it must find the same password: garbage
// collection must not delete the Secret with the cluster. The finalizer's cleanup deletes it
// itself, with the claims, when claimRetention is Delete (cleanup.ts).
import { randomBytes } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import type { MySQLCluster } from '../api/mysqlcluster.ts';
import { MySQLError } from './mysql-error.ts';
import { ROOT_PASSWORD_KEY, mysqlLabels, rootPasswordSecretName } from './names.ts';

/** crypto.randomBytes's shape: injected so tests see a known password, and can look for it. */
export type RandomSource = (size: number) => Buffer;

/** 32 bytes: 256 bits, 43 base64url characters (no quoting trouble in a shell or a my.cnf). */
export const PASSWORD_BYTES = 32;

/** A fresh password: PASSWORD_BYTES random bytes as base64url. */
export function generatePassword(random: RandomSource = randomBytes): string {
  const bytes = random(PASSWORD_BYTES);
  if (bytes.length < PASSWORD_BYTES) {
    throw new MySQLError('MYSQL_SHORT_RANDOM', `the random source returned ${bytes.length} of ${PASSWORD_BYTES} bytes`);
  }
  return bytes.toString('base64url');
}

/** The Secret's body, with a password of its own: build it only to create it. */
export function toRootPasswordSecret(
  owner: Pick<MySQLCluster, 'metadata'>,
  random: RandomSource = randomBytes,
): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: rootPasswordSecretName(owner),
      namespace: owner.metadata.namespace,
      labels: mysqlLabels(owner),
    },
    type: 'Opaque',
    data: { [ROOT_PASSWORD_KEY]: Buffer.from(generatePassword(random)).toString('base64') },
  };
}
