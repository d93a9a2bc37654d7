import type { Db, Migration } from '../store/database';
import type { Sync } from '../store/sqlite/tx-gate';
import { diagnosisResultSchema, type DiagnosisResult } from './types';

/** Version range 80-89: diagnoses. */
export const DIAGNOSIS_MIGRATIONS: Migration[] = [
  {
    version: 80,
    name: 'one diagnosis record (replaces node_diagnoses, alert_node_diagnoses and incidents.last_diagnosis_json)',
    sql: `
      CREATE TABLE diagnoses (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        node TEXT NOT NULL,
        started_at TEXT NOT NULL,        -- the result's startedAt: one row per diagnosis run
        at TEXT NOT NULL,                -- when it was recorded (ISO-8601 UTC)
        result_json TEXT NOT NULL,       -- DiagnosisResult, parsed with its zod schema when read
        UNIQUE (node, started_at)
      );
      ALTER TABLE incidents ADD COLUMN diagnosis_id INTEGER;  -- the incident's diagnosis (its header, packet, postmortem)
      -- The three old copies, carried over (the newest wins per node; an incident keeps the one it showed).
      INSERT INTO diagnoses (node, started_at, at, result_json)
        SELECT node, started_at, started_at, result_json FROM alert_node_diagnoses
        WHERE json_valid(result_json) ON CONFLICT DO NOTHING;
      INSERT INTO diagnoses (node, started_at, at, result_json)
        SELECT node, json_extract(result_json, '$.startedAt'), strftime('%Y-%m-%dT%H:%M:%fZ', at / 1000.0, 'unixepoch'), result_json FROM node_diagnoses
        WHERE json_valid(result_json) AND json_extract(result_json, '$.startedAt') IS NOT NULL ON CONFLICT DO NOTHING;
      INSERT INTO diagnoses (node, started_at, at, result_json)
        SELECT json_extract(last_diagnosis_json, '$.node'), json_extract(last_diagnosis_json, '$.startedAt'), opened_at, last_diagnosis_json FROM incidents
        WHERE json_valid(last_diagnosis_json) AND json_extract(last_diagnosis_json, '$.node') IS NOT NULL
          AND json_extract(last_diagnosis_json, '$.startedAt') IS NOT NULL ON CONFLICT DO NOTHING;
      UPDATE incidents SET diagnosis_id = (
        SELECT d.id FROM diagnoses d
        WHERE d.node = json_extract(incidents.last_diagnosis_json, '$.node') AND d.started_at = json_extract(incidents.last_diagnosis_json, '$.startedAt')
      ) WHERE json_valid(last_diagnosis_json);
      ALTER TABLE incidents DROP COLUMN last_diagnosis_json;
      DROP TABLE alert_node_diagnoses;
      DROP TABLE node_diagnoses;
    `,
  },
];

export interface RecordedDiagnosis {
  /** When it was recorded (ISO-8601 UTC); the run's own start is `result.startedAt`. */
  at: string;
  result: DiagnosisResult;
}

/**
 * Every diagnosis of a node, stored once (one row per run: node + startedAt), and which one each incident
 * shows. Callers apply their own freshness rule to the returned times (an alert reuses a run that started
 * up to a minute before it opened; a page's packet takes one recorded within half an hour). A row that no
 * longer fits DiagnosisResult reads as "no diagnosis".
 */
export interface DiagnosisStore {
  /** Stores the run (again: same node and startedAt is the same row); with `incidentId`, it becomes that incident's diagnosis. */
  record(node: string, at: Date, result: DiagnosisResult, incidentId?: string): Promise<void>;
  /** The node's newest run (by its startedAt). */
  latest(node: string): Promise<RecordedDiagnosis | undefined>;
  /** The run the incident shows (Incident.lastDiagnosis is the same). */
  ofIncident(incidentId: string): Promise<RecordedDiagnosis | undefined>;
  /** Forgets runs recorded before `before` that no incident shows; returns how many. */
  pruneBefore(before: Date): Promise<number>;
}

/** The stored JSON as a DiagnosisResult, or undefined when it is damaged (the caller shows "no diagnosis"). */
export function parseDiagnosis(value: unknown): DiagnosisResult | undefined {
  let json = value;
  if (typeof value === 'string') {
    try {
      json = JSON.parse(value) as unknown;
    } catch {
      return undefined;
    }
  }
  const parsed = diagnosisResultSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

const recorded = (row: { at: string; result_json: string } | undefined): RecordedDiagnosis | undefined => {
  const result = row && parseDiagnosis(row.result_json);
  return row && result ? { at: row.at, result } : undefined;
};

/** The embedded store's implementation; wrap it with `asyncRepository` behind the connection's gate. */
export function createSqliteDiagnosisStore(db: Db): Sync<DiagnosisStore> {
  const upsert = db.prepare(
    `INSERT INTO diagnoses (node, started_at, at, result_json) VALUES (?, ?, ?, ?)
     ON CONFLICT (node, started_at) DO UPDATE SET result_json = excluded.result_json RETURNING id`,
  );
  const show = db.prepare('UPDATE incidents SET diagnosis_id = ? WHERE id = ?');
  const latest = db.prepare('SELECT at, result_json FROM diagnoses WHERE node = ? ORDER BY started_at DESC, id DESC LIMIT 1');
  const ofIncident = db.prepare('SELECT d.at, d.result_json FROM incidents i JOIN diagnoses d ON d.id = i.diagnosis_id WHERE i.id = ?');
  const prune = db.prepare('DELETE FROM diagnoses WHERE at < ? AND id NOT IN (SELECT diagnosis_id FROM incidents WHERE diagnosis_id IS NOT NULL)');
  return {
    record(node, at, result, incidentId) {
      const { id } = upsert.get(node, result.startedAt, at.toISOString(), JSON.stringify(result)) as { id: number };
      if (incidentId !== undefined) show.run(id, incidentId);
    },
    latest: (node) => recorded(latest.get(node) as { at: string; result_json: string } | undefined),
    ofIncident: (incidentId) => recorded(ofIncident.get(incidentId) as { at: string; result_json: string } | undefined),
    pruneBefore: (before) => prune.run(before.toISOString()).changes,
  };
}
