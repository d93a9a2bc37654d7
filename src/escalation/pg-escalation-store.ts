import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { PgSession } from '../store/postgres/pg-session';
import { chainSnapshotSchema } from './chain-snapshot';
import type { EscalationStatus } from './escalation-machine';
import type { EscalationRecord, EscalationStore, EscalationTrigger } from './escalation-store';

/** Times are TIMESTAMPTZ here and epoch milliseconds in the records, as SQLite stores them. */
interface Row {
  id: string;
  incident_id: string;
  seq: number;
  status: EscalationStatus;
  chain_json: unknown; // JSONB: parsed by `pg`, still checked by zod
  step_index: number;
  round: number;
  round_started_at: Date | null;
  waiting_level: number | null;
  next_due_at: Date | null;
  token: string;
  trigger: EscalationTrigger;
  reasons_json: unknown;
  origin_channel: string | null;
  started_by: string;
  started_at: Date;
  acked_by: string | null;
  acked_at: Date | null;
  ended_by: string | null;
  ended_at: Date | null;
}

const newToken = () => randomBytes(8).toString('hex');
const reasonsSchema = z.array(z.string());

/** Epoch ms <-> TIMESTAMPTZ: `pg` sends a Date with its milliseconds, so the round trip is exact. */
const toTime = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms));
const toMs = (d: Date | null) => (d === null ? null : d.getTime());

function fromRow(r: Row): EscalationRecord {
  return {
    id: r.id,
    incidentId: r.incident_id,
    seq: r.seq,
    chain: chainSnapshotSchema.parse(r.chain_json),
    state: {
      status: r.status,
      stepIndex: r.step_index,
      round: r.round,
      roundStartedAt: toMs(r.round_started_at),
      waitingLevel: r.waiting_level,
      nextDueAt: toMs(r.next_due_at),
    },
    token: r.token,
    trigger: r.trigger,
    reasons: reasonsSchema.parse(r.reasons_json),
    originChannel: r.origin_channel,
    startedBy: r.started_by,
    startedAt: r.started_at.getTime(),
    ackedBy: r.acked_by,
    ackedAt: toMs(r.acked_at),
    endedBy: r.ended_by,
    endedAt: toMs(r.ended_at),
  };
}

/**
 * Escalation rows on PostgreSQL (PG migration 20). `create`, `active` and `latest` take a transaction-scoped
 * advisory lock on the incident, so two replicas escalating it at once queue up: the second sees the first's
 * row (and a `create` beside an active one fails on the one-active index, as on SQLite).
 */
export function createPgEscalationStore(session: PgSession): EscalationStore {
  const one = async (sql: string, params: readonly unknown[]) => {
    const row = await session.one<Row>(sql, params);
    return row ? fromRow(row) : undefined;
  };
  /** Transaction-scoped: held until the caller's transaction ends (released at once outside one). */
  const lockIncident = (incidentId: string) => session.run("SELECT pg_advisory_xact_lock(hashtextextended('escalations:' || $1, 0))", [incidentId]);
  const all = async (sql: string, params: readonly unknown[]) => (await session.query<Row>(sql, params)).map(fromRow);
  return {
    create(e) {
      return session.withTx(async () => {
        await lockIncident(e.incidentId);
        const seq =
          ((await session.one<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM escalations WHERE incident_id = $1', [e.incidentId]))?.seq ?? 0) + 1;
        const id = `${e.incidentId}.e${seq}`;
        const row = await session.one<Row>(
          `INSERT INTO escalations (id, incident_id, seq, status, chain_json, step_index, round, round_started_at, waiting_level, next_due_at, token, trigger, reasons_json, origin_channel, started_by, started_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING *`,
          [
            id,
            e.incidentId,
            seq,
            e.state.status,
            JSON.stringify(e.chain),
            e.state.stepIndex,
            e.state.round,
            toTime(e.state.roundStartedAt),
            e.state.waitingLevel,
            toTime(e.state.nextDueAt),
            newToken(),
            e.trigger,
            JSON.stringify(e.reasons),
            e.originChannel,
            e.startedBy,
            toTime(e.startedAt),
          ],
        );
        return fromRow(row!);
      });
    },
    // The reads a decision starts from lock what they read (FOR UPDATE, and the incident's escalation lock):
    // inside `withTx` a tick, an ack and an escalate of one incident then run one after the other, as SQLite's
    // IMMEDIATE transactions do; outside one the locks end with the statement.
    get: (id) => one('SELECT * FROM escalations WHERE id = $1 FOR UPDATE', [id]),
    async active(incidentId) {
      await lockIncident(incidentId);
      return one("SELECT * FROM escalations WHERE incident_id = $1 AND status = 'active' FOR UPDATE", [incidentId]);
    },
    async latest(incidentId) {
      await lockIncident(incidentId);
      return one('SELECT * FROM escalations WHERE incident_id = $1 ORDER BY seq DESC LIMIT 1 FOR UPDATE', [incidentId]);
    },
    ofIncident: (incidentId) => all('SELECT * FROM escalations WHERE incident_id = $1 ORDER BY seq', [incidentId]),
    listActive: () => all("SELECT * FROM escalations WHERE status = 'active' ORDER BY started_at, id", []),
    async due(now) {
      return session.query<{ id: string; token: string }>(
        "SELECT id, token FROM escalations WHERE status = 'active' AND next_due_at <= $1 ORDER BY next_due_at, id LIMIT 100",
        [toTime(now)],
      );
    },
    async nextDueAt() {
      const row = await session.one<{ at: Date | null }>("SELECT MIN(next_due_at) AS at FROM escalations WHERE status = 'active'");
      return toMs(row?.at ?? null);
    },
    async save(id, s, extra = {}) {
      const token = newToken();
      await session.run(
        `UPDATE escalations SET status = $1, step_index = $2, round = $3, round_started_at = $4, waiting_level = $5, next_due_at = $6, token = $7,
           acked_by = COALESCE($8, acked_by), acked_at = COALESCE($9, acked_at), ended_by = COALESCE($10, ended_by), ended_at = COALESCE($11, ended_at)
         WHERE id = $12`,
        [
          s.status,
          s.stepIndex,
          s.round,
          toTime(s.roundStartedAt),
          s.waitingLevel,
          toTime(s.nextDueAt),
          token,
          extra.ackedBy ?? null,
          toTime(extra.ackedAt),
          extra.endedBy ?? null,
          toTime(extra.endedAt),
          id,
        ],
      );
      return token;
    },
  };
}
