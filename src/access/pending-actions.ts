import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Db, Migration } from '../store/database';
import type { Sync } from '../store/sqlite/tx-gate';
import { parsedJsonText, parsedOrUndefined } from '../store/row-values';

/** Version range 50-59: access (pending actions). */
export const PENDING_ACTION_MIGRATIONS: Migration[] = [
  {
    version: 50,
    name: 'pending actions behind buttons',
    sql: `
      CREATE TABLE pending_actions (
        id TEXT PRIMARY KEY,             -- opaque, 128 random bits: the only thing the button carries
        kind TEXT NOT NULL,              -- e.g. 'compaction_confirm'
        params_json TEXT NOT NULL,       -- everything the action needs, as the bot decided it
        allowed_users_json TEXT NOT NULL,-- who may redeem it ('[]': anyone the action's own rules allow)
        issued_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT,
        used_by TEXT
      );
      CREATE INDEX pending_actions_by_expiry ON pending_actions (expires_at);
    `,
  },
];

export interface PendingAction<P = Record<string, unknown>> {
  id: string;
  kind: string;
  params: P;
  allowedUsers: string[];
  issuedAt: string;
  expiresAt: string;
  usedAt: string | null;
  usedBy: string | null;
}

export type RedeemRefusal = 'unknown' | 'used' | 'expired' | 'not_allowed';
export type Redeemed<P> = { ok: true; action: PendingAction<P> } | { ok: false; reason: RedeemRefusal; action?: PendingAction<P> };

/**
 * What the bot offered behind a button, kept server-side (SQLite, so it survives restarts and is shared by
 * replicas on one store). A click names the record by its opaque id; kind, parameters, who may click and until
 * when all come from here, never from the click. An async repository (issue 12): any store implementation
 * passes test/store/contract/pending-actions-contract.ts; timestamps are ISO-8601 UTC strings.
 */
export interface PendingActionStore {
  issue<P extends Record<string, unknown>>(input: { kind: string; params: P; allowedUsers?: readonly string[]; ttlMs: number }, at: Date): Promise<string>;
  /**
   * Checks and marks used in one atomic step: a second redeem of the same id (a double click, a replay, another
   * replica) gets `used`. `params` is as stored: the caller parses it with its own schema.
   */
  redeem<P = Record<string, unknown>>(id: string, kind: string, clicker: string, at: Date): Promise<Redeemed<P>>;
  /** Drops records that expired before `before` (housekeeping). */
  prune(before: Date): Promise<number>;
}

/**
 * A `pending_actions` row as both stores hand it over after their driver's normalisation (SQLite: JSON text
 * parsed; PostgreSQL: TIMESTAMPTZ as ISO text).
 */
export interface PendingActionRow {
  id: string;
  kind: string;
  params_json: unknown;
  allowed_users_json: unknown;
  issued_at: string;
  expires_at: string;
  used_at: string | null;
  used_by: string | null;
}

/** JSON read back from the store is parsed, not cast: a damaged row reads as unknown, never as a half-object. */
const paramsSchema = z.record(z.string(), z.unknown());
const allowedUsersSchema = z.array(z.string());

/** The one row -> action mapping of both stores: undefined for a damaged row (the caller answers `unknown`). */
export const pendingActionFromRow = <P>(row: PendingActionRow): PendingAction<P> | undefined => {
  const params = parsedOrUndefined(row.params_json, paramsSchema);
  const allowedUsers = parsedOrUndefined(row.allowed_users_json, allowedUsersSchema);
  if (!params || !allowedUsers) return undefined;
  return {
    id: row.id,
    kind: row.kind,
    params: params as P,
    allowedUsers,
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
    usedBy: row.used_by,
  };
};

/** As SQLite stores it: the JSON columns as text. */
type Row = Omit<PendingActionRow, 'params_json' | 'allowed_users_json'> & { params_json: string; allowed_users_json: string };

const fromRow = <P>(row: Row): PendingAction<P> | undefined =>
  pendingActionFromRow<P>({ ...row, params_json: parsedJsonText(row.params_json), allowed_users_json: parsedJsonText(row.allowed_users_json) });

/** `pa_` + 22 url-safe characters (128 bits): cannot be guessed or enumerated. */
export function newPendingActionId(): string {
  return `pa_${randomBytes(16).toString('base64url')}`;
}

export function createSqlitePendingActionStore(db: Db): Sync<PendingActionStore> {
  const prune = (before: Date) => db.prepare('DELETE FROM pending_actions WHERE expires_at < ?').run(before.toISOString()).changes;
  return {
    issue({ kind, params, allowedUsers = [], ttlMs }, at) {
      // Housekeeping on the way: records a day past their expiry are only clutter (the audit log keeps clicks).
      prune(new Date(at.getTime() - 86_400_000));
      const id = newPendingActionId();
      db.prepare('INSERT INTO pending_actions (id, kind, params_json, allowed_users_json, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)').run(
        id,
        kind,
        JSON.stringify(params),
        JSON.stringify(allowedUsers),
        at.toISOString(),
        new Date(at.getTime() + ttlMs).toISOString(),
      );
      return id;
    },
    redeem<P>(id: string, kind: string, clicker: string, at: Date): Redeemed<P> {
      return db
        .transaction((): Redeemed<P> => {
          const row = db.prepare('SELECT * FROM pending_actions WHERE id = ? AND kind = ?').get(id, kind) as Row | undefined;
          const action = row && fromRow<P>(row);
          if (!row || !action) return { ok: false, reason: 'unknown' };
          if (row.used_at) return { ok: false, reason: 'used', action };
          if (Date.parse(row.expires_at) < at.getTime()) return { ok: false, reason: 'expired', action };
          if (action.allowedUsers.length > 0 && !action.allowedUsers.includes(clicker)) return { ok: false, reason: 'not_allowed', action };
          db.prepare('UPDATE pending_actions SET used_at = ?, used_by = ? WHERE id = ? AND used_at IS NULL').run(at.toISOString(), clicker, id);
          return { ok: true, action };
        })
        .immediate();
    },
    prune,
  };
}
