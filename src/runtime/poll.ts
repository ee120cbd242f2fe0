// Waiting for something asynchronous by design (a CRD becoming Established, a reconcile
// converging) by asking again until it answers.
import { CodedError } from '../errors/coded-error.ts';
import { sleep } from './sleep.ts';

export class PollTimeoutError extends CodedError<'POLL_TIMEOUT'> {}

export type PollOptions = {
  timeoutMs: number;
  intervalMs: number;
  /** Asked before each attempt; an error it returns ends the wait at once (a process that exited). */
  giveUp?: () => Promise<Error | undefined>;
};

/**
 * Calls `check` every `intervalMs` until it returns something other than undefined or false, and
 * resolves with that. A throw counts as "not yet". After `timeoutMs` it rejects with a
 * PollTimeoutError naming `what`, whose cause is the last error `check` threw; earlier with the
 * error `giveUp` returns, when it returns one.
 */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  { timeoutMs, intervalMs, giveUp }: PollOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const fatal = await giveUp?.();
    if (fatal) throw fatal;
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    await sleep(intervalMs);
  }
  throw new PollTimeoutError('POLL_TIMEOUT', `not within ${timeoutMs} ms: ${what}`, { cause: last });
}

/**
 * Resolves once `check()` returns true (asked now and then every `intervalMs`), or once `signal`
 * aborts. Never rejects. For readiness that has no event of its own, such as a cache's sync.
 */
export async function whenTrue(check: () => boolean, signal: AbortSignal, intervalMs = 50): Promise<void> {
  while (!signal.aborted && !check()) await sleep(intervalMs, signal);
}
