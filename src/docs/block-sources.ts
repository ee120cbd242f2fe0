// Every generated block, by the NAME its markers carry (generated-blocks.ts), and its renderer.
// A block is added here and its markers put in one page; `npm run render` does the rest.
import { renderCliHelp } from './cli-help.ts';
import { renderMetricsTable } from './metrics-table.ts';
import { renderMySQLClusterReference } from './mysqlcluster-reference.ts';
import { renderSettingsTable } from './settings-table.ts';
import { REFERENCE_VERSIONS, renderWebAppReference } from './webapp-reference.ts';

export const BLOCK_RENDERERS: Readonly<Record<string, () => string>> = {
  /** docs/configuration.md, from src/config/settings.ts. */
  settings: () => renderSettingsTable(),
  /** docs/api.md, from the CRD's schema (src/api/webapp.ts), defaults.ts and webhooks/limits.ts. */
  'webapp-api': () => renderWebAppReference(),
  /** docs/api.md, from v2's schema in the CRD (src/api/webapp-v2.ts), defaults-v2.ts and the limits. */
  'webapp-api-v2': () => renderWebAppReference(REFERENCE_VERSIONS.v2.placements, REFERENCE_VERSIONS.v2),
  /** docs/mysqlcluster.md, from the MySQLCluster CRD's schema, its policies and the mysql settings. */
  'mysqlcluster-api': () => renderMySQLClusterReference(),
  /** docs/telemetry.md, from src/telemetry/metric-definitions.ts. */
  metrics: () => renderMetricsTable(),
  /** docs/cli.md, from src/cli/options.ts and help.ts. */
  'cli-help': renderCliHelp,
};
