import type { PgMigration } from './pg-migration';

/**
 * Tables only the PostgreSQL store has (versions 100-109): engine work as leased rows, and periodic duties
 * claimed once per period across all replicas. Domain rows (an outbox page, an escalation) keep their state;
 * a work item says when something is due and who holds it, and names the domain row by `kind` + `ref`.
 * Also the twins of SQLite's 70-79 (replicas: delivery deduplication, the shared Slack pace), which both stores have.
 */
export const PG_HA_MIGRATIONS: PgMigration[] = [
  {
    version: 100,
    name: 'leased work items and periodic duties',
    sql: `
      CREATE TABLE work_items (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind TEXT NOT NULL,              -- 'outbox' | 'escalation_step' | 'alert_job' | 'compaction_watch' | ...
        ref TEXT NOT NULL,               -- the domain row it drives
        payload JSONB NOT NULL DEFAULT '{}',
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
        due_at TIMESTAMPTZ NOT NULL,
        owner TEXT,                      -- the replica holding the lease; NULL when nobody does
        lease_until TIMESTAMPTZ,
        attempt INTEGER NOT NULL DEFAULT 0,   -- +1 on every claim: the fencing token of completions
        takeovers INTEGER NOT NULL DEFAULT 0, -- claims of a row whose previous lease ran out unfinished
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        finished_at TIMESTAMPTZ,
        last_error TEXT
      );
      -- One pending item per domain row: a second enqueue from another replica is a no-op.
      CREATE UNIQUE INDEX work_items_one_pending ON work_items (kind, ref) WHERE status = 'pending';
      CREATE INDEX work_items_due ON work_items (kind, due_at) WHERE status = 'pending';
      CREATE TABLE periodic_runs (
        duty TEXT NOT NULL,              -- 'auditor' | 'chain_check' | 'retention' | ...
        period BIGINT NOT NULL,          -- floor(database epoch ms / period length)
        owner TEXT NOT NULL,
        attempt INTEGER NOT NULL DEFAULT 1,
        lease_until TIMESTAMPTZ NOT NULL,
        claimed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        finished_at TIMESTAMPTZ,
        PRIMARY KEY (duty, period)       -- the once-per-period guarantee: one row, whoever inserts it first
      );
    `,
  },
  // Twins of the SQLite migrations 70-79 (replicas): same versions, so neither store falls behind.
  {
    version: 70,
    name: 'deliveries seen (Slack events and interactions, alert notifications)',
    sql: `
      CREATE TABLE delivery_dedupe (
        source TEXT NOT NULL CHECK (source IN ('slack_event', 'slack_interaction', 'alert_notification')),
        id TEXT NOT NULL,                -- Slack event_id; action_ts + user + action_id; Alertmanager group key + ...
        seen_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (source, id)         -- firstSeen: INSERT ... ON CONFLICT DO NOTHING, true for one replica only
      );
      CREATE INDEX delivery_dedupe_by_seen ON delivery_dedupe (seen_at);
    `,
  },
  {
    version: 71,
    name: 'one Slack pace per app and channel, shared by replicas',
    sql: `
      CREATE TABLE slack_pace (
        key TEXT PRIMARY KEY,            -- a channel id, or 'app:<method tier>' for calls paced per app
        next_at TIMESTAMPTZ NOT NULL     -- the earliest the next call for this key may go out (database clock)
      );
    `,
  },
  {
    version: 72,
    name: 'one post per thread-opening message (alert and escalation headers, storm summaries), across replicas',
    sql: `
      CREATE TABLE post_claims (
        key TEXT PRIMARY KEY,            -- 'thread:<incident id>', 'summary:<summary id>'
        owner TEXT NOT NULL,             -- the lease owner posting it (or who posted it)
        attempt INTEGER NOT NULL,        -- counted by every claim: the fence of extend/posted/release
        lease_until TIMESTAMPTZ NOT NULL, -- database clock; past it, another replica may take the post over
        channel TEXT,                    -- set once posted: where the message is
        ts TEXT,
        created_at TIMESTAMPTZ NOT NULL
      );
    `,
  },
  {
    version: 73,
    name: 'a Slack pace key is held by the call on its way out until it is answered',
    sql: `
      ALTER TABLE slack_pace ADD COLUMN holder TEXT; -- the token of the call in flight; its answer releases the key
    `,
  },
];
