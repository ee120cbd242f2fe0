// The statuses this leader wrote that the owner's watch cache does not show yet (any owner kind:
// generic over its status type, compared as JSON, as statusEqual does). A reconcile woken between
// our status write and its watch event reads the old status from the cache; without this it would
// write (and announce) the same status again. An entry is needed only until the cache shows a
// resourceVersion at least as new as our write's, so it is dropped then (and with the owner's
// delete event, which carries its last resourceVersion): the map holds the writes in flight, not
// one status per owner ever written this term, as it did before (it grew with every WebApp created
// and never shrank when one was deleted).
import { jsonEqual } from '../json/json.ts';
import { isNewer } from './applied-cache.ts';

type Observed = { metadata?: { uid?: string; resourceVersion?: string } };

export function createWrittenStatus<Status = unknown>() {
  const written = new Map<string, { status: Status; resourceVersion: string }>();
  return {
    /** Whether `status` is what we last wrote for `uid`, and the cache has not caught up yet. */
    pending(uid: string | undefined, status: Status | undefined): boolean {
      const last = uid === undefined ? undefined : written.get(uid);
      return last !== undefined && status !== undefined && jsonEqual(last.status, status);
    },
    /** Our status write for `uid` stored `resourceVersion`. */
    wrote(uid: string | undefined, status: Status | undefined, resourceVersion: string | undefined): void {
      if (uid !== undefined && status !== undefined && resourceVersion !== undefined) {
        written.set(uid, { status, resourceVersion });
      }
    },
    /**
     * `obj` as the cache has it, with the status we wrote in place of its own while the cache does
     * not show our write yet (read your own writes): a reconcile woken in between compares with,
     * and announces against, what is stored, not an older status (which would announce again what
     * the last write said, a second Warning Event for one change).
     */
    overlay<T extends Observed & { status?: unknown }>(obj: T): T {
      const uid = obj.metadata?.uid;
      const last = uid === undefined ? undefined : written.get(uid);
      if (!last || !isNewer(last.resourceVersion, obj.metadata?.resourceVersion ?? '')) return obj;
      return { ...obj, status: last.status };
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
