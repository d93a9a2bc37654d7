import type { Db, Migration } from './database';
import type { Sync } from './sqlite/tx-gate';

/** Version range 70-79: replicas (deduplication and pacing shared through the store). */
export const DELIVERY_DEDUPE_MIGRATIONS: Migration[] = [
  {
    version: 70,
    name: 'deliveries seen (Slack events and interactions, alert notifications)',
    sql: `
      CREATE TABLE delivery_dedupe (
        source TEXT NOT NULL CHECK (source IN ('slack_event', 'slack_interaction', 'alert_notification')),
        id TEXT NOT NULL,                -- Slack event_id; action_ts + user + action_id; Alertmanager group key + ...
        seen_at TEXT NOT NULL,           -- ISO-8601 UTC; rows older than any retry window are pruned
        PRIMARY KEY (source, id)
      );
      CREATE INDEX delivery_dedupe_by_seen ON delivery_dedupe (seen_at);
    `,
  },
];

export const DELIVERY_SOURCES = ['slack_event', 'slack_interaction', 'alert_notification'] as const;
export type DeliverySource = (typeof DELIVERY_SOURCES)[number];

/**
 * "Have I handled this delivery before?" answered by the store, so it holds across replicas: Slack retries an
 * event (same `event_id`, header `X-Slack-Retry-Num`) possibly to another replica, and a clustered
 * Alertmanager may deliver one group twice to different replicas. The key is the caller's: an interaction
 * payload carries no id, so the caller builds one (action_ts + user + action_id); this module only stores
 * strings. A building block: the runtime decides where it is asked.
 */
export interface DeliveryDedupe {
  /**
   * True exactly once per (source, id), whichever replica asks first; every later call (a retry, the same
   * delivery on another replica, even concurrently) gets false. One `INSERT ... ON CONFLICT DO NOTHING`.
   */
  firstSeen(source: DeliverySource, id: string, at: Date): Promise<boolean>;
  /**
   * Forgets deliveries seen before `before`; returns how many. Keep them longer than the sender retries
   * (Slack: 3 retries within minutes; a day is plenty).
   */
  prune(before: Date): Promise<number>;
}

/** A key the table can hold: never empty (a missing id must not collapse every delivery into one). */
export function checkDeliveryKey(source: string, id: string): void {
  if (!(DELIVERY_SOURCES as readonly string[]).includes(source)) throw new Error(`unknown delivery source ${JSON.stringify(source)}`);
  if (id.length === 0) throw new Error(`empty delivery id for ${source}`);
}

/** The embedded store's implementation; wrap it with `asyncRepository` behind the connection's gate. */
export function createSqliteDeliveryDedupe(db: Db): Sync<DeliveryDedupe> {
  const insert = db.prepare('INSERT INTO delivery_dedupe (source, id, seen_at) VALUES (?, ?, ?) ON CONFLICT (source, id) DO NOTHING');
  const prune = db.prepare('DELETE FROM delivery_dedupe WHERE seen_at < ?');
  return {
    firstSeen(source, id, at) {
      checkDeliveryKey(source, id);
      return insert.run(source, id, at.toISOString()).changes === 1;
    },
    prune(before) {
      return prune.run(before.toISOString()).changes;
    },
  };
}
