import type { Migration } from '../store/database';

/** ISO-8601 UTC text of an epoch-ms column, exactly what `Date.toISOString()` gives (NULL stays NULL). */
const iso = (column: string) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${column} / 1000.0, 'unixepoch')`;

/**
 * Escalation's tables (versions 20-29). Versions 20-21 stored times as epoch milliseconds; version 22 turns
 * them into ISO-8601 UTC text like every other table (it sorts and compares as time). The repositories still
 * hand the engine epoch milliseconds: that is the machine's unit.
 */
export const ESCALATION_MIGRATIONS: Migration[] = [
  {
    version: 20,
    name: 'escalations, the page outbox and the latest diagnosis per node',
    sql: `
      CREATE TABLE escalations (
        id TEXT PRIMARY KEY,             -- '<incident id>.e<seq>'
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        seq INTEGER NOT NULL,            -- 1 for the incident's first escalation, 2 after a re-escalation
        status TEXT NOT NULL,            -- 'active' | 'acked' | 'resolved' | 'exhausted'
        chain_json TEXT NOT NULL,        -- snapshot of the chain when it started: config edits do not change it
        step_index INTEGER NOT NULL,     -- next step of the snapshot to run
        round INTEGER NOT NULL,
        round_started_at INTEGER,
        waiting_level INTEGER,           -- the level whose ack timeout is running
        next_due_at INTEGER,             -- NULL when nothing more is due
        token TEXT NOT NULL,             -- replaced on every state change: a tick holding an older one is stale
        trigger TEXT NOT NULL,           -- 'command' | 'button' | 'auto'
        reasons_json TEXT NOT NULL DEFAULT '[]',
        origin_channel TEXT,
        started_by TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        acked_by TEXT,
        acked_at INTEGER,
        ended_by TEXT,
        ended_at INTEGER,
        UNIQUE (incident_id, seq)
      );
      CREATE UNIQUE INDEX escalations_one_active_per_incident ON escalations (incident_id) WHERE status = 'active';
      CREATE INDEX escalations_due ON escalations (status, next_due_at);
      CREATE TABLE page_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        idempotency_key TEXT NOT NULL UNIQUE,  -- (incident, escalation, level, round, channel, target): never sent twice
        escalation_id TEXT NOT NULL REFERENCES escalations(id),
        incident_id TEXT NOT NULL,
        level INTEGER,
        round INTEGER,
        kind TEXT NOT NULL,              -- 'slack_dm' | 'slack_group' | 'slack_thread' | 'slack_note' | 'slack_update' | 'pagerduty' | 'webhook'
        target TEXT NOT NULL,
        reaches_human INTEGER NOT NULL,  -- 1 when an accepted delivery means a person was paged
        payload_json TEXT NOT NULL,
        status TEXT NOT NULL,            -- 'pending' | 'sending' | 'sent' | 'failed' | 'cancelled'
        attempts INTEGER NOT NULL DEFAULT 0,
        due_at INTEGER NOT NULL,         -- when the page was due: lateness is measured from here
        next_attempt_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        sending_since INTEGER,
        sent_at INTEGER,
        last_error TEXT,
        result_json TEXT
      );
      CREATE INDEX page_outbox_due ON page_outbox (status, next_attempt_at);
      CREATE INDEX page_outbox_by_escalation ON page_outbox (escalation_id, level, round);
      CREATE TABLE node_diagnoses (
        node TEXT PRIMARY KEY,
        at INTEGER NOT NULL,
        result_json TEXT NOT NULL
      );
    `,
  },
  {
    version: 21,
    name: 'outbox rows in sending carry a lease (owner, until): an expired one is taken over',
    sql: `
      ALTER TABLE page_outbox ADD COLUMN lease_owner TEXT;     -- the process sending it: <hostname>:<pid>:<random>
      ALTER TABLE page_outbox ADD COLUMN lease_until INTEGER;  -- epoch ms; NULL (a row from before leases) counts as expired
    `,
  },
  {
    version: 22,
    name: 'escalation and outbox times as ISO-8601 UTC text, like every other table',
    // SQLite cannot change a column's type: each table is rebuilt and renamed. The new outbox references
    // escalations_new, so neither DROP finds a child row (foreign keys are on, and cannot be switched off
    // inside the migration's transaction); the renames point the reference back at "escalations".
    sql: `
      CREATE TABLE escalations_new (
        id TEXT PRIMARY KEY,             -- '<incident id>.e<seq>'
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        seq INTEGER NOT NULL,            -- 1 for the incident's first escalation, 2 after a re-escalation
        status TEXT NOT NULL,            -- 'active' | 'acked' | 'resolved' | 'exhausted'
        chain_json TEXT NOT NULL,        -- snapshot of the chain when it started: config edits do not change it
        step_index INTEGER NOT NULL,     -- next step of the snapshot to run
        round INTEGER NOT NULL,
        round_started_at TEXT,
        waiting_level INTEGER,           -- the level whose ack timeout is running
        next_due_at TEXT,                -- NULL when nothing more is due
        token TEXT NOT NULL,             -- replaced on every state change: a tick holding an older one is stale
        trigger TEXT NOT NULL,           -- 'command' | 'button' | 'auto'
        reasons_json TEXT NOT NULL DEFAULT '[]',
        origin_channel TEXT,
        started_by TEXT NOT NULL,
        started_at TEXT NOT NULL,
        acked_by TEXT,
        acked_at TEXT,
        ended_by TEXT,
        ended_at TEXT,
        UNIQUE (incident_id, seq)
      );
      INSERT INTO escalations_new (id, incident_id, seq, status, chain_json, step_index, round, round_started_at, waiting_level, next_due_at, token, trigger,
                                   reasons_json, origin_channel, started_by, started_at, acked_by, acked_at, ended_by, ended_at)
        SELECT id, incident_id, seq, status, chain_json, step_index, round, ${iso('round_started_at')}, waiting_level, ${iso('next_due_at')}, token, trigger,
               reasons_json, origin_channel, started_by, ${iso('started_at')}, acked_by, ${iso('acked_at')}, ended_by, ${iso('ended_at')}
          FROM escalations;
      CREATE TABLE page_outbox_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        idempotency_key TEXT NOT NULL UNIQUE,  -- (incident, escalation, level, round, channel, target): never sent twice
        escalation_id TEXT NOT NULL REFERENCES escalations_new(id),
        incident_id TEXT NOT NULL,
        level INTEGER,
        round INTEGER,
        kind TEXT NOT NULL,              -- 'slack_dm' | 'slack_group' | 'slack_thread' | 'slack_note' | 'slack_update' | 'pagerduty' | 'webhook'
        target TEXT NOT NULL,
        reaches_human INTEGER NOT NULL,  -- 1 when an accepted delivery means a person was paged
        payload_json TEXT NOT NULL,
        status TEXT NOT NULL,            -- 'pending' | 'sending' | 'sent' | 'failed' | 'cancelled'
        attempts INTEGER NOT NULL DEFAULT 0,
        due_at TEXT NOT NULL,            -- when the page was due: lateness is measured from here
        next_attempt_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        sending_since TEXT,
        sent_at TEXT,
        last_error TEXT,
        result_json TEXT,
        lease_owner TEXT,                -- the process sending it: <hostname>:<pid>:<random>
        lease_until TEXT                 -- NULL (a row from before leases) counts as expired
      );
      INSERT INTO page_outbox_new (id, idempotency_key, escalation_id, incident_id, level, round, kind, target, reaches_human, payload_json, status, attempts,
                                   due_at, next_attempt_at, created_at, sending_since, sent_at, last_error, result_json, lease_owner, lease_until)
        SELECT id, idempotency_key, escalation_id, incident_id, level, round, kind, target, reaches_human, payload_json, status, attempts,
               ${iso('due_at')}, ${iso('next_attempt_at')}, ${iso('created_at')}, ${iso('sending_since')}, ${iso('sent_at')}, last_error, result_json, lease_owner, ${iso('lease_until')}
          FROM page_outbox;
      -- AUTOINCREMENT never reuses an id, even of rows retention deleted: carry the counter over.
      DELETE FROM sqlite_sequence WHERE name = 'page_outbox_new';
      INSERT INTO sqlite_sequence (name, seq) SELECT 'page_outbox_new', seq FROM sqlite_sequence WHERE name = 'page_outbox';
      DROP TABLE page_outbox;
      DROP TABLE escalations;
      ALTER TABLE escalations_new RENAME TO escalations;
      ALTER TABLE page_outbox_new RENAME TO page_outbox;
      CREATE UNIQUE INDEX escalations_one_active_per_incident ON escalations (incident_id) WHERE status = 'active';
      CREATE INDEX escalations_due ON escalations (status, next_due_at);
      CREATE INDEX page_outbox_due ON page_outbox (status, next_attempt_at);
      CREATE INDEX page_outbox_by_escalation ON page_outbox (escalation_id, level, round);
    `,
  },
];
