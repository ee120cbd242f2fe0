// One copy of each recurring string, for values every cached object repeats: JSON.parse makes a
// new string of every value longer than 10 characters (V8 internalizes only the shorter ones and
// the keys), so 10,000 WebApps' status conditions held 10,000 copies of "MinimumReplicasAvailable",
// of each condition's message and of the same few transition times. `intern` returns the pooled
// copy; the caller stores it instead of its own, which then dies young.
//
// Bounded: at `maxEntries` the pool starts over (strings already shared stay shared, since the
// objects hold them, not the pool), so values that do not recur (names, uids) cost at most one
// pool's worth of entries. Pass only values that are likely to recur.

export type StringPool = {
  intern(value: string): string;
  /** Entries now held (for tests). */
  readonly size: number;
};

export function createStringPool(maxEntries = 4096): StringPool {
  let pool = new Map<string, string>();
  return {
    intern(value) {
      const pooled = pool.get(value);
      if (pooled !== undefined) return pooled;
      if (pool.size >= maxEntries) pool = new Map();
      pool.set(value, value);
      return value;
    },
    get size() {
      return pool.size;
    },
  };
}
