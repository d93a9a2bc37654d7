import type { Logger } from './logger';

/** A timer handle from a Clock: opaque, only given back to `clear`. */
export type TimerHandle = { readonly __timer: unique symbol } | NodeJS.Timeout;

/**
 * Time and timers as one injected port. Production uses `systemClock`; tests of timing logic use the fake
 * clock in test/harness/fake-clock.ts, which advances on demand and fires callbacks in deadline order, so
 * they assert order and deadlines rather than wall time. Timers from `systemClock` never keep the process
 * alive (they are unref'd): shutdown is explicit.
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  setInterval(callback: () => void, ms: number): TimerHandle;
  clear(handle: TimerHandle | undefined): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms);
    timer.unref?.();
    return timer;
  },
  setInterval(callback, ms) {
    const timer = setInterval(callback, ms);
    timer.unref?.();
    return timer;
  },
  clear(handle) {
    if (handle !== undefined) clearTimeout(handle as NodeJS.Timeout);
  },
};

/**
 * Wraps a timer callback so it cannot throw: a synchronous throw or a rejected promise (a database error, a
 * network failure) is logged and the timer keeps its schedule. An exception escaping a timer would otherwise
 * reach the process guards at best and kill the process at worst.
 */
export function guardTick(log: Pick<Logger, 'error'>, what: string, tick: () => unknown): () => void {
  return () => {
    try {
      const result = tick();
      if (result instanceof Promise) result.catch((err: unknown) => log.error({ err, timer: what }, `${what} failed; it runs again on its next tick`));
    } catch (err) {
      log.error({ err, timer: what }, `${what} failed; it runs again on its next tick`);
    }
  };
}
