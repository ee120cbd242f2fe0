// The readiness of a Runnable that becomes ready once, from inside its start() (a server that
// listens, a first check done): the part opens the latch, the Manager awaits `ready`.
import { aborted } from './aborted.ts';

export function createReadyLatch() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    /** Marks the part ready; later calls do nothing. */
    open: () => open(),
    /** A Runnable's `ready`: resolves once opened, or when `signal` aborts. Never rejects. */
    ready: (signal: AbortSignal): Promise<void> => Promise.race([opened, aborted(signal)]),
  };
}
