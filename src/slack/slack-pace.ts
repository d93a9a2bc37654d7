import type { Db, Migration } from '../store/database';
import type { Sync } from '../store/sqlite/tx-gate';

/** Version range 70-79: replicas (deduplication and pacing shared through the store). */
export const SLACK_PACE_MIGRATIONS: Migration[] = [
  {
    version: 71,
    name: 'one Slack pace per app and channel, shared by replicas',
    sql: `
      CREATE TABLE slack_pace (
        key TEXT PRIMARY KEY,            -- a channel id, or 'app:<method tier>' for calls paced per app
        next_at TEXT NOT NULL            -- ISO-8601 UTC: the earliest the next call for this key may go out
      );
    `,
  },
];

/** A reserved send slot: `at` in the store's time, `waitMs` from the store's "now" to it (0 when already due). */
export interface PaceSlot {
  at: Date;
  waitMs: number;
}

/** How long to hold everyone off after a 429: an absolute time, or Slack's `Retry-After` from the store's now. */
export type BackOffUntil = Date | { afterMs: number };

/**
 * Slack's limits are per app and channel (chat.postMessage: about one message per second per channel; SPEC 10),
 * not per process: with three replicas each pacing itself, a channel gets three times its share. This keeps
 * the pace in the store. A building block: the Slack queue asks `reserve` before each paced call and waits
 * `waitMs`; a 429 calls `backOff`.
 *
 * Clocks: on PostgreSQL, replicas must pass no `now` (nor an absolute `until` computed from their own clock)
 * so the database's `clock_timestamp()` is the one clock every replica shares; `waitMs` is then measured on
 * that clock too, so a replica whose clock drifts still waits the right time. `now` is for tests and for the
 * single SQLite process, whose clock is the only one.
 */
export interface SlackPace {
  /**
   * Atomically reserves the next send slot for `key`: slot = max(stored next, now); the stored next becomes
   * slot + `intervalMs`. Concurrent callers (any replica) get distinct slots at least `intervalMs` apart.
   */
  reserve(key: string, intervalMs: number, now?: Date): Promise<PaceSlot>;
  /** Pushes the key's next slot to at least `until` for every replica (a 429's Retry-After); never pulls it earlier. */
  backOff(key: string, until: BackOffUntil): Promise<void>;
}

export function checkPaceKey(key: string, intervalMs?: number): void {
  if (key.length === 0) throw new Error('empty Slack pace key');
  if (intervalMs !== undefined && !(Number.isFinite(intervalMs) && intervalMs >= 0)) throw new Error(`bad Slack pace interval ${intervalMs}`);
}

/**
 * The embedded store's implementation. Read-then-write inside one IMMEDIATE transaction (better-sqlite3 is
 * synchronous and IMMEDIATE takes the file's write lock first), so two connections to one file never hand out
 * the same slot. `clock` is the process's clock, used when `now` is omitted.
 */
export function createSqliteSlackPace(db: Db, clock: () => number = Date.now): Sync<SlackPace> {
  const read = db.prepare('SELECT next_at FROM slack_pace WHERE key = ?');
  const write = db.prepare('INSERT INTO slack_pace (key, next_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET next_at = excluded.next_at');
  const storedNext = (key: string): number => {
    const row = read.get(key) as { next_at: string } | undefined;
    const at = row ? Date.parse(row.next_at) : NaN;
    return Number.isNaN(at) ? -Infinity : at; // a damaged row paces from now rather than blocking the channel
  };
  const reserve = db.transaction((key: string, intervalMs: number, nowMs: number): PaceSlot => {
    const slot = Math.max(storedNext(key), nowMs);
    write.run(key, new Date(slot + intervalMs).toISOString());
    return { at: new Date(slot), waitMs: slot - nowMs };
  });
  const backOff = db.transaction((key: string, untilMs: number) => {
    if (untilMs > storedNext(key)) write.run(key, new Date(untilMs).toISOString());
  });
  return {
    reserve(key, intervalMs, now) {
      checkPaceKey(key, intervalMs);
      return reserve.immediate(key, intervalMs, (now ?? new Date(clock())).getTime());
    },
    backOff(key, until) {
      checkPaceKey(key);
      backOff.immediate(key, until instanceof Date ? until.getTime() : clock() + until.afterMs);
    },
  };
}
