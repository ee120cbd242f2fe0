// The admission routes: which path runs which policy, one per WebApp version, each request judged
// at its client's (./client-version.ts). The one table the server (src/server/build-server.ts) and
// the CLI's offline review (src/cli/review-offline.ts) serve.
import { API_VERSION, MUTATE_PATH, VALIDATE_PATH } from '../constants.ts';
import { V2_VERSION } from '../api/webapp-v2.ts';
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
        [API_VERSION, defaultWebApp],
        [V2_VERSION, defaultWebAppV2],
      ]),
    ),
  },
  {
    path: VALIDATE_PATH,
    webhook: 'validate',
    policy: withValidatorAtClientVersion(
      new Map([
        [API_VERSION, validateWebApp],
        [V2_VERSION, validateWebAppV2],
      ]),
    ),
  },
]);
