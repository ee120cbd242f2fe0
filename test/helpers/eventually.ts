import { isDeepStrictEqual } from 'node:util';
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

/**
 * Reads `read()` until it equals `want` (deep, strict) or `timeoutMs` passes, and returns the last
 * reading either way; a read that throws counts as not there yet, until the deadline. For a test
 * to assert on (`t.strictSame(await settled(read, want), want, ...)`), so that a state that never
 * converges fails with a diff of what differs, not a timeout.
 */
export async function settled<T>(read: () => Promise<T>, want: T, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await read();
      if (isDeepStrictEqual(value, want) || Date.now() >= deadline) return value;
    } catch (err) {
      if (Date.now() >= deadline) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
