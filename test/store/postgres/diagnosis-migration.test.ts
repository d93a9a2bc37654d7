import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresUnitOfWork } from '../../../src/app/postgres-repositories';
import type { DiagnosisResult } from '../../../src/diagnosis/types';
import { migratePostgres } from '../../../src/store/postgres/migrate-postgres';
import { PG_MIGRATIONS } from '../../../src/store/postgres/pg-migrations';
import { requirePostgresOrSkip, startPostgres, type RunningPostgres } from '../../harness/postgres';
import { freshDatabase } from './pg-test-db';

const result = (node: string, startedAt: string): DiagnosisResult => ({
  node,
  startedAt,
  durationMs: 900,
  errorRate: 0.05,
  verdict: { causes: [{ cause: 'disk_full', evidence: ['99% used'] }], severity: 'critical', summary: 'disk full', escalate: true, escalateReasons: ['disk'] },
  checks: [],
  recommendations: [],
});

describe.runIf(requirePostgresOrSkip())('PostgreSQL migration 80: the three diagnosis copies become one record', () => {
  let server: RunningPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 30_000);
  afterAll(async () => server?.stop());

  it("carries the alert copy, the escalation copy and each incident's diagnosis over", async () => {
    const db = await freshDatabase(server, 'mig_diag');
    const pool = db.pool();
    await migratePostgres(
      pool,
      PG_MIGRATIONS.filter((m) => m.version < 80),
    );
    const incidentRun = result('stemedb-1', '2026-11-29T11:00:00.000Z');
    const alertRun = result('stemedb-1', '2026-11-29T12:00:00.000Z');
    const packetRun = result('stemedb-2', '2026-11-29T12:30:00.000Z');
    const insertIncident =
      "INSERT INTO incidents (id, node, title, source, status, opened_at, last_diagnosis_json) VALUES ($1, $2, 't', 'manual', 'open', '2026-11-29T10:59:00Z', $3)";
    await pool.query(insertIncident, ['inc-1', 'stemedb-1', JSON.stringify(incidentRun)]);
    await pool.query(insertIncident, ['inc-2', 'stemedb-3', JSON.stringify({ half: true })]);
    await pool.query('INSERT INTO alert_node_diagnoses (node, started_at, result_json) VALUES ($1, $2, $3)', [
      'stemedb-1',
      alertRun.startedAt,
      JSON.stringify(alertRun),
    ]);
    await pool.query('INSERT INTO node_diagnoses (node, at, result_json) VALUES ($1, $2, $3)', [
      'stemedb-2',
      '2026-11-29T12:30:02Z',
      JSON.stringify(packetRun),
    ]);
    await migratePostgres(pool);
    const store = createPostgresUnitOfWork(pool);
    expect(await store.diagnoses.latest('stemedb-1')).toEqual({ at: alertRun.startedAt, result: alertRun });
    expect(await store.diagnoses.latest('stemedb-2')).toEqual({ at: '2026-11-29T12:30:02.000Z', result: packetRun });
    expect((await store.incidents.get('inc-1'))?.lastDiagnosis).toEqual(incidentRun);
    expect((await store.incidents.get('inc-2'))?.lastDiagnosis).toBeNull();
    const { rows } = await pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM information_schema.tables WHERE table_name IN ('node_diagnoses', 'alert_node_diagnoses')",
    );
    expect(Number(rows[0]!.n)).toBe(0);
    await db.close();
  });
});
