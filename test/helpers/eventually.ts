import { pollUntil } from '../../src/runtime/poll.ts';

/**
 * Retries `check` until it returns a value other than undefined/false; after `timeoutMs`, rejects
 * with a PollTimeoutError whose cause is the last error. For convergence, asynchronous by design.
 */
export function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  return pollUntil(what, check, { timeoutMs, intervalMs: 100 });
}
