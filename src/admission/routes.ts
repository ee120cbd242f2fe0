// The admission routes: which path runs which policy for which kind. WebApp's: one policy per
// version, each request judged at its client's (./client-version.ts); MySQLCluster's (issue #36):
// one version, v1alpha1. The one table the server (src/server/build-server.ts) and
// the CLI's offline review (src/cli/review-offline.ts) serve.
import {
  API_VERSION,
  MUTATE_PATH,
  MYSQL_MUTATE_PATH,
  MYSQL_VALIDATE_PATH,
  VALIDATE_PATH,
  WEBAPP_KIND,
} from '../constants.ts';
import { MYSQLCLUSTER_KIND, MYSQLCLUSTER_VERSION } from '../api/mysqlcluster.ts';
import { V2_VERSION } from '../api/webapp-v2.ts';
import { defaultWebApp } from '../../webhooks/default-webapp.ts';
import { defaultWebAppV2 } from '../../webhooks/default-webapp-v2.ts';
import { validateWebApp } from '../../webhooks/validate-webapp.ts';
import { validateWebAppV2 } from '../../webhooks/validate-webapp-v2.ts';
import { defaultMySQLCluster } from '../../webhooks/default-mysqlcluster.ts';
import { validateMySQLCluster } from '../../webhooks/validate-mysqlcluster.ts';
import { withDefaulterAtClientVersion, withValidatorAtClientVersion } from './client-version.ts';
import { type Policy, withDefaulter, withValidator } from './policy-adapters.ts';
import { atVersion } from './single-version.ts';

export type Webhook = 'mutate' | 'validate';

/** `kind` is the shipshape.dev kind the route admits; a review of any other is refused (400). */
export type AdmissionRoute = { path: string; webhook: Webhook; kind: string; policy: Policy };

export const ADMISSION_ROUTES: readonly AdmissionRoute[] = Object.freeze([
  {
    path: MUTATE_PATH,
    webhook: 'mutate',
    kind: WEBAPP_KIND,
    policy: withDefaulterAtClientVersion(
      new Map([
        [API_VERSION, defaultWebApp],
        [V2_VERSION, defaultWebAppV2],
      ]),
    ),
  },
  {
    path: VALIDATE_PATH,
    webhook: 'validate',
    kind: WEBAPP_KIND,
    policy: withValidatorAtClientVersion(
      new Map([
        [API_VERSION, validateWebApp],
        [V2_VERSION, validateWebAppV2],
      ]),
    ),
  },
  {
    path: MYSQL_MUTATE_PATH,
    webhook: 'mutate',
    kind: MYSQLCLUSTER_KIND,
    policy: atVersion(MYSQLCLUSTER_KIND, MYSQLCLUSTER_VERSION, withDefaulter(defaultMySQLCluster)),
  },
  {
    path: MYSQL_VALIDATE_PATH,
    webhook: 'validate',
    kind: MYSQLCLUSTER_KIND,
    policy: atVersion(MYSQLCLUSTER_KIND, MYSQLCLUSTER_VERSION, withValidator(validateMySQLCluster, MYSQLCLUSTER_KIND)),
  },
]);
