// The wait every long-running part ends with: until its signal aborts.

/** Resolves once `signal` aborts, at once if it already has. Never rejects. */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
