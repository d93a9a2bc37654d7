import { PENDING_ACTION_MIGRATIONS } from '../access/pending-actions';
import { ALERT_MIGRATIONS } from '../alerts/alert-migrations';
import { DIAGNOSIS_MIGRATIONS } from '../diagnosis/diagnosis-store';
import { ESCALATION_MIGRATIONS } from '../escalation/escalation-migrations';
import { TIMELINE_MIGRATIONS } from '../timeline/timeline-migrations';
import { INCIDENT_MIGRATIONS } from '../incidents/incident-migrations';
import { REPORT_MIGRATIONS } from '../reports/report-store';
import { SLACK_PACE_MIGRATIONS } from '../slack/slack-pace';
import { DELIVERY_DEDUPE_MIGRATIONS } from '../store/delivery-dedupe';
import { POST_CLAIM_MIGRATIONS } from '../store/post-claims';
import type { Migration } from '../store/database';
import { PROCESS_LOCK_MIGRATIONS } from '../store/process-lock';

/**
 * Every schema change, in order, assembled here in the composition root so the store (src/store) never
 * imports a feature: each feature exports its own list. Never edit an applied migration: add a new one. Version ranges per domain
 * keep parallel work from colliding: 1-9 core/incidents, 10-19 compaction, 20-29 escalation, 30-39 alerts,
 * 40-49 timeline, 50-59 access (pending actions), 60-69 reports, 70-79 replicas
 * (delivery deduplication, the shared Slack pace), 80-89 diagnoses.
 */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'incidents and their timeline',
    sql: `
      CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        node TEXT,                       -- inventory node name, NULL when the alert named none we know
        title TEXT NOT NULL,
        source TEXT NOT NULL,            -- 'alert' | 'manual'
        status TEXT NOT NULL,            -- 'open' | 'resolved'
        severity TEXT,
        alertname TEXT,
        fingerprint TEXT,                -- Alertmanager fingerprint (alert incidents)
        episode TEXT,                    -- the firing episode: the alert's startsAt
        labels_json TEXT NOT NULL DEFAULT '{}',
        annotations_json TEXT NOT NULL DEFAULT '{}',
        channel TEXT,                    -- Slack channel of the incident thread
        thread_ts TEXT,                  -- the header message; the thread hangs off it
        opened_at TEXT NOT NULL,
        resolved_at TEXT,
        resolved_by TEXT,
        last_diagnosis_json TEXT,
        UNIQUE (fingerprint, episode)
      );
      CREATE INDEX incidents_open_by_node ON incidents (node, status);
      CREATE INDEX incidents_by_channel ON incidents (channel, status);
      CREATE TABLE incident_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        at TEXT NOT NULL,
        kind TEXT NOT NULL,              -- 'opened', 'alert_repeated', 'diagnosed', 'compacted', 'escalated', 'paged', 'acked', 'resolved', ...
        actor TEXT,
        detail_json TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX incident_events_by_incident ON incident_events (incident_id, id);
    `,
  },
  {
    version: 2,
    name: 'audit log',
    sql: `
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,             -- Slack user id, or 'bot' / 'local-shell'
        action TEXT NOT NULL,            -- 'compact', 'compact_refused', 'escalate', 'ack', 'resolve', 'silence', ...
        node TEXT,
        incident_id TEXT,
        outcome TEXT NOT NULL,           -- 'started', 'succeeded', 'failed', 'refused', ...
        duration_ms INTEGER,
        detail_json TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX audit_log_by_at ON audit_log (at);
    `,
  },
  {
    version: 10,
    name: 'compaction locks, runs and confirmations',
    sql: `
      CREATE TABLE compaction_locks (
        node TEXT PRIMARY KEY,           -- one compaction per node at a time
        token TEXT NOT NULL,             -- new per acquisition: only the holder updates or releases
        holder TEXT NOT NULL,            -- Slack user id or 'local-shell'
        holder_name TEXT,
        force INTEGER NOT NULL,
        incident_id TEXT,
        audit_id INTEGER,
        run_id INTEGER NOT NULL,
        phase TEXT NOT NULL,             -- 'starting' (POST in flight) | 'running'
        acquired_at TEXT NOT NULL,
        started_at TEXT,                 -- when the node accepted the compaction
        expires_at TEXT NOT NULL,        -- pushed forward while watched; a dead holder's lock expires
        channel TEXT,                    -- the progress message, updated after a restart
        message_ts TEXT,
        thread_ts TEXT,
        before_json TEXT NOT NULL,
        last_json TEXT,                  -- the last figures read
        last_error TEXT
      );
      CREATE TABLE compaction_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        node TEXT NOT NULL,
        holder TEXT NOT NULL,
        force INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        outcome TEXT NOT NULL,           -- 'running', 'succeeded', 'failed', 'timed_out', 'interrupted'
        detail_json TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX compaction_runs_by_node ON compaction_runs (node, started_at);
      CREATE TABLE compaction_confirmations (
        request_id TEXT PRIMARY KEY,     -- each confirmation starts at most one compaction
        node TEXT NOT NULL,
        user_id TEXT NOT NULL,
        used_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 11,
    name: 'compaction locks carry a watch lease (watcher, watch_until): one process watches a run; a dead one is taken over',
    sql: `
      ALTER TABLE compaction_locks ADD COLUMN watcher TEXT;       -- lease owner of the process watching the run
      ALTER TABLE compaction_locks ADD COLUMN watch_until TEXT;   -- renewed on every progress read
    `,
  },
  ...INCIDENT_MIGRATIONS,
  ...PROCESS_LOCK_MIGRATIONS,
  ...ESCALATION_MIGRATIONS,
  ...ALERT_MIGRATIONS,
  ...TIMELINE_MIGRATIONS,
  ...PENDING_ACTION_MIGRATIONS,
  ...REPORT_MIGRATIONS,
  ...DELIVERY_DEDUPE_MIGRATIONS,
  ...SLACK_PACE_MIGRATIONS,
  ...POST_CLAIM_MIGRATIONS,
  ...DIAGNOSIS_MIGRATIONS,
];
