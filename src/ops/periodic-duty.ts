import { guardTick, type Clock, type TimerHandle } from './clock';
import type { Logger } from './logger';

/** A period won by this process: run the duty, then `finish()` (false: another replica took it over meanwhile). */
export interface DutyTurn {
  period: string;
  takeover: boolean;
  finish(): Promise<boolean>;
}

/**
 * "Whose turn is this period?" PostgreSQL: a `periodic_runs` row per duty and period (store/postgres/
 * pg-duty-claims.ts), so one replica of all runs it. SQLite: `localDutyClaims`, since one process owns the file.
 */
export interface DutyClaims {
  claim(duty: string, periodMs: number, leaseMs: number): Promise<DutyTurn | undefined>;
}

/** One process on the store (SQLite, the process lock): each period is its own, once. */
export function localDutyClaims(clock: Pick<Clock, 'now'>): DutyClaims {
  const done = new Map<string, number>();
  return {
    async claim(duty, periodMs) {
      const period = Math.floor(clock.now() / periodMs);
      if (done.get(duty) === period) return undefined;
      done.set(duty, period);
      return { period: String(period), takeover: false, finish: async () => true };
    },
  };
}

export interface PeriodicDutyOptions {
  duty: string;
  periodMs: number;
  /** How long a claimant may take before another replica takes the period over. */
  leaseMs: number;
  /** How often to ask whether the period is ours (a claim is one cheap statement). */
  checkEveryMs: number;
  claims: DutyClaims;
  clock: Pick<Clock, 'setInterval' | 'clear'>;
  log: Logger;
  run(turn: DutyTurn): Promise<void>;
}

/**
 * Runs a duty once per period across all replicas: every `checkEveryMs` each replica asks for the current
 * period; the one that gets it runs the duty and records it finished. A replica that dies mid-duty leaves its
 * lease to run out, and the next one to ask takes the period over. Returns the stopper (waits for a run in flight).
 */
export function startPeriodicDuty(options: PeriodicDutyOptions): () => Promise<void> {
  let inFlight: Promise<void> | undefined;
  let stopped = false;
  const tick = async () => {
    if (inFlight || stopped) return;
    const work = (async () => {
      const turn = await options.claims.claim(options.duty, options.periodMs, options.leaseMs);
      if (!turn || stopped) return;
      if (turn.takeover) options.log.warn({ duty: options.duty, period: turn.period }, 'periodic duty taken over from a replica that did not finish it');
      await options.run(turn);
      if (!(await turn.finish()))
        options.log.warn({ duty: options.duty, period: turn.period }, 'periodic duty ran past its lease and was taken over meanwhile');
    })();
    inFlight = work;
    try {
      await work;
    } finally {
      inFlight = undefined;
    }
  };
  const guarded = guardTick(options.log, `periodic duty ${options.duty}`, tick);
  guarded();
  const timer: TimerHandle = options.clock.setInterval(guarded, options.checkEveryMs);
  return async () => {
    stopped = true;
    options.clock.clear(timer);
    await inFlight?.catch(() => undefined);
  };
}
