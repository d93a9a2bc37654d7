import type { Sync } from '../store/sqlite/tx-gate';
import type { Db } from '../store/database';
import type { Lease, LeaseToken } from '../store/lease';
import { isoOfMs, msOfIso, msOfIsoOrNull } from '../store/sqlite/iso-time';
import { NEXT_ATTEMPT_SQL, outboxRowFrom, REACHES_HUMAN, type NewOutboxRow, type OutboxPayload, type OutboxRow, type OutboxRowValues } from './outbox-rows';

/**
 * The outbox of pages: every page, thread note and PagerDuty/webhook event is a row with a unique
 * idempotency key, written in the transaction that decided it and sent afterwards. A row goes
 * pending -> sending -> sent | failed | cancelled (or back to pending for a retry).
 *
 * A claim leases the row (`lease_owner`, `lease_until`); the sender extends it while the send runs. A row in
 * `sending` whose lease ran out was in flight in a process that died or stalled: any process's delivery pass
 * finds it (`expired`) and claims it again (a takeover); its outcome is unknown, so the send looks for it
 * first (a Slack post's marker) or repeats it with the same key (PagerDuty, webhooks). `markSent`,
 * `markRetry`, `markFailed` and `extend` are fenced by the claim's owner and attempt: they return false and
 * change nothing once another process took the row over.
 *
 * Time: on PostgreSQL leases are stamped and compared with the database clock (`clock_timestamp()`); the
 * `now` passed in is used for them only on SQLite (one process per file).
 */
export interface PageOutbox {
  /** INSERT OR IGNORE on the idempotency key: writing the same page twice is a no-op. Returns rows added. */
  insert(rows: readonly NewOutboxRow[], now: number): Promise<number>;
  /** Cancels the escalation's pages not sent yet (rows with a level); notes and updates still go out. */
  cancelPending(escalationId: string): Promise<number>;
  due(now: number, limit: number): Promise<OutboxRow[]>;
  /**
   * The earliest time a pass has work: a pending row's next attempt, or the end of a sending row's lease (its
   * sender may have died: on SQLite no poll would look again before the auditor, 30 s later).
   */
  nextAttemptAt(): Promise<number | null>;
  /**
   * pending (or sending with an expired lease) -> sending under `lease`, counting the attempt; the token
   * fences what follows. Undefined when the row was neither (cancelled, sent, held by a live lease).
   */
  claim(id: number, now: number, lease: Lease): Promise<LeaseToken | undefined>;
  /** Pushes the lease to `ttlMs` from now; false when it was lost. */
  extend(id: number, lease: LeaseToken, now: number, ttlMs: number): Promise<boolean>;
  markSent(id: number, lease: LeaseToken, now: number, result: Record<string, unknown>): Promise<boolean>;
  markRetry(id: number, lease: LeaseToken, nextAttemptAt: number, error: string, refundAttempt: boolean): Promise<boolean>;
  markFailed(id: number, lease: LeaseToken, error: string): Promise<boolean>;
  /** A pending row not claimed yet waits until `nextAttemptAt` (no-op on any other status). */
  postpone(id: number, nextAttemptAt: number, error: string): Promise<void>;
  get(id: number): Promise<OutboxRow | undefined>;
  ofEscalation(escalationId: string): Promise<OutboxRow[]>;
  ofLevel(escalationId: string, level: number, round: number): Promise<OutboxRow[]>;
  /** Replaces a row's payload (a page's packet refreshed after it was planned). */
  setPayload(id: number, payload: OutboxPayload): Promise<void>;
  /** Rows in `sending` whose lease ran out (their sender died or stalled), oldest first. */
  expired(now: number, limit: number): Promise<OutboxRow[]>;
}

/** The row as better-sqlite3 returns it: JSON as text, times as ISO-8601 text, booleans as 0/1. */
type Row = Omit<OutboxRowValues, 'reaches_human' | 'payload' | 'due_at' | 'next_attempt_at' | 'created_at' | 'sending_since' | 'sent_at' | 'result'> & {
  reaches_human: number;
  payload_json: string;
  due_at: string;
  next_attempt_at: string;
  created_at: string;
  sending_since: string | null;
  sent_at: string | null;
  result_json: string | null;
};

