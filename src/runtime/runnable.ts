/**
 * A long-running part (controller-runtime's Runnable): start resolves once `signal` aborts and the
 * part has stopped. Parts that need leadership run only on the Lease holder.
 */
export type Runnable = {
  needsLeaderElection: boolean;
  start(signal: AbortSignal): Promise<void>;
};
