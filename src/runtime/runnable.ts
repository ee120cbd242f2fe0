/**
 * A long-running part (controller-runtime's Runnable): start resolves once `signal` aborts and the
 * part has stopped. Parts that need leadership run only on the Lease holder.
 */
export type Runnable = {
  needsLeaderElection: boolean;
  start(signal: AbortSignal): Promise<void>;
  /**
   * The Manager's start group (controller-runtime's runnable groups), for parts that need no
   * leadership: `servers` start first, then `caches`, then the rest (absent), then the election.
   */
  group?: 'servers' | 'caches';
  /**
   * Called once after start(): resolves when the part is ready for the next group to start (a
   * server listens, a cache has synced), or when `signal` aborts. Never rejects: a part that cannot
   * get ready rejects start() instead. Absent: ready as soon as it has been started.
   */
  ready?(signal: AbortSignal): Promise<void>;
};
