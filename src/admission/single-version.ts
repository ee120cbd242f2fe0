// A kind served at one version (MySQLCluster, v1alpha1): its policy judges only requests at that
// version. The webhook configurations register it for that version alone, so another arrives only
// from a misconfigured webhook or a CRD that grew a version its policies were not written for.
import { API_GROUP } from '../constants.ts';
import { AdmissionError } from './admission-error.ts';
import { errored } from './decision.ts';
import type { Policy } from './policy-adapters.ts';

/** `policy` for requests at `version`; any other version is a 400, ADM_WRONG_RESOURCE, naming both. */
export function atVersion(kind: string, version: string, policy: Policy): Policy {
  return (request, context) => {
    const got = (request.requestKind ?? request.kind).version;
    if (request.kind.version === version && got === version) return policy(request, context);
    const message = `this webhook admits ${kind} ${API_GROUP}/${version}, not ${API_GROUP}/${got === version ? request.kind.version : got}`;
    return errored(400, new AdmissionError('ADM_WRONG_RESOURCE', message));
  };
}
