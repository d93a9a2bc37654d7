import type { PgSession } from '../store/postgres/pg-session';
import { checkPaceKey, type PaceSlot, type SlackPace } from './slack-pace';

interface SlotRow {
  slot: Date;
  wait_ms: number | string;
}

/**
 * The PostgreSQL twin of createSqliteSlackPace: one upsert per reservation. `ON CONFLICT DO UPDATE` locks the
 * key's row and applies the update to its latest version, so concurrent reservations from any replica queue
 * on that row and each gets the slot after the previous one's. Without `now`, "now" is `clock_timestamp()`
 * (the wall clock of the database, not the transaction start `now()` gives), the one clock all replicas share.
 */
export function createPgSlackPace(session: PgSession): SlackPace {
  return {
    async reserve(key, intervalMs, now): Promise<PaceSlot> {
      checkPaceKey(key, intervalMs);
      const row = await session.one<SlotRow>(
        `WITH base AS (SELECT COALESCE($3::timestamptz, clock_timestamp()) AS now, make_interval(secs => $2::double precision / 1000) AS gap)
         INSERT INTO slack_pace AS p (key, next_at)
           SELECT $1, base.now + base.gap FROM base
         ON CONFLICT (key) DO UPDATE
           SET next_at = GREATEST(p.next_at, (SELECT now FROM base)) + (SELECT gap FROM base)
         RETURNING p.next_at - (SELECT gap FROM base) AS slot,
                   GREATEST(0, EXTRACT(EPOCH FROM (p.next_at - (SELECT gap FROM base) - (SELECT now FROM base))) * 1000) AS wait_ms`,
        [key, intervalMs, now ?? null],
      );
      if (!row) throw new Error(`Slack pace: no slot returned for ${key}`);
      return { at: row.slot, waitMs: Math.ceil(Number(row.wait_ms)) }; // never early: round the wait up
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