const fromRow = ({ reaches_human, payload_json, due_at, next_attempt_at, created_at, sending_since, sent_at, result_json, ...rest }: Row): OutboxRow =>
  outboxRowFrom({
    ...rest,
    reaches_human: reaches_human === 1,
    payload: JSON.parse(payload_json),
    due_at: msOfIso(due_at),
    next_attempt_at: msOfIso(next_attempt_at),
    created_at: msOfIso(created_at),
    sending_since: msOfIsoOrNull(sending_since),
    sent_at: msOfIsoOrNull(sent_at),
    result: result_json === null ? null : JSON.parse(result_json),
  });

const FENCE = "id = @id AND status = 'sending' AND lease_owner = @owner AND attempts = @attempt";
const RELEASE = 'lease_owner = NULL, lease_until = NULL';
const fence = (id: number, lease: LeaseToken) => ({ id, owner: lease.owner, attempt: lease.attempt });

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
        added += insert.run(
          r.key,
          r.escalationId,
          r.incidentId,
          r.level,
          r.round,
          kind,
          r.target,
          REACHES_HUMAN.has(kind) ? 1 : 0,
          JSON.stringify(r.payload),
          isoOfMs(r.dueAt),
          isoOfMs(now),
          isoOfMs(now),
        ).changes;
      }
      return added;
    },
    cancelPending: (escalationId) =>
      db.prepare("UPDATE page_outbox SET status = 'cancelled' WHERE escalation_id = ? AND status = 'pending' AND level IS NOT NULL").run(escalationId).changes,
    due: (now, limit) =>
      all("SELECT * FROM page_outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?", isoOfMs(now), limit),
    nextAttemptAt: () => msOfIsoOrNull((db.prepare(NEXT_ATTEMPT_SQL).get() as { at: string | null }).at),
    claim(id, now, lease) {
      const row = db
        .prepare(
          `UPDATE page_outbox SET status = 'sending', attempts = attempts + 1, sending_since = @now, lease_owner = @owner, lease_until = @until
            WHERE id = @id AND (status = 'pending' OR (status = 'sending' AND (lease_until IS NULL OR lease_until <= @now))) RETURNING attempts`,
        )
        .get({ id, now: isoOfMs(now), owner: lease.owner, until: isoOfMs(now + lease.ttlMs) }) as { attempts: number } | undefined;
      return row ? { owner: lease.owner, attempt: row.attempts } : undefined;
    },
    extend: (id, lease, now, ttlMs) =>
      db.prepare(`UPDATE page_outbox SET lease_until = @until WHERE ${FENCE}`).run({ ...fence(id, lease), until: isoOfMs(now + ttlMs) }).changes > 0,
    markSent: (id, lease, now, result) =>
      db
        .prepare(`UPDATE page_outbox SET status = 'sent', sent_at = @now, result_json = @result, ${RELEASE} WHERE ${FENCE}`)
        .run({ ...fence(id, lease), now: isoOfMs(now), result: JSON.stringify(result) }).changes > 0,
    markRetry: (id, lease, nextAttemptAt, error, refundAttempt) =>
      db
        .prepare(
          `UPDATE page_outbox SET status = 'pending', next_attempt_at = @nextAttemptAt, last_error = @error, attempts = attempts - @refund, ${RELEASE} WHERE ${FENCE}`,
        )
        .run({ ...fence(id, lease), nextAttemptAt: isoOfMs(nextAttemptAt), error, refund: refundAttempt ? 1 : 0 }).changes > 0,
    markFailed: (id, lease, error) =>
      db.prepare(`UPDATE page_outbox SET status = 'failed', last_error = @error, ${RELEASE} WHERE ${FENCE}`).run({ ...fence(id, lease), error }).changes > 0,
    postpone(id, nextAttemptAt, error) {
      db.prepare("UPDATE page_outbox SET next_attempt_at = ?, last_error = ? WHERE id = ? AND status = 'pending'").run(isoOfMs(nextAttemptAt), error, id);
    },
    get: (id) => all('SELECT * FROM page_outbox WHERE id = ?', id)[0],
    ofEscalation: (escalationId) => all('SELECT * FROM page_outbox WHERE escalation_id = ? ORDER BY id', escalationId),
    ofLevel: (escalationId, level, round) =>
      all('SELECT * FROM page_outbox WHERE escalation_id = ? AND level = ? AND round = ? ORDER BY id', escalationId, level, round),
    expired: (now, limit) =>
      all("SELECT * FROM page_outbox WHERE status = 'sending' AND (lease_until IS NULL OR lease_until <= ?) ORDER BY id LIMIT ?", isoOfMs(now), limit),
    setPayload(id, payload) {
      db.prepare('UPDATE page_outbox SET payload_json = ? WHERE id = ?').run(JSON.stringify(payload), id);
    },
  };
}
