/**
 * Capped exponential backoff with full jitter: many bot instances retrying against one org (or one
 * channel's connector) spread out instead of hammering it in step.
 */
export interface BackoffPolicy {
  /** Delay ceiling of the first retry, in ms. */
  initialMs: number;
  /** No delay ever exceeds this, in ms. */
  maxMs: number;
}

/** A random delay in [initial/2, min(max, initial * 2^attempt)] for retry number `attempt` (0-based). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  const floor = Math.min(ceiling, policy.initialMs / 2);
  return Math.round(floor + random() * (ceiling - floor));
}

/** Resolves after `ms`, or at once when `signal` aborts (shutdown must not wait out a backoff). */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
