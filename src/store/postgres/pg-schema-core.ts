import type { PgMigration } from './pg-migration';

/**
 * The core tables in PostgreSQL, translated from the SQLite migrations with the same version numbers (1, 2,
 * 5, 6, 7, 10, 11), so a reader can put each pair side by side. The database starts empty, so the SQLite data fix-ups
 * (migration 5's renumbering of duplicate open incidents) have nothing to do here. Times are TIMESTAMPTZ,
 * JSON text is JSONB (column names keep their `_json` suffix so ported queries read the same), SQLite's 0/1
 * integers are BOOLEAN.
 */
export const PG_CORE_MIGRATIONS: PgMigration[] = [
  {
    version: 1,
    name: 'incidents and their timeline',
    sql: `
      CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        node TEXT,
        title TEXT NOT NULL,
        source TEXT NOT NULL,
        status TEXT NOT NULL,
        severity TEXT,
        alertname TEXT,
        fingerprint TEXT,
        episode TEXT,                    -- the alert's startsAt as Alertmanager sent it: a key, kept verbatim
        labels_json JSONB NOT NULL DEFAULT '{}',
        annotations_json JSONB NOT NULL DEFAULT '{}',
        channel TEXT,
        thread_ts TEXT,                  -- Slack timestamps are ids ("1712345678.000100"), not times
        opened_at TIMESTAMPTZ NOT NULL,
        resolved_at TIMESTAMPTZ,
        resolved_by TEXT,
        last_diagnosis_json JSONB,
        UNIQUE (fingerprint, episode)
      );
      CREATE INDEX incidents_open_by_node ON incidents (node, status);
      CREATE INDEX incidents_by_channel ON incidents (channel, status);
      CREATE TABLE incident_events (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        at TIMESTAMPTZ NOT NULL,
        kind TEXT NOT NULL,
        actor TEXT,
        detail_json JSONB NOT NULL DEFAULT '{}'
      );
      CREATE INDEX incident_events_by_incident ON incident_events (incident_id, id);
    `,
  },
  {
    version: 2,
    name: 'audit log',
    sql: `
      CREATE TABLE audit_log (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at TIMESTAMPTZ NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        node TEXT,
        incident_id TEXT,
        outcome TEXT NOT NULL,
        duration_ms INTEGER,
        detail_json JSONB NOT NULL DEFAULT '{}'
      );
      CREATE INDEX audit_log_by_at ON audit_log (at);
    `,
  },
  {
    version: 5,
    name: 'one open incident per node and problem; the alerts each incident gathered',
    sql: `
      ALTER TABLE incidents ADD COLUMN problem TEXT;
      -- Two replicas opening the same incident at once: the second INSERT fails on this index and joins the first.
      CREATE UNIQUE INDEX incidents_one_open_per_node_problem ON incidents (node, problem)
        WHERE status = 'open' AND node IS NOT NULL AND problem IS NOT NULL;
      CREATE TABLE incident_alerts (
        fingerprint TEXT NOT NULL,
        episode TEXT NOT NULL,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        status TEXT NOT NULL,
        joined_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (fingerprint, episode)
      );
      CREATE INDEX incident_alerts_by_incident ON incident_alerts (incident_id);
    `,
  },
  {
    version: 6,
    name: 'the replicas working on this database',
    // SQLite's version 6 is the single-process lock; on PostgreSQL several replicas are the point, so the
    // same slot holds a registry of them instead (who runs, since when, which schema it knows).
    sql: `
      CREATE TABLE replicas (
        id TEXT PRIMARY KEY,             -- host:pid:random, also the lease owner name
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        schema_version INTEGER NOT NULL,
        started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 7,
    name: 'process lock times as ISO-8601 UTC text, like every other table',
    // Twin of SQLite's version 7 (its process lock's times as ISO text): PostgreSQL has no process lock (see
    // version 6) and its times are TIMESTAMPTZ, so nothing changes.
    sql: 'SELECT 1',
  },
  {
    version: 10,
    name: 'compaction locks, runs and confirmations',
    sql: `
      CREATE TABLE compaction_locks (
        node TEXT PRIMARY KEY,
        token TEXT NOT NULL,
        holder TEXT NOT NULL,
        holder_name TEXT,
        force BOOLEAN NOT NULL,
        incident_id TEXT,
        audit_id BIGINT,
        run_id BIGINT NOT NULL,
        phase TEXT NOT NULL,
        acquired_at TIMESTAMPTZ NOT NULL,
        started_at TIMESTAMPTZ,
        expires_at TIMESTAMPTZ NOT NULL,
        channel TEXT,
        message_ts TEXT,
        thread_ts TEXT,
        before_json JSONB NOT NULL,
        last_json JSONB,
        last_error TEXT
      );
      CREATE TABLE compaction_runs (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        node TEXT NOT NULL,
        holder TEXT NOT NULL,
        force BOOLEAN NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ,
        outcome TEXT NOT NULL,
        detail_json JSONB NOT NULL DEFAULT '{}'
      );
      CREATE INDEX compaction_runs_by_node ON compaction_runs (node, started_at);
      CREATE TABLE compaction_confirmations (
        request_id TEXT PRIMARY KEY,
        node TEXT NOT NULL,
        user_id TEXT NOT NULL,
        used_at TIMESTAMPTZ NOT NULL
      );
    `,
  },
  {
    version: 11,
    name: 'compaction locks carry a watch lease (watcher, watch_until): one process watches a run; a dead one is taken over',
    sql: `
      ALTER TABLE compaction_locks ADD COLUMN watcher TEXT;
      ALTER TABLE compaction_locks ADD COLUMN watch_until TIMESTAMPTZ;
    `,
  },
  // Twin of SQLite's 80 (src/diagnosis/diagnosis-store.ts).
  {
    version: 80,
    name: 'one diagnosis record (replaces node_diagnoses, alert_node_diagnoses and incidents.last_diagnosis_json)',
    sql: `
      CREATE TABLE diagnoses (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        node TEXT NOT NULL,
        started_at TIMESTAMPTZ NOT NULL, -- the result's startedAt: one row per diagnosis run
        at TIMESTAMPTZ NOT NULL,         -- when it was recorded
        result_json JSONB NOT NULL,      -- DiagnosisResult, parsed with its zod schema when read
        UNIQUE (node, started_at)
      );
      ALTER TABLE incidents ADD COLUMN diagnosis_id BIGINT;
      -- The three old copies, carried over (an incident keeps the one it showed); unreadable times are dropped.
      INSERT INTO diagnoses (node, started_at, at, result_json)
        SELECT node, started_at, started_at, result_json FROM alert_node_diagnoses ON CONFLICT DO NOTHING;
      INSERT INTO diagnoses (node, started_at, at, result_json)
        SELECT node, (result_json->>'startedAt')::timestamptz, at, result_json FROM node_diagnoses
        WHERE result_json->>'startedAt' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$' ON CONFLICT DO NOTHING;
      INSERT INTO diagnoses (node, started_at, at, result_json)
        SELECT last_diagnosis_json->>'node', (last_diagnosis_json->>'startedAt')::timestamptz, opened_at, last_diagnosis_json FROM incidents
        WHERE last_diagnosis_json->>'node' IS NOT NULL AND last_diagnosis_json->>'startedAt' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$' ON CONFLICT DO NOTHING;
      UPDATE incidents i SET diagnosis_id = d.id FROM diagnoses d
        WHERE i.last_diagnosis_json->>'startedAt' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$'
          AND d.node = i.last_diagnosis_json->>'node' AND d.started_at = (i.last_diagnosis_json->>'startedAt')::timestamptz;
      ALTER TABLE incidents DROP COLUMN last_diagnosis_json;
      DROP TABLE alert_node_diagnoses;
      DROP TABLE node_diagnoses;
    `,
  },
];
