// The WebApps that changed while no controller was subscribed to the caches (between leadership
// terms), so that a new leader reconciles them before its sweep of every WebApp: a change made
// during a handover is as fresh as one made after it. Only the last `windowMs` count (a handover
// takes about a Lease duration), which also bounds the map: a standby's caches see every status
// write of the leader, and those older than the window are no news to the next one. Newest first:
// the old leader had handled the older ones, most likely; the last ones came after it stopped.
export type RecentChanges = {
  /** `key` (namespace/name) changed now. */
  note(key: string): void;
  /** The keys that changed within the window, latest change first; forgets them all. */
  take(): string[];
};

export function createRecentChanges(options: { windowMs: number; now?: () => number }): RecentChanges {
  const now = options.now ?? (() => performance.now());
  const changed = new Map<string, number>(); // key -> when it last changed, oldest first
  const prune = (at: number) => {
    for (const [key, when] of changed) {
      if (at - when <= options.windowMs) break;
      changed.delete(key);
    }
  };
  return {
    note(key) {
      const at = now();
      changed.delete(key);
      changed.set(key, at);
      prune(at);
    },
    take() {
      prune(now());
      const keys = [...changed.keys()].reverse();
      changed.clear();
      return keys;
    },
  };
}
