import { randomUUID } from 'node:crypto';
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
  {
    version: 73,
    name: 'a Slack pace key is held by the call on its way out until it is answered',
    sql: `
      ALTER TABLE slack_pace ADD COLUMN holder TEXT; -- the token of the call in flight; its answer releases the key
    `,
  },
];

/**
 * The answer to "may this call leave now?": granted at `at` (the store's time) with the `token` that releases
 * the key when the call is answered, or refused with the wait until the key is due (`waitMs` from the store's
 * "now", at least 1).
 */
export type PaceClaim = { granted: true; at: Date; token: string } | { granted: false; waitMs: number };

export interface ClaimOptions {
  /**
   * How long the key stays held for an answer on top of the interval: others wait for the holder's
   * `release`, or for this much longer if it never comes (the holder died mid-call). 0: no hold.
   */
  holdMs?: number;
  /** Tests and the single SQLite process only (see the clocks note on SlackPace). */
  now?: Date;
}

/** How long to hold everyone off after a 429: an absolute time, or Slack's `Retry-After` from the store's now. */
export type BackOffUntil = Date | { afterMs: number };

/**
 * Slack's limits are per app and channel (chat.postMessage: about one message per second per channel; SPEC 10),
 * not per process: with three replicas each pacing itself, a channel gets three times its share. This keeps
 * the pace in the store. The Slack queue claims the key right before each call leaves (after any other check),
 * so two granted claims are at least the interval apart on one clock, whichever replicas hold them; a refused
 * claim says how long to wait. A 429 calls `backOff`.
 *
 * Why a claim at departure rather than a slot reserved ahead: a reserved slot is used later than granted
 * (the store's answer, a fence check, a busy event loop, a stalled process), and the next replica's slot does
 * not move with it, so two calls could leave closer than the pace. A claim stamps the departure itself.
 *
 * Clocks: on PostgreSQL, replicas must pass no `now` (nor an absolute `until` computed from their own clock)
 * so the database's `clock_timestamp()` is the one clock every replica shares. `now` is for tests and for the
 * single SQLite process, whose clock is the only one.
 */
export interface SlackPace {
  /**
   * Atomically: when `key` is due (its stored next departure is at or before now, or it has none), grants the
   * call and moves the next departure to now + `intervalMs` + `holdMs`; otherwise refuses it and changes nothing.
   */
  claim(key: string, intervalMs: number, options?: ClaimOptions): Promise<PaceClaim>;
  /**
   * The held call was answered: the next departure becomes now + `intervalMs` (usually earlier than the hold),
   * only while `token` still holds the key (a back-off since, or a takeover after the hold ran out, wins).
   */
  release(key: string, token: string, intervalMs: number, now?: Date): Promise<void>;
  /** Pushes the key's next departure to at least `until` for every replica (a 429's Retry-After); never pulls it earlier. */
  backOff(key: string, until: BackOffUntil): Promise<void>;
}

export function checkPaceKey(key: string, intervalMs?: number, holdMs = 0): void {
  if (key.length === 0) throw new Error('empty Slack pace key');
  if (intervalMs !== undefined && !(Number.isFinite(intervalMs) && intervalMs >= 0)) throw new Error(`bad Slack pace interval ${intervalMs}`);
  if (!(Number.isFinite(holdMs) && holdMs >= 0)) throw new Error(`bad Slack pace hold ${holdMs}`);
}

/** A refusal's wait: never 0, so a caller that retries at once after rounding does not spin. */
export function refusedFor(waitMs: number): PaceClaim {
  return { granted: false, waitMs: Math.max(1, Math.ceil(waitMs)) };
}

/**
 * The embedded store's implementation. Read-then-write inside one IMMEDIATE transaction (better-sqlite3 is
 * synchronous and IMMEDIATE takes the file's write lock first), so two connections to one file never both
 * get a claim for one moment. Being in the file, the pace outlives a restart. `clock` is the process's
 * clock, used when `now` is omitted.
 */
export function createSqliteSlackPace(db: Db, clock: () => number = Date.now): Sync<SlackPace> {
  const read = db.prepare('SELECT next_at FROM slack_pace WHERE key = ?');
  const write = db.prepare(
    'INSERT INTO slack_pace (key, next_at, holder) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET next_at = excluded.next_at, holder = excluded.holder',
  );
  const release = db.prepare('UPDATE slack_pace SET next_at = ?, holder = NULL WHERE key = ? AND holder = ?');
  const storedNext = (key: string): number => {
    const row = read.get(key) as { next_at: string } | undefined;
    const at = row ? Date.parse(row.next_at) : NaN;
    return Number.isNaN(at) ? -Infinity : at; // a damaged row paces from now rather than blocking the channel
  };
  const claim = db.transaction((key: string, intervalMs: number, holdMs: number, nowMs: number): PaceClaim => {
    const next = storedNext(key);
    if (next > nowMs) return refusedFor(next - nowMs);
    const token = randomUUID();
    write.run(key, new Date(nowMs + intervalMs + holdMs).toISOString(), token);
    return { granted: true, at: new Date(nowMs), token };
  });
  // A back-off ends any hold: the holder's answer must not pull the key back before it.
  const backOff = db.transaction((key: string, untilMs: number) => {
    write.run(key, new Date(Math.max(untilMs, storedNext(key))).toISOString(), null);
  });
  return {
    claim(key, intervalMs, options = {}) {
      checkPaceKey(key, intervalMs, options.holdMs);
      return claim.immediate(key, intervalMs, options.holdMs ?? 0, (options.now ?? new Date(clock())).getTime());
    },
    release(key, token, intervalMs, now) {
      checkPaceKey(key, intervalMs);
      release.run(new Date((now?.getTime() ?? clock()) + intervalMs).toISOString(), key, token);
    },
    backOff(key, until) {
      checkPaceKey(key);
      backOff.immediate(key, until instanceof Date ? until.getTime() : clock() + until.afterMs);
    },
  };
}

/**
 * The single process's pace on its own clock (SQLite; a fake clock in tests): every call is given that
 * clock's "now", so the queue's waits and the store's stamps are on one clock.
 */
export function paceOnClock(pace: SlackPace, now: () => number): SlackPace {
  return {
    claim: (key, intervalMs, options) => pace.claim(key, intervalMs, { ...options, now: new Date(now()) }),
    release: (key, token, intervalMs) => pace.release(key, token, intervalMs, new Date(now())),
    backOff: (key, until) => pace.backOff(key, until instanceof Date ? until : new Date(now() + until.afterMs)),
  };
}
