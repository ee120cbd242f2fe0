// WebApp as an owner kind of the generic machinery (./owner-kind.ts): read at v1, its storage
// version, the version the reconciler judges (decision 19).
import { API_GROUP, API_VERSION, FINALIZER, WEBAPP_KIND, WEBAPP_PLURAL } from '../constants.ts';
import { CHILD_OWNER_LABEL } from './children.ts';
import type { OwnerKind } from './owner-kind.ts';

export const WEBAPP_OWNER: OwnerKind = Object.freeze({
  kind: WEBAPP_KIND,
  apiVersion: `${API_GROUP}/${API_VERSION}`,
  plural: WEBAPP_PLURAL,
  ownerLabel: CHILD_OWNER_LABEL,
  finalizer: FINALIZER,
  controllerName: 'webapp',
});
