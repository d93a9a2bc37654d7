/**
 * A counting semaphore: at most `max` tasks run at once, the rest wait in arrival order. One per SSH session,
 * because OpenSSH refuses channels past `MaxSessions` (10 by default) instead of queueing them.
 */
export interface Limiter {
  /** Runs `task` when a slot is free; the slot is released however the task ends. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks running now. */
  readonly active: number;
  /** Tasks waiting for a slot. */
  readonly pending: number;
}

/**
 * @example const limit = createLimiter(8); await Promise.all(commands.map((c) => limit.run(() => exec(c))));
 */
export function createLimiter(max: number, onActiveChange?: (active: number) => void): Limiter {
  if (!Number.isInteger(max) || max < 1) throw new Error(`limiter size must be a positive integer, got ${max}`);
  let active = 0;
  const waiting: Array<() => void> = [];

  const acquire = (): Promise<void> => {
    if (active < max) {
      active += 1;
      onActiveChange?.(active);
      return Promise.resolve();
    }
    // The releasing task hands its slot straight to the waiter, so `active` never dips and overshoots.
    return new Promise((resolve) => waiting.push(resolve));
  };

  const release = (): void => {
    const next = waiting.shift();
    if (next) {
      next();
      return;
    }
    active -= 1;
    onActiveChange?.(active);
  };

  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      await acquire();
      try {
        return await task();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get pending() {
      return waiting.length;
    },
  };
}
