import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Sync } from '../store/sqlite/tx-gate';
import type { Db } from '../store/database';
import { isoOfMs, isoOfMsOrNull, msOfIso, msOfIsoOrNull } from '../store/sqlite/iso-time';
import { chainSnapshotSchema, type ChainSnapshot } from './chain-snapshot';
import type { EscalationState, EscalationStatus } from './escalation-machine';

/** `auto`: a diagnosis someone ran met the runbook's criteria; `alert`: the diagnosis of an alert did. */
export type EscalationTrigger = 'command' | 'button' | 'auto' | 'alert';

export const isAutomatic = (trigger: EscalationTrigger) => trigger === 'auto' || trigger === 'alert';

export interface EscalationRecord {
  id: string;
  incidentId: string;
  seq: number;
  chain: ChainSnapshot;
  state: EscalationState;
  token: string;
  trigger: EscalationTrigger;
  reasons: string[];
  originChannel: string | null;
  startedBy: string;
  startedAt: number;
  ackedBy: string | null;
  ackedAt: number | null;
  endedBy: string | null;
  endedAt: number | null;
}

export type NewEscalation = Omit<EscalationRecord, 'id' | 'seq' | 'token' | 'ackedBy' | 'ackedAt' | 'endedBy' | 'endedAt'>;

/** Escalation rows. Several calls that must not interleave (ticks, acks, page outcomes) go in one `withTx`. */
export interface EscalationStore {
  create(escalation: NewEscalation): Promise<EscalationRecord>;
  get(id: string): Promise<EscalationRecord | undefined>;
  active(incidentId: string): Promise<EscalationRecord | undefined>;
  latest(incidentId: string): Promise<EscalationRecord | undefined>;
  listActive(): Promise<EscalationRecord[]>;
  ofIncident(incidentId: string): Promise<EscalationRecord[]>;
  /** Active escalations whose next step is due: id and the token the tick must still hold. */
  due(now: number): Promise<{ id: string; token: string }[]>;
  nextDueAt(): Promise<number | null>;
  /** Writes the new state under a fresh token (older ticks become stale); returns the token. */
  save(id: string, state: EscalationState, extra?: { ackedBy?: string; ackedAt?: number; endedBy?: string; endedAt?: number }): Promise<string>;
}

interface Row {
  id: string;
  incident_id: string;
  seq: number;
  status: EscalationStatus;
  chain_json: string;
  step_index: number;
  round: number;
  round_started_at: string | null;
  waiting_level: number | null;
  next_due_at: string | null;
  token: string;
  trigger: EscalationTrigger;
  reasons_json: string;
  origin_channel: string | null;
  started_by: string;
  started_at: string;
  acked_by: string | null;
  acked_at: string | null;
  ended_by: string | null;
  ended_at: string | null;
}

const newToken = () => randomBytes(8).toString('hex');

function fromRow(r: Row): EscalationRecord {
  return {
    id: r.id,
    incidentId: r.incident_id,
    seq: r.seq,
    chain: chainSnapshotSchema.parse(JSON.parse(r.chain_json)),
    state: {
      status: r.status,
      stepIndex: r.step_index,
      round: r.round,
      roundStartedAt: msOfIsoOrNull(r.round_started_at),
      waitingLevel: r.waiting_level,
      nextDueAt: msOfIsoOrNull(r.next_due_at),
    },
    token: r.token,
    trigger: r.trigger,
    reasons: z.array(z.string()).parse(JSON.parse(r.reasons_json)),
    originChannel: r.origin_channel,
    startedBy: r.started_by,
    startedAt: msOfIso(r.started_at),
    ackedBy: r.acked_by,
    ackedAt: msOfIsoOrNull(r.acked_at),
    endedBy: r.ended_by,
    endedAt: msOfIsoOrNull(r.ended_at),
  };
}

export function createSqliteEscalationStore(db: Db): Sync<EscalationStore> {
  const one = (sql: string, ...params: unknown[]) => {
    const row = db.prepare(sql).get(...params) as Row | undefined;
    return row ? fromRow(row) : undefined;
  };
  return {
    create(e) {
      const seq = ((db.prepare('SELECT MAX(seq) AS seq FROM escalations WHERE incident_id = ?').get(e.incidentId) as { seq: number | null }).seq ?? 0) + 1;
      const id = `${e.incidentId}.e${seq}`;
      db.prepare(
        `INSERT INTO escalations (id, incident_id, seq, status, chain_json, step_index, round, round_started_at, waiting_level, next_due_at, token, trigger, reasons_json, origin_channel, started_by, started_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        id,
        e.incidentId,
        seq,
        e.state.status,
        JSON.stringify(e.chain),
        e.state.stepIndex,
        e.state.round,
        isoOfMsOrNull(e.state.roundStartedAt),
        e.state.waitingLevel,
        isoOfMsOrNull(e.state.nextDueAt),
        newToken(),
        e.trigger,
        JSON.stringify(e.reasons),
        e.originChannel,
        e.startedBy,
        isoOfMs(e.startedAt),
      );
      return one('SELECT * FROM escalations WHERE id = ?', id)!;
    },
    get: (id) => one('SELECT * FROM escalations WHERE id = ?', id),
    active: (incidentId) => one("SELECT * FROM escalations WHERE incident_id = ? AND status = 'active'", incidentId),
    latest: (incidentId) => one('SELECT * FROM escalations WHERE incident_id = ? ORDER BY seq DESC LIMIT 1', incidentId),
    ofIncident: (incidentId) => (db.prepare('SELECT * FROM escalations WHERE incident_id = ? ORDER BY seq').all(incidentId) as Row[]).map(fromRow),
    listActive: () => (db.prepare("SELECT * FROM escalations WHERE status = 'active' ORDER BY started_at").all() as Row[]).map(fromRow),
    due: (now) =>
      db.prepare("SELECT id, token FROM escalations WHERE status = 'active' AND next_due_at <= ? ORDER BY next_due_at LIMIT 100").all(isoOfMs(now)) as {
        id: string;
        token: string;
      }[],
    nextDueAt: () => msOfIsoOrNull((db.prepare("SELECT MIN(next_due_at) AS at FROM escalations WHERE status = 'active'").get() as { at: string | null }).at),
    save(id, s, extra = {}) {
      const token = newToken();
      db.prepare(
        `UPDATE escalations SET status = ?, step_index = ?, round = ?, round_started_at = ?, waiting_level = ?, next_due_at = ?, token = ?,
           acked_by = COALESCE(?, acked_by), acked_at = COALESCE(?, acked_at), ended_by = COALESCE(?, ended_by), ended_at = COALESCE(?, ended_at)
         WHERE id = ?`,
      ).run(
        s.status,
        s.stepIndex,
        s.round,
        isoOfMsOrNull(s.roundStartedAt),
        s.waitingLevel,
        isoOfMsOrNull(s.nextDueAt),
        token,
        extra.ackedBy ?? null,
        isoOfMsOrNull(extra.ackedAt ?? null),
        extra.endedBy ?? null,
        isoOfMsOrNull(extra.endedAt ?? null),
        id,
      );
      return token;
    },
  };
}
