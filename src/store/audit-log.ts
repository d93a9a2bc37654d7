import type { Sync } from './sqlite/tx-gate';
import type { Db } from './database';
import { jsonObjectSchema, parsedJsonText, parsedOrThrow } from './row-values';

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  node: string | null;
  incidentId: string | null;
  outcome: string;
  durationMs: number | null;
  detail: Record<string, unknown>;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at' | 'node' | 'incidentId' | 'durationMs' | 'detail'> &
  Partial<Pick<AuditEntry, 'node' | 'incidentId' | 'durationMs' | 'detail'>>;

/** Who did what to which node, when, and how it ended: every action and every refusal (SPEC 6). */
export interface AuditLog {
  record(entry: NewAuditEntry, at: Date): Promise<number>;
  /** Updates the outcome of an entry recorded when the action started. */
  finish(id: number, outcome: string, durationMs: number | null, detail?: Record<string, unknown>): Promise<void>;
  recent(limit: number): Promise<AuditEntry[]>;
  /** Retention: removes the entries recorded before `cutoff`; returns how many. */
  pruneBefore(cutoff: Date): Promise<number>;
}

/**
 * An `audit_log` row as both stores hand it over after their driver's normalisation (SQLite: detail JSON text
 * parsed; PostgreSQL: BIGINT as a number, TIMESTAMPTZ as ISO text): the columns named as the entry's fields,
 * plus these.
 */
export type AuditRow = Pick<AuditEntry, 'id' | 'at' | 'actor' | 'action' | 'node' | 'outcome'> & {
  incident_id: string | null;
  duration_ms: number | null;
  detail_json: unknown;
};

/** The one row -> entry mapping of both stores; a damaged detail is an error naming the row (parsed, not cast). */
export const auditEntryFromRow = (r: AuditRow): AuditEntry => ({
  id: r.id,
  at: r.at,
  actor: r.actor,
  action: r.action,
  node: r.node,
  incidentId: r.incident_id,
  outcome: r.outcome,
  durationMs: r.duration_ms,
  detail: parsedOrThrow(r.detail_json, jsonObjectSchema, 'audit_log', r.id, 'detail_json'),
});

export function createSqliteAuditLog(db: Db): Sync<AuditLog> {
  return {
    record(entry, at) {
      const result = db
        .prepare('INSERT INTO audit_log (at, actor, action, node, incident_id, outcome, duration_ms, detail_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(
          at.toISOString(),
          entry.actor,
          entry.action,
          entry.node ?? null,
          entry.incidentId ?? null,
          entry.outcome,
          entry.durationMs ?? null,
          JSON.stringify(entry.detail ?? {}),
        );
      return Number(result.lastInsertRowid);
    },
    finish(id, outcome, durationMs, detail) {
      if (detail)
        db.prepare('UPDATE audit_log SET outcome = ?, duration_ms = ?, detail_json = ? WHERE id = ?').run(outcome, durationMs, JSON.stringify(detail), id);
      else db.prepare('UPDATE audit_log SET outcome = ?, duration_ms = ? WHERE id = ?').run(outcome, durationMs, id);
    },
    recent(limit) {
      const rows = db.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?').all(limit) as (Omit<AuditRow, 'detail_json'> & { detail_json: string })[];
      return rows.map((r) => auditEntryFromRow({ ...r, detail_json: parsedJsonText(r.detail_json) }));
    },
    pruneBefore: (cutoff) => db.prepare('DELETE FROM audit_log WHERE at < ?').run(cutoff.toISOString()).changes,
  };
}
