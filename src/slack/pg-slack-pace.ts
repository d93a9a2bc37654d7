import type { PgSession } from '../store/postgres/pg-session';
import { checkPaceKey, type PaceClaim, refusedFor, type SlackPace } from './slack-pace';

/**
 * The PostgreSQL twin of createSqliteSlackPace. A claim is one upsert whose update applies only when the key
 * is due: `ON CONFLICT DO UPDATE ... WHERE` locks the key's row and evaluates the condition on its latest
 * version, so of any number of replicas claiming at once exactly one is granted. "Now" is
 * `clock_timestamp()`, read after the row lock is taken (a claim that queued behind another is not stamped
 * with the moment it started waiting), on the database's wall clock all replicas share.
 */
export function createPgSlackPace(session: PgSession): SlackPace {
  return {
    async claim(key, intervalMs, now): Promise<PaceClaim> {
      checkPaceKey(key, intervalMs);
      const granted = await session.one<{ at: Date }>(
        `INSERT INTO slack_pace AS p (key, next_at)
           VALUES ($1, COALESCE($3::timestamptz, clock_timestamp()) + make_interval(secs => $2::double precision / 1000))
         ON CONFLICT (key) DO UPDATE
           SET next_at = COALESCE($3::timestamptz, clock_timestamp()) + make_interval(secs => $2::double precision / 1000)
           WHERE p.next_at <= COALESCE($3::timestamptz, clock_timestamp())
         RETURNING p.next_at - make_interval(secs => $2::double precision / 1000) AS at`,
        [key, intervalMs, now ?? null],
      );
      if (granted) return { granted: true, at: granted.at };
      const due = await session.one<{ wait_ms: number | string }>(
        `SELECT EXTRACT(EPOCH FROM (next_at - COALESCE($2::timestamptz, clock_timestamp()))) * 1000 AS wait_ms FROM slack_pace WHERE key = $1`,
        [key, now ?? null],
      );
      return refusedFor(due ? Number(due.wait_ms) : 0); // the row is always there once refused; 1 ms if it became due
    },
    async backOff(key, until) {
      checkPaceKey(key);
      const [at, afterMs] = until instanceof Date ? [until, null] : [null, until.afterMs];
      await session.run(
        `INSERT INTO slack_pace AS p (key, next_at)
           VALUES ($1, COALESCE($2::timestamptz, clock_timestamp() + make_interval(secs => $3::double precision / 1000)))
         ON CONFLICT (key) DO UPDATE SET next_at = GREATEST(p.next_at, EXCLUDED.next_at)`,
        [key, at, afterMs],
      );
    },
  };
}
