import type { PgSession } from '../store/postgres/pg-session';
import { isoOf } from '../store/postgres/pg-row-values';
import { parseDiagnosis, type DiagnosisStore, type RecordedDiagnosis } from './diagnosis-store';

const recorded = (row: { at: Date; result_json: unknown } | undefined): RecordedDiagnosis | undefined => {
  const result = row && parseDiagnosis(row.result_json);
  return row && result ? { at: isoOf(row.at), result } : undefined;
};

/** The PostgreSQL twin of createSqliteDiagnosisStore. */
export function createPgDiagnosisStore(session: PgSession): DiagnosisStore {
  return {
    async record(node, at, result, incidentId) {
      const row = await session.one<{ id: string }>(
        `INSERT INTO diagnoses (node, started_at, at, result_json) VALUES ($1, $2, $3, $4)
         ON CONFLICT (node, started_at) DO UPDATE SET result_json = excluded.result_json RETURNING id`,
        [node, result.startedAt, at, JSON.stringify(result)],
      );
      if (row && incidentId !== undefined) await session.run('UPDATE incidents SET diagnosis_id = $1 WHERE id = $2', [row.id, incidentId]);
    },
    latest: async (node) =>
      recorded(
        await session.one<{ at: Date; result_json: unknown }>(
          'SELECT at, result_json FROM diagnoses WHERE node = $1 ORDER BY started_at DESC, id DESC LIMIT 1',
          [node],
        ),
      ),
    ofIncident: async (incidentId) =>
      recorded(
        await session.one<{ at: Date; result_json: unknown }>(
          'SELECT d.at, d.result_json FROM incidents i JOIN diagnoses d ON d.id = i.diagnosis_id WHERE i.id = $1',
          [incidentId],
        ),
      ),
    pruneBefore: (before) =>
      session.run('DELETE FROM diagnoses WHERE at < $1 AND id NOT IN (SELECT diagnosis_id FROM incidents WHERE diagnosis_id IS NOT NULL)', [before]),
  };
}
