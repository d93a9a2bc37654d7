import type { Migration } from '../store/database';

/**
 * Escalation's tables (versions 20-29). Times are epoch milliseconds: the scheduler compares them with
 * `now()` on every tick, and integers keep those comparisons exact and indexable.
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
];
