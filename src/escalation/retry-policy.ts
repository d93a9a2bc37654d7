export interface RetryPolicy {
  /** Sending attempts in all, the first included. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * When to try a failed page again: exponential backoff with jitter (half to all of the step), so pages that
 * failed together during an outage do not all hit the recovering service at the same instant. A server's
 * `Retry-After` wins when it asks for longer. Undefined once the attempts are spent.
 * @example nextAttemptDelay({ attempts: 5, initialDelayMs: 2000, maxDelayMs: 60000 }, 1, () => 1) // 2000
 */
export function nextAttemptDelay(policy: RetryPolicy, attemptsMade: number, random: () => number = Math.random, retryAfterMs?: number): number | undefined {
  if (attemptsMade >= policy.attempts) return undefined;
  const step = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attemptsMade - 1));
  const jittered = Math.round(step * (0.5 + random() / 2));
  return Math.max(jittered, retryAfterMs ?? 0);
}
