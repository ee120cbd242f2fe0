// The statuses this leader wrote that the WebApp watch cache does not show yet. A reconcile woken
// between our status write and its watch event reads the old status from the cache; without this
// it would write (and announce) the same status again. An entry is needed only until the cache
// shows a resourceVersion at least as new as our write's, so it is dropped then (and with the
// WebApp's delete event, which carries its last resourceVersion): the map holds the writes in
// flight, not one status per WebApp ever written this term, as it did before (it grew with every
// WebApp created and never shrank when one was deleted).
import type { WebAppStatus } from '../api/webapp.ts';
import { isNewer } from './applied-cache.ts';
import { statusEqual } from './status.ts';

type Observed = { metadata?: { uid?: string; resourceVersion?: string } };

export function createWrittenStatus() {
  const written = new Map<string, { status: WebAppStatus; resourceVersion: string }>();
  return {
    /** Whether `status` is what we last wrote for `uid`, and the cache has not caught up yet. */
    pending(uid: string | undefined, status: WebAppStatus | undefined): boolean {
      const last = uid === undefined ? undefined : written.get(uid);
      return last !== undefined && status !== undefined && statusEqual(last.status, status);
    },
    /** Our status write for `uid` stored `resourceVersion`. */
    wrote(uid: string | undefined, status: WebAppStatus | undefined, resourceVersion: string | undefined): void {
      if (uid !== undefined && status !== undefined && resourceVersion !== undefined) {
        written.set(uid, { status, resourceVersion });
      }
    },
    /** The watch cache took in `obj` (added, updated or deleted): forget a write it now shows. */
    observe(obj: Observed): void {
      const uid = obj.metadata?.uid;
      const last = uid === undefined ? undefined : written.get(uid);
      if (last && !isNewer(last.resourceVersion, obj.metadata?.resourceVersion ?? '')) written.delete(uid!);
    },
    size: () => written.size,
  };
}
