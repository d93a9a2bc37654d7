import type { Sync } from './sqlite/tx-gate';
import type { Db } from './database';

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

export function createSqliteAuditLog(db: Db): Sync<AuditLog> {
  return {
    record(entry, at) {
      const result = db
        .prepare('INSERT INTO audit_log (at, actor, action, node, incident_id, outcome, duration_ms, detail_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(at.toISOString(), entry.actor, entry.action, entry.node ?? null, entry.incidentId ?? null, entry.outcome, entry.durationMs ?? null, JSON.stringify(entry.detail ?? {}));
      return Number(result.lastInsertRowid);
    },
    finish(id, outcome, durationMs, detail) {
      if (detail) db.prepare('UPDATE audit_log SET outcome = ?, duration_ms = ?, detail_json = ? WHERE id = ?').run(outcome, durationMs, JSON.stringify(detail), id);
      else db.prepare('UPDATE audit_log SET outcome = ?, duration_ms = ? WHERE id = ?').run(outcome, durationMs, id);
    },
    recent(limit) {
      const rows = db.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?').all(limit) as Record<string, unknown>[];
      return rows.map((r) => ({
        id: r.id as number,
        at: r.at as string,
        actor: r.actor as string,
        action: r.action as string,
        node: (r.node as string | null) ?? null,
        incidentId: (r.incident_id as string | null) ?? null,
        outcome: r.outcome as string,
        durationMs: (r.duration_ms as number | null) ?? null,
        detail: JSON.parse(r.detail_json as string) as Record<string, unknown>,
      }));
    },
    pruneBefore: (cutoff) => db.prepare('DELETE FROM audit_log WHERE at < ?').run(cutoff.toISOString()).changes,
  };
}
