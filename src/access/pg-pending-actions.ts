import { z } from 'zod';
import type { PgSession } from '../store/postgres/pg-session';
import { isoOf, isoOrNull, parsedOrUndefined } from '../store/postgres/pg-row-values';
import { newPendingActionId, type PendingAction, type PendingActionStore, type Redeemed } from './pending-actions';

interface Row {
  id: string;
  kind: string;
  params_json: unknown;
  allowed_users_json: unknown;
  issued_at: Date;
  expires_at: Date;
  used_at: Date | null;
  used_by: string | null;
}

const paramsSchema = z.record(z.string(), z.unknown());
const allowedUsersSchema = z.array(z.string());

/** A damaged row reads as undefined (the caller answers `unknown`), never as a half-object. */
const fromRow = <P>(row: Row): PendingAction<P> | undefined => {
  const params = parsedOrUndefined(row.params_json, paramsSchema);
  const allowedUsers = parsedOrUndefined(row.allowed_users_json, allowedUsersSchema);
  if (!params || !allowedUsers) return undefined;
  return {
    id: row.id,
    kind: row.kind,
    params: params as P,
    allowedUsers,
    issuedAt: isoOf(row.issued_at),
    expiresAt: isoOf(row.expires_at),
    usedAt: isoOrNull(row.used_at),
    usedBy: row.used_by,
  };
};

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
      await session.run('INSERT INTO pending_actions (id, kind, params_json, allowed_users_json, issued_at, expires_at) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5, $6)', [
        id,
        kind,
        JSON.stringify(params),
        JSON.stringify(allowedUsers),
        at,
        new Date(at.getTime() + ttlMs),
      ]);
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
