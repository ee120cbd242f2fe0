// The HTTPS server as a Runnable, so the Manager starts and stops it with the rest: listening is
// its start (a port that cannot be bound rejects, which stops the process) and its readiness (the
// Manager's `servers` group: the webhooks answer before the caches and the election start), the
// signal's abort closes it: no new connection is accepted, idle ones are closed, and requests on
// the others, in flight or arriving, are answered before it resolves (build-server.ts says why
// not a 503).
import type { Runnable } from '../runtime/runnable.ts';
import { aborted } from '../runtime/aborted.ts';
import { createReadyLatch } from '../runtime/ready-latch.ts';

/** What the Runnable needs of a Fastify instance (any server type, any logger). */
export type Listener = { listen(address: { host: string; port: number }): Promise<unknown>; close(): Promise<unknown> };

export function toServerRunnable(app: Listener, address: { host: string; port: number }): Runnable {
  const listening = createReadyLatch();
  return {
    needsLeaderElection: false,
    group: 'servers',
    ready: listening.ready,
    async start(signal: AbortSignal): Promise<void> {
      await app.listen(address);
      listening.open();
      await aborted(signal);
      await app.close();
    },
  };
}
