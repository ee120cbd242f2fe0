// The admission routes: which path runs which policy, one per WebApp version, each request judged
// at its client's (./client-version.ts). The one table the server (src/server/build-server.ts) and
// the CLI's offline review (src/cli/review-offline.ts) serve.
import { MUTATE_PATH, VALIDATE_PATH, WEBAPP_API_VERSION } from '../constants.ts';
import { WEBAPP_V2_API_VERSION } from '../api/webapp-v2.ts';
import { defaultWebApp } from '../../webhooks/default-webapp.ts';
import { defaultWebAppV2 } from '../../webhooks/default-webapp-v2.ts';
import { validateWebApp } from '../../webhooks/validate-webapp.ts';
import { validateWebAppV2 } from '../../webhooks/validate-webapp-v2.ts';
import { withDefaulterAtClientVersion, withValidatorAtClientVersion } from './client-version.ts';
import type { Policy } from './policy-adapters.ts';

export type Webhook = 'mutate' | 'validate';

export type AdmissionRoute = { path: string; webhook: Webhook; policy: Policy };

export const ADMISSION_ROUTES: readonly AdmissionRoute[] = Object.freeze([
  {
    path: MUTATE_PATH,
    webhook: 'mutate',
    policy: withDefaulterAtClientVersion(
      new Map([
        [WEBAPP_API_VERSION, defaultWebApp],
        [WEBAPP_V2_API_VERSION, defaultWebAppV2],
      ]),
    ),
  },
  {
    path: VALIDATE_PATH,
    webhook: 'validate',
    policy: withValidatorAtClientVersion(
      new Map([
        [WEBAPP_API_VERSION, validateWebApp],
        [WEBAPP_V2_API_VERSION, validateWebAppV2],
      ]),
    ),
  },
]);
