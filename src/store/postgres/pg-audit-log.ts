import { auditEntryFromRow, type AuditLog, type AuditRow } from '../audit-log';
import { isoOf, numberOf } from './pg-row-values';
import type { PgSession } from './pg-session';

/** As `pg` reads it: BIGINT as text, TIMESTAMPTZ as a Date, the detail as parsed JSONB. */
type Row = Omit<AuditRow, 'id' | 'at'> & { id: string; at: Date };

/** The PostgreSQL twin of createSqliteAuditLog; ids come from the identity column, in insertion order. */
export function createPgAuditLog(session: PgSession): AuditLog {
  return {
    async record(entry, at) {
      const row = await session.one<{ id: string }>(
        'INSERT INTO audit_log (at, actor, action, node, incident_id, outcome, duration_ms, detail_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb) RETURNING id',
        [
          at,
          entry.actor,
          entry.action,
          entry.node ?? null,
          entry.incidentId ?? null,
          entry.outcome,
          entry.durationMs ?? null,
          JSON.stringify(entry.detail ?? {}),
        ],
      );
      return numberOf(row!.id);
    },
    pruneBefore: (cutoff) => session.run('DELETE FROM audit_log WHERE at < $1', [cutoff]),
    async finish(id, outcome, durationMs, detail) {
      if (detail)
        await session.run('UPDATE audit_log SET outcome = $1, duration_ms = $2, detail_json = $3::jsonb WHERE id = $4', [
          outcome,
          durationMs,
          JSON.stringify(detail),
          id,
        ]);
      else await session.run('UPDATE audit_log SET outcome = $1, duration_ms = $2 WHERE id = $3', [outcome, durationMs, id]);
    },
    async recent(limit) {
      const rows = await session.query<Row>('SELECT * FROM audit_log ORDER BY id DESC LIMIT $1', [limit]);
      return rows.map((r) => auditEntryFromRow({ ...r, id: numberOf(r.id), at: isoOf(r.at) }));
    },
  };
}
