import type { PgMigration } from './pg-migration';

/**
 * Escalation, alerts, timeline, pending actions and reports in PostgreSQL (SQLite versions 20, 30, 40, 50,
 * 60). Times are TIMESTAMPTZ compared with the database's `now()`, so every replica reads deadlines on one
 * clock.
 */
export const PG_ENGINE_MIGRATIONS: PgMigration[] = [
  {
    version: 20,
    name: 'escalations, the page outbox and the latest diagnosis per node',
    sql: `
      CREATE TABLE escalations (
        id TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        seq INTEGER NOT NULL,
        status TEXT NOT NULL,
        chain_json JSONB NOT NULL,
        step_index INTEGER NOT NULL,
        round INTEGER NOT NULL,
        round_started_at TIMESTAMPTZ,
        waiting_level INTEGER,
        next_due_at TIMESTAMPTZ,
        token TEXT NOT NULL,
        trigger TEXT NOT NULL,
        reasons_json JSONB NOT NULL DEFAULT '[]',
        origin_channel TEXT,
        started_by TEXT NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        acked_by TEXT,
        acked_at TIMESTAMPTZ,
        ended_by TEXT,
        ended_at TIMESTAMPTZ,
        UNIQUE (incident_id, seq)
      );
      CREATE UNIQUE INDEX escalations_one_active_per_incident ON escalations (incident_id) WHERE status = 'active';
      CREATE INDEX escalations_due ON escalations (next_due_at) WHERE status = 'active';
      CREATE TABLE page_outbox (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        idempotency_key TEXT NOT NULL UNIQUE,  -- the same key on every replica and retry (dedup_key, Idempotency-Key, Slack metadata)
        escalation_id TEXT NOT NULL REFERENCES escalations(id),
        incident_id TEXT NOT NULL,
        level INTEGER,
        round INTEGER,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        reaches_human BOOLEAN NOT NULL,
        payload_json JSONB NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        due_at TIMESTAMPTZ NOT NULL,
        next_attempt_at TIMESTAMPTZ NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        sending_since TIMESTAMPTZ,
        sent_at TIMESTAMPTZ,
        last_error TEXT,
        result_json JSONB
      );
      CREATE INDEX page_outbox_due ON page_outbox (status, next_attempt_at);
      CREATE INDEX page_outbox_by_escalation ON page_outbox (escalation_id, level, round);
      CREATE TABLE node_diagnoses (
        node TEXT PRIMARY KEY,
        at TIMESTAMPTZ NOT NULL,
        result_json JSONB NOT NULL
      );
    `,
  },
  {
    version: 30,
    name: 'alert threads, storm summaries and the durable alert work queue',
    sql: `
      CREATE TABLE alert_summaries (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        alertname TEXT NOT NULL,
        channel TEXT NOT NULL,
        ts TEXT,
        hash TEXT,
        created_at TIMESTAMPTZ NOT NULL,
        last_added_at TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX alert_summaries_by_name ON alert_summaries (alertname, last_added_at);
      CREATE TABLE alert_threads (
        incident_id TEXT PRIMARY KEY REFERENCES incidents(id),
        node_label TEXT,
        alert_json JSONB NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        last_seen_at TIMESTAMPTZ NOT NULL,
        repeats INTEGER NOT NULL DEFAULT 0,
        summary_id BIGINT REFERENCES alert_summaries(id),
        diag_state TEXT NOT NULL,
        diag_ts TEXT,
        header_hash TEXT,
        resolved_ts TEXT,
        escalation_closed BOOLEAN NOT NULL DEFAULT false
      );
      CREATE INDEX alert_threads_by_created ON alert_threads (created_at);
      CREATE INDEX alert_threads_by_summary ON alert_threads (summary_id);
      CREATE TABLE alert_node_diagnoses (
        node TEXT PRIMARY KEY,
        started_at TIMESTAMPTZ NOT NULL,
        result_json JSONB NOT NULL
      );
      CREATE TABLE alert_jobs (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        run_at TIMESTAMPTZ NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        last_error TEXT
      );
      CREATE UNIQUE INDEX alert_jobs_one_pending ON alert_jobs (kind, target) WHERE status = 'pending';
      CREATE INDEX alert_jobs_due ON alert_jobs (status, run_at, id);
    `,
  },
  {
    version: 40,
    name: 'timeline: de-duplication key, retention indexes',
    sql: `
      ALTER TABLE incident_events ADD COLUMN dedupe_key TEXT;
      CREATE UNIQUE INDEX incident_events_dedupe ON incident_events (incident_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
      CREATE INDEX incidents_by_opened_at ON incidents (opened_at);
    `,
  },
  {
    version: 50,
    name: 'pending actions behind buttons',
    sql: `
      CREATE TABLE pending_actions (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        params_json JSONB NOT NULL,
        allowed_users_json JSONB NOT NULL,
        issued_at TIMESTAMPTZ NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL,
        used_at TIMESTAMPTZ,
        used_by TEXT
      );
      CREATE INDEX pending_actions_by_expiry ON pending_actions (expires_at);
    `,
  },
  {
    version: 60,
    name: 'weekly report runs and the figures they showed',
    sql: `
      CREATE TABLE report_runs (
        kind TEXT NOT NULL,
        period TEXT NOT NULL,
        claimed_at TIMESTAMPTZ NOT NULL,
        claimed_by TEXT NOT NULL,
        posted_at TIMESTAMPTZ,
        PRIMARY KEY (kind, period)
      );
      CREATE TABLE report_figures (
        kind TEXT NOT NULL,
        period TEXT NOT NULL,
        node TEXT NOT NULL,
        figures_json JSONB NOT NULL,
        PRIMARY KEY (kind, period, node)
      );
    `,
  },
  {
    version: 21,
    name: 'outbox rows in sending carry a lease (owner, until): an expired one is taken over',
    sql: `
      ALTER TABLE page_outbox ADD COLUMN lease_owner TEXT;
      ALTER TABLE page_outbox ADD COLUMN lease_until TIMESTAMPTZ;
    `,
  },
  {
    version: 22,
    name: 'escalation and outbox times as ISO-8601 UTC text, like every other table',
    // Twin of SQLite's version 22, which turned its epoch-ms columns into ISO text: here they were
    // TIMESTAMPTZ from the start, so nothing changes.
    sql: 'SELECT 1',
  },
  {
    version: 31,
    name: 'alert jobs carry a lease (owner, until): a running job whose lease ran out is taken over',
    sql: `
      ALTER TABLE alert_jobs ADD COLUMN lease_owner TEXT;
      ALTER TABLE alert_jobs ADD COLUMN lease_until TIMESTAMPTZ;
      CREATE INDEX alert_jobs_by_target ON alert_jobs (kind, target, status);
    `,
  },
];
