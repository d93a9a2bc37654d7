import { randomUUID } from 'node:crypto';
import type { PgSession } from '../store/postgres/pg-session';
import { checkPaceKey, type PaceClaim, refusedFor, type SlackPace } from './slack-pace';

const ms = (param: string) => `make_interval(secs => ${param}::double precision / 1000)`;

/**
 * The PostgreSQL twin of createSqliteSlackPace. A claim is one upsert whose update applies only when the key
 * is due: `ON CONFLICT DO UPDATE ... WHERE` locks the key's row and evaluates the condition on its latest
 * version, so of any number of replicas claiming at once exactly one is granted. "Now" is
 * `clock_timestamp()`, read after the row lock is taken (a claim that queued behind another is not stamped
 * with the moment it started waiting), on the database's wall clock all replicas share.
 */
export function createPgSlackPace(session: PgSession): SlackPace {
  return {
    async claim(key, intervalMs, options = {}): Promise<PaceClaim> {
      const holdMs = options.holdMs ?? 0;
      checkPaceKey(key, intervalMs, holdMs);
      const now = options.now ?? null;
      const token = randomUUID();
      const granted = await session.one<{ at: Date }>(
        `INSERT INTO slack_pace AS p (key, next_at, holder)
           VALUES ($1, COALESCE($3::timestamptz, clock_timestamp()) + ${ms('$2')} + ${ms('$4')}, $5)
         ON CONFLICT (key) DO UPDATE
           SET next_at = COALESCE($3::timestamptz, clock_timestamp()) + ${ms('$2')} + ${ms('$4')}, holder = $5
           WHERE p.next_at <= COALESCE($3::timestamptz, clock_timestamp())
         RETURNING p.next_at - ${ms('$2')} - ${ms('$4')} AS at`,
        [key, intervalMs, now, holdMs, token],
      );
      if (granted) return { granted: true, at: granted.at, token };
      const due = await session.one<{ wait_ms: number | string }>(
        `SELECT EXTRACT(EPOCH FROM (next_at - COALESCE($2::timestamptz, clock_timestamp()))) * 1000 AS wait_ms FROM slack_pace WHERE key = $1`,
        [key, now],
      );
      return refusedFor(due ? Number(due.wait_ms) : 0); // the row is always there once refused; 1 ms if it became due
    },
    async release(key, token, intervalMs, now) {
      checkPaceKey(key, intervalMs);
      await session.run(
        `UPDATE slack_pace SET next_at = COALESCE($4::timestamptz, clock_timestamp()) + ${ms('$3')}, holder = NULL WHERE key = $1 AND holder = $2`,
        [key, token, intervalMs, now ?? null],
      );
    },
    async backOff(key, until) {
      checkPaceKey(key);
      const [at, afterMs] = until instanceof Date ? [until, null] : [null, until.afterMs];
      // A back-off ends any hold: the holder's answer must not pull the key back before it.
      await session.run(
        `INSERT INTO slack_pace AS p (key, next_at)
           VALUES ($1, COALESCE($2::timestamptz, clock_timestamp() + ${ms('$3')}))
         ON CONFLICT (key) DO UPDATE SET next_at = GREATEST(p.next_at, EXCLUDED.next_at), holder = NULL`,
        [key, at, afterMs],
      );
    },
  };
}
