// The admission routes: which path runs which policy. The one table the server
// (src/server/build-server.ts) and the CLI's offline review (src/cli/review-offline.ts) serve.
import { MUTATE_PATH, VALIDATE_PATH } from '../constants.ts';
import { defaultWebApp } from '../../webhooks/default-webapp.ts';
import { validateWebApp } from '../../webhooks/validate-webapp.ts';
import { type Policy, withDefaulter, withValidator } from './policy-adapters.ts';

export type Webhook = 'mutate' | 'validate';

export type AdmissionRoute = { path: string; webhook: Webhook; policy: Policy };

export const ADMISSION_ROUTES: readonly AdmissionRoute[] = Object.freeze([
  { path: MUTATE_PATH, webhook: 'mutate', policy: withDefaulter(defaultWebApp) },
  { path: VALIDATE_PATH, webhook: 'validate', policy: withValidator(validateWebApp) },
]);
