import type { PgSession } from '../store/postgres/pg-session';
import { isoOf, isoOrNull } from '../store/postgres/pg-row-values';
import { newPendingActionId, pendingActionFromRow, type PendingAction, type PendingActionRow, type PendingActionStore, type Redeemed } from './pending-actions';

/** As `pg` reads it: TIMESTAMPTZ as a Date, the JSON columns as parsed JSONB. */
type Row = Omit<PendingActionRow, 'issued_at' | 'expires_at' | 'used_at'> & { issued_at: Date; expires_at: Date; used_at: Date | null };

const fromRow = <P>(row: Row): PendingAction<P> | undefined =>
  pendingActionFromRow<P>({ ...row, issued_at: isoOf(row.issued_at), expires_at: isoOf(row.expires_at), used_at: isoOrNull(row.used_at) });

/**
 * The PostgreSQL twin of createSqlitePendingActionStore. A redeem locks its row (`FOR UPDATE`), so two
 * replicas redeeming one id at once are served one after the other: the second finds it used.
 */
export function createPgPendingActionStore(session: PgSession): PendingActionStore {
  const prune = (before: Date) => session.run('DELETE FROM pending_actions WHERE expires_at < $1', [before]);
  return {
    async issue({ kind, params, allowedUsers = [], ttlMs }, at) {
      await prune(new Date(at.getTime() - 86_400_000));
      const id = newPendingActionId();
      await session.run(
        'INSERT INTO pending_actions (id, kind, params_json, allowed_users_json, issued_at, expires_at) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5, $6)',
        [id, kind, JSON.stringify(params), JSON.stringify(allowedUsers), at, new Date(at.getTime() + ttlMs)],
      );
      return id;
    },
    redeem<P>(id: string, kind: string, clicker: string, at: Date): Promise<Redeemed<P>> {
      return session.withTx(async (): Promise<Redeemed<P>> => {
        const row = await session.one<Row>('SELECT * FROM pending_actions WHERE id = $1 AND kind = $2 FOR UPDATE', [id, kind]);
        const action = row && fromRow<P>(row);
        if (!row || !action) return { ok: false, reason: 'unknown' };
        if (row.used_at) return { ok: false, reason: 'used', action };
        if (row.expires_at.getTime() < at.getTime()) return { ok: false, reason: 'expired', action };
        if (action.allowedUsers.length > 0 && !action.allowedUsers.includes(clicker)) return { ok: false, reason: 'not_allowed', action };
        await session.run('UPDATE pending_actions SET used_at = $1, used_by = $2 WHERE id = $3 AND used_at IS NULL', [at, clicker, id]);
        return { ok: true, action };
      });
    },
    prune,
  };
}
