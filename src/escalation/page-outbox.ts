import type { Sync } from '../store/sqlite/tx-gate';
import type { Db } from '../store/database';
import { outboxPayloadSchema, REACHES_HUMAN, type NewOutboxRow, type OutboxKind, type OutboxPayload, type OutboxRow, type OutboxStatus } from './outbox-rows';

/**
 * The outbox of pages: every page, thread note and PagerDuty/webhook event is a row with a unique
 * idempotency key, written in the transaction that decided it and sent afterwards. A row goes
 * pending -> sending -> sent | failed | cancelled (or back to pending for a retry); a row found in
 * `sending` at start-up was in flight when the process died.
 */
export interface PageOutbox {
  /** INSERT OR IGNORE on the idempotency key: writing the same page twice is a no-op. Returns rows added. */
  insert(rows: readonly NewOutboxRow[], now: number): Promise<number>;
  /** Cancels the escalation's pages not sent yet (rows with a level); notes and updates still go out. */
  cancelPending(escalationId: string): Promise<number>;
  due(now: number, limit: number): Promise<OutboxRow[]>;
  nextAttemptAt(): Promise<number | null>;
  /** pending -> sending, counting the attempt; false when the row was not pending (cancelled, taken). */
  claim(id: number, now: number): Promise<boolean>;
  markSent(id: number, now: number, result: Record<string, unknown>): Promise<void>;
  markRetry(id: number, nextAttemptAt: number, error: string, refundAttempt: boolean): Promise<void>;
  markFailed(id: number, error: string): Promise<void>;
  get(id: number): Promise<OutboxRow | undefined>;
  ofEscalation(escalationId: string): Promise<OutboxRow[]>;
  ofLevel(escalationId: string, level: number, round: number): Promise<OutboxRow[]>;
  /** Replaces a row's payload (a page's packet refreshed after it was planned). */
  setPayload(id: number, payload: OutboxPayload): Promise<void>;
  inFlight(): Promise<OutboxRow[]>;
}

interface Row {
  id: number;
  idempotency_key: string;
  escalation_id: string;
  incident_id: string;
  level: number | null;
  round: number | null;
  kind: OutboxKind;
  target: string;
  reaches_human: number;
  payload_json: string;
  status: OutboxStatus;
  attempts: number;
  due_at: number;
  next_attempt_at: number;
  created_at: number;
  sending_since: number | null;
  sent_at: number | null;
  last_error: string | null;
  result_json: string | null;
}

function fromRow(r: Row): OutboxRow {
  return {
    id: r.id,
    key: r.idempotency_key,
    escalationId: r.escalation_id,
    incidentId: r.incident_id,
    level: r.level,
    round: r.round,
    kind: r.kind,
    target: r.target,
    reachesHuman: r.reaches_human === 1,
    payload: outboxPayloadSchema.parse(JSON.parse(r.payload_json)),
    status: r.status,
    attempts: r.attempts,
    dueAt: r.due_at,
    nextAttemptAt: r.next_attempt_at,
    createdAt: r.created_at,
    sendingSince: r.sending_since,
    sentAt: r.sent_at,
    lastError: r.last_error,
    result: r.result_json ? (JSON.parse(r.result_json) as Record<string, unknown>) : null,
  };
}

export function createSqlitePageOutbox(db: Db): Sync<PageOutbox> {
  const all = (sql: string, ...params: unknown[]) => (db.prepare(sql).all(...params) as Row[]).map(fromRow);
  const insert = db.prepare(
    `INSERT OR IGNORE INTO page_outbox (idempotency_key, escalation_id, incident_id, level, round, kind, target, reaches_human, payload_json, status, due_at, next_attempt_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
  );
  return {
    insert(rows, now) {
      let added = 0;
      for (const r of rows) {
        const kind = r.payload.kind;
        added += insert.run(r.key, r.escalationId, r.incidentId, r.level, r.round, kind, r.target, REACHES_HUMAN.has(kind) ? 1 : 0, JSON.stringify(r.payload), r.dueAt, now, now).changes;
      }
      return added;
    },
    cancelPending: (escalationId) =>
      db.prepare("UPDATE page_outbox SET status = 'cancelled' WHERE escalation_id = ? AND status = 'pending' AND level IS NOT NULL").run(escalationId).changes,
    due: (now, limit) => all("SELECT * FROM page_outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?", now, limit),
    nextAttemptAt: () => (db.prepare("SELECT MIN(next_attempt_at) AS at FROM page_outbox WHERE status = 'pending'").get() as { at: number | null }).at,
    claim: (id, now) => db.prepare("UPDATE page_outbox SET status = 'sending', attempts = attempts + 1, sending_since = ? WHERE id = ? AND status = 'pending'").run(now, id).changes > 0,
    markSent(id, now, result) {
      db.prepare("UPDATE page_outbox SET status = 'sent', sent_at = ?, result_json = ? WHERE id = ?").run(now, JSON.stringify(result), id);
    },
    markRetry(id, nextAttemptAt, error, refundAttempt) {
      db.prepare(`UPDATE page_outbox SET status = 'pending', next_attempt_at = ?, last_error = ?, attempts = attempts - ? WHERE id = ?`).run(nextAttemptAt, error, refundAttempt ? 1 : 0, id);
    },
    markFailed(id, error) {
      db.prepare("UPDATE page_outbox SET status = 'failed', last_error = ? WHERE id = ?").run(error, id);
    },
    get: (id) => all('SELECT * FROM page_outbox WHERE id = ?', id)[0],
    ofEscalation: (escalationId) => all('SELECT * FROM page_outbox WHERE escalation_id = ? ORDER BY id', escalationId),
    ofLevel: (escalationId, level, round) => all('SELECT * FROM page_outbox WHERE escalation_id = ? AND level = ? AND round = ? ORDER BY id', escalationId, level, round),
    inFlight: () => all("SELECT * FROM page_outbox WHERE status = 'sending' ORDER BY id"),
    setPayload(id, payload) {
      db.prepare('UPDATE page_outbox SET payload_json = ? WHERE id = ?').run(JSON.stringify(payload), id);
    },
  };
}
