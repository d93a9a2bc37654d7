import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/app/migrations';
import { createSqliteUnitOfWork } from '../../src/app/sqlite-repositories';
import { applyMigrations, openDatabase } from '../../src/store/database';
import type { DiagnosisResult } from '../../src/diagnosis/types';

const result = (node: string, startedAt: string): DiagnosisResult => ({
  node,
  startedAt,
  durationMs: 900,
  errorRate: 0.05,
  verdict: { causes: [{ cause: 'disk_full', evidence: ['99% used'] }], severity: 'critical', summary: 'disk full', escalate: true, escalateReasons: ['disk'] },
  checks: [],
  recommendations: [],
});

describe('migration 80: the three diagnosis copies become one record', () => {
  it("carries the alert copy, the escalation copy and each incident's diagnosis over; damaged JSON is dropped", async () => {
    const db = openDatabase(
      ':memory:',
      MIGRATIONS.filter((m) => m.version < 80),
    );
    const incidentRun = result('stemedb-1', '2026-11-29T11:00:00.000Z');
    const alertRun = result('stemedb-1', '2026-11-29T12:00:00.000Z');
    const packetRun = result('stemedb-2', '2026-11-29T12:30:00.000Z');
    db.prepare(
      "INSERT INTO incidents (id, node, title, source, status, opened_at, last_diagnosis_json) VALUES ('inc-1', 'stemedb-1', 't', 'manual', 'open', '2026-11-29T10:59:00.000Z', ?)",
    ).run(JSON.stringify(incidentRun));
    db.prepare(
      "INSERT INTO incidents (id, node, title, source, status, opened_at, last_diagnosis_json) VALUES ('inc-2', 'stemedb-3', 't', 'manual', 'open', '2026-11-29T10:59:00.000Z', 'not json {')",
    ).run();
    db.prepare('INSERT INTO alert_node_diagnoses (node, started_at, result_json) VALUES (?, ?, ?)').run(
      'stemedb-1',
      alertRun.startedAt,
      JSON.stringify(alertRun),
    );
    db.prepare('INSERT INTO node_diagnoses (node, at, result_json) VALUES (?, ?, ?)').run(
      'stemedb-2',
      Date.parse('2026-11-29T12:30:02.000Z'),
      JSON.stringify(packetRun),
    );
    applyMigrations(db, MIGRATIONS);
    const store = createSqliteUnitOfWork(db);
    expect(await store.diagnoses.latest('stemedb-1')).toEqual({ at: alertRun.startedAt, result: alertRun });
    expect(await store.diagnoses.latest('stemedb-2')).toEqual({ at: '2026-11-29T12:30:02.000Z', result: packetRun });
    expect((await store.incidents.get('inc-1'))?.lastDiagnosis).toEqual(incidentRun);
    expect((await store.incidents.get('inc-2'))?.lastDiagnosis).toBeNull();
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    expect(tables).not.toContain('node_diagnoses');
    expect(tables).not.toContain('alert_node_diagnoses');
    db.close();
  });
});
