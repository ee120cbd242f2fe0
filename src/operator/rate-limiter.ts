// Per-key retry backoff for the work queue: client-go's RateLimiter interface and its
// ItemExponentialFailureRateLimiter (k8s.io/client-go/util/workqueue/default_rate_limiters.go).
//
// client-go's DefaultControllerRateLimiter also wraps an overall token bucket (10 qps, burst 100)
// around this one. We leave it out: it only throttles a storm of failing keys across the whole
// controller, and can be composed here later without changing the queue.

/** Decides how long a key waits before its next retry (client-go's `RateLimiter`). */
export type RateLimiter<K extends string = string> = {
  /** Delay in ms before `key` is retried. Counts one more failure for `key`. */
  when(key: K): number;
  /** Forgets `key`'s failures, so its next `when` starts from the base delay again. */
  forget(key: K): void;
  /** Failures counted for `key` since it was last forgotten. */
  numRequeues(key: K): number;
};

export type ExponentialRateLimiterOptions = {
  /** Delay after the first failure. Default 5 ms, as client-go's controllers use. */
  baseDelayMs?: number;
  /** Upper bound on any delay. Default 1 000 000 ms (1000 s), as client-go's controllers use. */
  maxDelayMs?: number;
};

/**
 * `when(key)` returns `baseDelayMs * 2^failures(key)`, capped at `maxDelayMs`, then counts the
 * failure: with the defaults 5, 10, 20, 40 ms ... reaching the 1000 s cap at the 19th failure.
 * Keys are independent. Throws a RangeError on a negative, non-finite or inverted bound, since
 * that is a wiring mistake rather than something to recover from.
 */
export function createExponentialRateLimiter<K extends string = string>(
  options: ExponentialRateLimiterOptions = {},
): RateLimiter<K> {
  const { baseDelayMs = 5, maxDelayMs = 1_000_000 } = options;
  if (!Number.isFinite(baseDelayMs) || baseDelayMs < 0)
    throw new RangeError(`baseDelayMs must be a finite number >= 0, got ${baseDelayMs}`);
  if (!Number.isFinite(maxDelayMs) || maxDelayMs < baseDelayMs)
    throw new RangeError(`maxDelayMs must be a finite number >= baseDelayMs (${baseDelayMs}), got ${maxDelayMs}`);

  const failures = new Map<K, number>();
  return {
    when(key) {
      const exponent = failures.get(key) ?? 0;
      failures.set(key, exponent + 1);
      // 2 ** exponent becomes Infinity past 2^1023 and Math.min still caps it, so there is no
      // overflow guard as in client-go; only 0 * Infinity (NaN) needs the zero base kept apart.
      return baseDelayMs === 0 ? 0 : Math.min(baseDelayMs * 2 ** exponent, maxDelayMs);
    },
    forget(key) {
      failures.delete(key);
    },
    numRequeues(key) {
      return failures.get(key) ?? 0;
    },
  };
}
