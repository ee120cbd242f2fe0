// MySQL server versions (spec.version: major.minor or major.minor.patch) compared numerically, so
// 8.10 is after 8.9 and 8.4 is neither before nor after 8.4.3. Pure.
import { MYSQL_VERSION_PATTERN } from '../src/api/mysqlcluster.ts';

export type MySQLVersion = { major: number; minor: number; patch?: number };

/** undefined when `text` is not a version the schema admits. */
export function parseMySQLVersion(text: unknown): MySQLVersion | undefined {
  if (typeof text !== 'string') return undefined;
  const match = MYSQL_VERSION_PATTERN.exec(text);
  if (!match) return undefined;
  const [, major, minor, , patch] = match;
  return { major: Number(major), minor: Number(minor), ...(patch !== undefined && { patch: Number(patch) }) };
}

/**
 * Negative when `a` is before `b`, positive when after, zero when neither. A version without a
 * patch names a series: 8.4 is neither before nor after 8.4.3 (8.4 runs whatever 8.4 image the
 * tag points at), so only the parts both give are compared.
 */
export function compareMySQLVersions(a: MySQLVersion, b: MySQLVersion): number {
  if (a.major !== b.major) return a.major - b.major;
  if (a.minor !== b.minor) return a.minor - b.minor;
  if (a.patch === undefined || b.patch === undefined) return 0;
  return a.patch - b.patch;
}

/**
 * The release series an upgrade may not skip, oldest first: MySQL supports an upgrade from one
 * long-term series to the next (5.7 to 8.0, 8.0 to 8.4), not across one (5.7 to 8.4: "skipping
 * versions is not supported", MySQL 8.4 Reference Manual, 3.2 Upgrade Paths), because each
 * series' data dictionary upgrade is written for the one before. A version after the last (9.x,
 * the innovation series) counts as one series past it. Major numbers alone cannot say this: 5.7 to
 * 8.0 is one step and 8.0 to 9.7 two.
 */
export const MYSQL_SERIES = ['5.6', '5.7', '8.0', '8.4'] as const;

function seriesIndex(version: MySQLVersion): number {
  const series = `${version.major}.${version.minor}`;
  const i = MYSQL_SERIES.indexOf(series as (typeof MYSQL_SERIES)[number]);
  if (i !== -1) return i;
  // Between or after the known series: just after the last one before it.
  let after = -1;
  MYSQL_SERIES.forEach((s, k) => {
    if (compareMySQLVersions(parseMySQLVersion(s)!, version) < 0) after = k;
  });
  return after + 1;
}

/** The series an upgrade from `from` to `to` skips (the first one), or undefined. */
export function skippedSeries(from: MySQLVersion, to: MySQLVersion): string | undefined {
  const i = seriesIndex(from);
  const j = seriesIndex(to);
  return j > i + 1 ? MYSQL_SERIES[i + 1] : undefined;
}
