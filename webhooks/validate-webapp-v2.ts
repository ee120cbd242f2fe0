// The validating webhook's policy for a WebApp v2 (issue #35): checkWebAppV2's violations, with the
// ratcheting and warning rules of ./validate-webapp.ts, so an UPDATE keeps a v2 field's existing
// violation (a second port a lowered max-port now refuses) with a warning, as a v1 field's.
import { checkWebAppV2 } from './check-webapp-v2.ts';
import type { Validator } from './policy.ts';
import { ratcheting } from './validate-webapp.ts';

/** Validates a v2 WebApp; `old` is the stored object, at v2, on an UPDATE. */
export const validateWebAppV2: Validator = ratcheting(checkWebAppV2);
