// The reconciler's own guard against a MySQL downgrade (issue #36). Admission refuses a spec.version
// below status.currentVersion, but a client can bypass it (a namespace opted out with the
// `shipshape.dev/webhooks=disabled` label, the webhook down with failurePolicy Ignore): MySQL's
// data dictionary is upgraded in place by a newer server and cannot be read by an older one, so
// such a version is never rolled out. Compared as the webhook compares (webhooks/mysql-version.ts):
// a series (8.4) is neither before nor after one of its releases (8.4.3).
import { compareMySQLVersions, parseMySQLVersion } from '../../webhooks/mysql-version.ts';

/** Why `desired` must not be rolled out over `current` (status.currentVersion), or undefined. */
export function versionDowngrade(current: string | undefined, desired: string): string | undefined {
  const from = parseMySQLVersion(current);
  const to = parseMySQLVersion(desired);
  if (!from || !to || compareMySQLVersions(to, from) >= 0) return undefined;
  return (
    `spec.version cannot go from "${current}" to "${desired}": the members run ${current} ` +
    '(status.currentVersion) and MySQL cannot be downgraded in place; the StatefulSet is left as it is'
  );
}
