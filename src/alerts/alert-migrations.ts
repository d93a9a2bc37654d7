import type { Migration } from '../store/database';

/** The alert threads' tables (versions 30-39). Appended to MIGRATIONS; never edit one once applied. */
export const ALERT_MIGRATIONS: Migration[] = [
  {
    version: 30,
    name: 'alert threads, storm summaries and the durable alert work queue',
    sql: `
      CREATE TABLE alert_summaries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        alertname TEXT NOT NULL,
        channel TEXT NOT NULL,
        ts TEXT,                          -- the summary message, once posted
        hash TEXT,                        -- of the content last sent: update only on change
        created_at TEXT NOT NULL,
        last_added_at TEXT NOT NULL
      );
      CREATE INDEX alert_summaries_by_name ON alert_summaries (alertname, last_added_at);
      CREATE TABLE alert_threads (
        incident_id TEXT PRIMARY KEY REFERENCES incidents(id),
        node_label TEXT,                  -- the raw node label value (shown when it names no known node)
        alert_json TEXT NOT NULL,         -- the latest copy Alertmanager sent
        created_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        repeats INTEGER NOT NULL DEFAULT 0,
        summary_id INTEGER REFERENCES alert_summaries(id), -- storm member: shown in a summary, no header of its own
        diag_state TEXT NOT NULL,         -- wanted | posting | awaiting | running | done | shared | unknown_node | none
        diag_ts TEXT,                     -- the "diagnosing..." message the result replaces
        header_hash TEXT,
        resolved_ts TEXT,                 -- the "resolved" note in the thread
        escalation_closed INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX alert_threads_by_created ON alert_threads (created_at);
      CREATE INDEX alert_threads_by_summary ON alert_threads (summary_id);
      CREATE TABLE alert_node_diagnoses (
        node TEXT PRIMARY KEY,            -- the latest diagnosis of a node, reused by its alerts for a minute
        started_at TEXT NOT NULL,
        result_json TEXT NOT NULL
      );
      CREATE TABLE alert_jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,               -- sync (an incident's messages) | diagnose (a node) | summary (a storm summary)
        target TEXT NOT NULL,             -- incident id, node name or summary id
        status TEXT NOT NULL,             -- pending | running | failed (done jobs are deleted)
        attempts INTEGER NOT NULL DEFAULT 0,
        run_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_error TEXT
      );
      CREATE UNIQUE INDEX alert_jobs_one_pending ON alert_jobs (kind, target) WHERE status = 'pending';
      CREATE INDEX alert_jobs_due ON alert_jobs (status, run_at, id);
    `,
  },
  {
    version: 31,
    name: 'alert jobs carry a lease (owner, until): a running job whose lease ran out is taken over',
    sql: `
      ALTER TABLE alert_jobs ADD COLUMN lease_owner TEXT;  -- the process running it: <hostname>:<pid>:<random>
      ALTER TABLE alert_jobs ADD COLUMN lease_until TEXT;  -- ISO time; NULL (a row from before leases) counts as expired
      CREATE INDEX alert_jobs_by_target ON alert_jobs (kind, target, status);
    `,
  },
];
