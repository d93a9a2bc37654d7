import type { PgSession } from '../store/postgres/pg-session';
import { NEXT_ATTEMPT_SQL, outboxRowFrom, REACHES_HUMAN, type OutboxRow, type OutboxRowValues } from './outbox-rows';
import type { PageOutbox } from './page-outbox';
import type { LeaseToken } from '../store/lease';

/** The row as `pg` returns it: BIGINT as text, TIMESTAMPTZ as Date, JSONB parsed. */
type Row = Omit<OutboxRowValues, 'id' | 'payload' | 'due_at' | 'next_attempt_at' | 'created_at' | 'sending_since' | 'sent_at' | 'result'> & {
  id: string;
  payload_json: unknown;
  due_at: Date;
  next_attempt_at: Date;
  created_at: Date;
  sending_since: Date | null;
  sent_at: Date | null;
  result_json: unknown;
};

const toMs = (d: Date | null) => (d === null ? null : d.getTime());

const fromRow = ({ id, payload_json, due_at, next_attempt_at, created_at, sending_since, sent_at, result_json, ...rest }: Row): OutboxRow =>
  outboxRowFrom({
    ...rest,
    id: Number(id),
    payload: payload_json,
    due_at: due_at.getTime(),
    next_attempt_at: next_attempt_at.getTime(),
    created_at: created_at.getTime(),
    sending_since: toMs(sending_since),
    sent_at: toMs(sent_at),
    result: result_json,
  });

const COLUMNS =
  'id::text AS id, idempotency_key, escalation_id, incident_id, level, round, kind, target, reaches_human, payload_json, status, attempts, due_at, next_attempt_at, created_at, sending_since, sent_at, last_error, result_json';

/**
 * The page outbox on PostgreSQL (PG migration 20). The unique idempotency key makes a second write of the
 * same page a no-op on every replica (`ON CONFLICT DO NOTHING`); `claim` is one UPDATE that re-checks
 * `pending` (or an expired lease) after waiting for a concurrent claimer's row lock, so exactly one replica
 * sends each row. Leases are stamped and compared with `clock_timestamp()`, the database's clock.
 */
const FENCE = "id = $1 AND status = 'sending' AND lease_owner = $2 AND attempts = $3";
const RELEASE = 'lease_owner = NULL, lease_until = NULL';
const fence = (id: number, lease: LeaseToken) => [id, lease.owner, lease.attempt] as const;
const until = (ttlMs: number) => `clock_timestamp() + make_interval(secs => ${Number(ttlMs)}::double precision / 1000)`;

export function createPgPageOutbox(session: PgSession): PageOutbox {
  const all = async (where: string, params: readonly unknown[]) =>
    (await session.query<Row>(`SELECT ${COLUMNS} FROM page_outbox ${where}`, params)).map(fromRow);
  return {
    insert(rows, now) {
      if (rows.length === 0) return Promise.resolve(0);
      return session.withTx(async () => {
        let added = 0;
        for (const r of rows) {
          const kind = r.payload.kind;
          added += await session.run(
            `INSERT INTO page_outbox (idempotency_key, escalation_id, incident_id, level, round, kind, target, reaches_human, payload_json, status, due_at, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11, $11)
             ON CONFLICT (idempotency_key) DO NOTHING`,
            [
              r.key,
              r.escalationId,
              r.incidentId,
              r.level,
              r.round,
              kind,
              r.target,
              REACHES_HUMAN.has(kind),
              JSON.stringify(r.payload),
              new Date(r.dueAt),
              new Date(now),
            ],
          );
        }
        return added;
      });
    },
    cancelPending: (escalationId) =>
      session.run("UPDATE page_outbox SET status = 'cancelled' WHERE escalation_id = $1 AND status = 'pending' AND level IS NOT NULL", [escalationId]),
    due: (now, limit) => all("WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2", [new Date(now), limit]),
    async nextAttemptAt() {
      const row = await session.one<{ at: Date | null }>(NEXT_ATTEMPT_SQL);
      return toMs(row?.at ?? null);
    },
    async claim(id, now, lease) {
      const row = await session.one<{ attempts: number }>(
        `UPDATE page_outbox SET status = 'sending', attempts = attempts + 1, sending_since = $1, lease_owner = $3, lease_until = ${until(lease.ttlMs)}
          WHERE id = $2 AND (status = 'pending' OR (status = 'sending' AND (lease_until IS NULL OR lease_until <= clock_timestamp()))) RETURNING attempts`,
        [new Date(now), id, lease.owner],
      );
      return row ? { owner: lease.owner, attempt: row.attempts } : undefined;
    },
    async extend(id, lease, _now, ttlMs) {
      return (await session.run(`UPDATE page_outbox SET lease_until = ${until(ttlMs)} WHERE ${FENCE}`, fence(id, lease))) > 0;
    },
    async markSent(id, lease, now, result) {
      return (
        (await session.run(`UPDATE page_outbox SET status = 'sent', sent_at = $4, result_json = $5, ${RELEASE} WHERE ${FENCE}`, [
          ...fence(id, lease),
          new Date(now),
          JSON.stringify(result),
        ])) > 0
      );
    },
    async markRetry(id, lease, nextAttemptAt, error, refundAttempt) {
      return (
        (await session.run(
          `UPDATE page_outbox SET status = 'pending', next_attempt_at = $4, last_error = $5, attempts = attempts - $6, ${RELEASE} WHERE ${FENCE}`,
          [...fence(id, lease), new Date(nextAttemptAt), error, refundAttempt ? 1 : 0],
        )) > 0
      );
    },
    async markFailed(id, lease, error) {
      return (await session.run(`UPDATE page_outbox SET status = 'failed', last_error = $4, ${RELEASE} WHERE ${FENCE}`, [...fence(id, lease), error])) > 0;
    },
    async postpone(id, nextAttemptAt, error) {
      await session.run("UPDATE page_outbox SET next_attempt_at = $1, last_error = $2 WHERE id = $3 AND status = 'pending'", [
        new Date(nextAttemptAt),
        error,
        id,
      ]);
    },
    async get(id) {
      return (await all('WHERE id = $1', [id]))[0];
    },
    ofEscalation: (escalationId) => all('WHERE escalation_id = $1 ORDER BY id', [escalationId]),
    ofLevel: (escalationId, level, round) => all('WHERE escalation_id = $1 AND level = $2 AND round = $3 ORDER BY id', [escalationId, level, round]),
    expired: (_now, limit) => all("WHERE status = 'sending' AND (lease_until IS NULL OR lease_until <= clock_timestamp()) ORDER BY id LIMIT $1", [limit]),
    async setPayload(id, payload) {
      await session.run('UPDATE page_outbox SET payload_json = $1 WHERE id = $2', [JSON.stringify(payload), id]);
    },
  };
}
