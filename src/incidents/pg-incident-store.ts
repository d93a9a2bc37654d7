import type { PgSession } from '../store/postgres/pg-session';
import { ADVISORY_CLASS, isoOf, isoOrNull, isUniqueViolation, numberOf } from '../store/postgres/pg-row-values';
import type { TimelineLog } from '../timeline/timeline-log';
import { createPgTimelineLog } from '../timeline/pg-timeline-log';
import { NODE_PROBLEM } from './incident-problem';
import { adoptionValues, incidentFromRow, newIncidentValues, type IncidentRow } from './incident-row';
import { eventFromRow, type EventRow } from '../timeline/event-row';
import { newIncidentId, type Incident, type IncidentEvent, type IncidentStore, type NewIncident, type OpenResult } from './incident-store';

/** As `pg` reads it: TIMESTAMPTZ as a Date, labels and annotations as parsed JSONB. */
type Row = Omit<IncidentRow, 'opened_at' | 'resolved_at'> & { opened_at: Date; resolved_at: Date | null };

const fromRow = (row: Row, diagnosisJson: unknown): Incident =>
  incidentFromRow({ ...row, opened_at: isoOf(row.opened_at), resolved_at: isoOrNull(row.resolved_at) }, diagnosisJson);

/**
 * Newest first. SQLite breaks a tie of `opened_at` (two problems of one webhook, one timestamp) by rowid, i.e.
 * insertion order; incidents here have no such column, so the tie goes to the incident whose `opened` event
 * (an identity column, written in the same transaction as the incident) came last.
 */
const NEWEST_FIRST = 'ORDER BY opened_at DESC, (SELECT min(e.id) FROM incident_events e WHERE e.incident_id = incidents.id) DESC NULLS LAST';

/** Fresh ids tried before giving up on one incident (see newIncidentId). */
const ID_ATTEMPTS = 5;
/** Times an arrival re-reads after losing a race it could not have locked out (a caller without the node lock). */
const RACE_ATTEMPTS = 3;

/**
 * The PostgreSQL twin of createSqliteIncidentStore. SQLite gets "one open incident per node and problem" from
 * its IMMEDIATE transactions (one writer at a time); here `openOrGet` takes a transaction-scoped advisory lock
 * on the node (or, for an alert without a node, on its fingerprint and episode), so two replicas deciding for
 * the same node decide one after the other, and the partial unique index stays the last word. Statements that
 * may fail on a constraint run in savepoints: in PostgreSQL a failed statement would abort the transaction.
 */
export function createPgIncidentStore(session: PgSession, options: { newId?: () => string; timeline?: TimelineLog } = {}): IncidentStore {
  const newId = options.newId ?? newIncidentId;
  const timeline = options.timeline ?? createPgTimelineLog(session);
  // The diagnosis is stored once, in `diagnoses`; the incident points at the run it shows (one lookup per read).
  const withDiagnoses = async (rows: Row[]): Promise<Incident[]> => {
    const ids = [...new Set(rows.flatMap((r) => (r.diagnosis_id === null ? [] : [String(r.diagnosis_id)])))];
    const found =
      ids.length === 0
        ? []
        : await session.query<{ id: string; result_json: unknown }>('SELECT id, result_json FROM diagnoses WHERE id = ANY($1::bigint[])', [ids]);
    const byId = new Map(found.map((d) => [String(d.id), d.result_json]));
    return rows.map((r) => fromRow(r, r.diagnosis_id === null ? undefined : byId.get(String(r.diagnosis_id))));
  };
  const one = async (sql: string, params: unknown[]) => {
    const row = await session.one<Row>(sql, params);
    return row ? (await withDiagnoses([row]))[0] : undefined;
  };
  const many = async (sql: string, params: unknown[]) => withDiagnoses(await session.query<Row>(sql, params));
  const get = (id: string) => one('SELECT * FROM incidents WHERE id = $1', [id]);
  const mustGet = async (id: string) => {
    const incident = await get(id);
    if (!incident) throw new Error(`incident ${id} vanished inside its own transaction`);
    return incident;
  };

  /** The incident an arrival belongs to, joining it when it is the node's (see `openOrGet`). */
  const belonging = async (incident: NewIncident, at: Date): Promise<OpenResult | undefined> => {
    const { fingerprint, episode, node } = incident;
    if (fingerprint && episode) {
      const row = await session.one<{ incident_id: string }>('SELECT incident_id FROM incident_alerts WHERE fingerprint = $1 AND episode = $2', [
        fingerprint,
        episode,
      ]);
      if (row) return { incident: await mustGet(row.incident_id), created: false, joined: false };
    }
    if (!node) return undefined;
    // Locked: a resolve of one of them waits for this join, or this join sees it resolved.
    const open = await many(`SELECT * FROM incidents WHERE node = $1 AND status = 'open' ${NEWEST_FIRST} FOR UPDATE`, [node]);
    const problem = incident.problem ?? NODE_PROBLEM;
    const existing = fingerprint ? (open.find((i) => i.problem === problem) ?? open.find((i) => i.problem === NODE_PROBLEM && !i.fingerprint)) : open[0];
    if (!existing) return undefined;
    return { incident: await join(existing, incident, at), created: false, joined: true };
  };
  const join = async (existing: Incident, incident: NewIncident, at: Date): Promise<Incident> => {
    if (!incident.fingerprint || !incident.episode) return existing;
    await session.run("INSERT INTO incident_alerts (fingerprint, episode, incident_id, status, joined_at) VALUES ($1, $2, $3, 'firing', $4)", [
      incident.fingerprint,
      incident.episode,
      existing.id,
      at,
    ]);
    if (!existing.fingerprint) {
      // The first alert of an incident a diagnosis or `escalate` opened: the incident becomes that alert's.
      await session.run(
        'UPDATE incidents SET fingerprint = $1, episode = $2, alertname = $3, labels_json = $4::jsonb, annotations_json = $5::jsonb, severity = COALESCE($6, severity), title = $7, problem = $8 WHERE id = $9',
        adoptionValues(existing, incident),
      );
    }
    await store.addEvent(existing.id, 'alert_joined', at, 'alertmanager', {
      fingerprint: incident.fingerprint,
      alertname: incident.alertname ?? null,
      adopted: !existing.fingerprint,
    });
    return mustGet(existing.id);
  };
  /** Inserts with a fresh id, retrying a collision with the primary key in its own savepoint. */
  const insertRow = async (incident: NewIncident, at: Date): Promise<string> => {
    for (let attempt = 1; ; attempt++) {
      const id = newId();
      try {
        await session.withTx(() =>
          session.run(
            `INSERT INTO incidents (id, node, title, source, status, severity, alertname, fingerprint, episode, labels_json, annotations_json, channel, opened_at, problem)
             VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12, $13)`,
            newIncidentValues(id, incident, at),
          ),
        );
        return id;
      } catch (err) {
        if (!isUniqueViolation(err, 'incidents_pkey') || attempt >= ID_ATTEMPTS) throw err;
      }
    }
  };
  const insert = async (incident: NewIncident, at: Date): Promise<Incident> => {
    const id = await insertRow(incident, at);
    if (incident.fingerprint && incident.episode) {
      await session.run("INSERT INTO incident_alerts (fingerprint, episode, incident_id, status, joined_at) VALUES ($1, $2, $3, 'firing', $4)", [
        incident.fingerprint,
        incident.episode,
        id,
        at,
      ]);
    }
    await store.addEvent(id, 'opened', at, null, { source: incident.source });
    return mustGet(id);
  };

  /** What `openOrGet` locks to commit: the node (one incident per node and problem), else the alert's episode. */
  const openLockKey = (incident: Pick<NewIncident, 'node' | 'fingerprint' | 'episode'>) =>
    incident.node ? `node:${incident.node}` : incident.fingerprint && incident.episode ? `alert:${incident.fingerprint}:${incident.episode}` : undefined;

  const store: IncidentStore = {
    async lockForOpen(incidents) {
      const keys = [...new Set(incidents.map(openLockKey).filter((k): k is string => k !== undefined))].sort();
      for (const key of keys) await session.run('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ADVISORY_CLASS.incidentOpen, key]);
    },
    openOrGet(incident, at) {
      return session.withTx(async (): Promise<OpenResult> => {
        const lockKey = openLockKey(incident);
        if (lockKey) await session.run('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ADVISORY_CLASS.incidentOpen, lockKey]);
        for (let attempt = 1; ; attempt++) {
          try {
            // A savepoint per attempt: a unique violation undoes only this attempt, then the winner is read.
            return await session.withTx(async () => (await belonging(incident, at)) ?? { incident: await insert(incident, at), created: true, joined: false });
          } catch (err) {
            if (!isUniqueViolation(err) || attempt >= RACE_ATTEMPTS) throw err;
          }
        }
      });
    },
    resolveAlert(fingerprint, at) {
      return session.withTx(async () => {
        // The incident row is locked: two of its alerts resolving at once count each other's resolve.
        const incident = await one(
          "SELECT i.* FROM incident_alerts a JOIN incidents i ON i.id = a.incident_id WHERE a.fingerprint = $1 AND i.status = 'open' ORDER BY i.opened_at DESC LIMIT 1 FOR UPDATE OF i",
          [fingerprint],
        );
        if (!incident) return undefined;
        await session.run("UPDATE incident_alerts SET status = 'resolved' WHERE fingerprint = $1 AND incident_id = $2", [fingerprint, incident.id]);
        const firing = await session.one<{ n: string }>("SELECT COUNT(*) AS n FROM incident_alerts WHERE incident_id = $1 AND status = 'firing'", [
          incident.id,
        ]);
        return { incident, othersFiring: numberOf(firing!.n) };
      });
    },
    openOfNode: (node) => many(`SELECT * FROM incidents WHERE node = $1 AND status = 'open' ${NEWEST_FIRST}`, [node]),
    get,
    openForNode: (node) => one(`SELECT * FROM incidents WHERE node = $1 AND status = 'open' ${NEWEST_FIRST} LIMIT 1`, [node]),
    openForChannel: (channel) => one("SELECT * FROM incidents WHERE channel = $1 AND status = 'open' ORDER BY opened_at DESC LIMIT 1", [channel]),
    openForFingerprint: (fp) =>
      one(
        "SELECT i.* FROM incident_alerts a JOIN incidents i ON i.id = a.incident_id WHERE a.fingerprint = $1 AND i.status = 'open' ORDER BY i.opened_at DESC LIMIT 1",
        [fp],
      ),
    listOpen: () => many("SELECT * FROM incidents WHERE status = 'open' ORDER BY opened_at", []),
    async setThread(id, channel, threadTs) {
      await session.run('UPDATE incidents SET channel = $1, thread_ts = $2 WHERE id = $3', [channel, threadTs, id]);
    },
    resolve(id, at, by) {
      return session.withTx(async () => {
        const changed =
          (await session.run("UPDATE incidents SET status = 'resolved', resolved_at = $1, resolved_by = $2 WHERE id = $3 AND status = 'open'", [at, by, id])) >
          0;
        if (changed) await store.addEvent(id, 'resolved', at, by);
        return changed;
      });
    },
    async addEvent(incidentId, kind, at, actor = null, detail = {}, dedupeKey) {
      await timeline.append(incidentId, kind, at, detail, { actor, dedupeKey });
    },
    async events(incidentId) {
      const rows = await session.query<Omit<EventRow, 'id' | 'at'> & { id: string; at: Date }>(
        'SELECT * FROM incident_events WHERE incident_id = $1 ORDER BY id',
        [incidentId],
      );
      return rows.map((r): IncidentEvent => eventFromRow({ ...r, id: numberOf(r.id), at: isoOf(r.at) }));
    },
    history: (node, alertname, since, excludeId) =>
      many('SELECT * FROM incidents WHERE node = $1 AND alertname = $2 AND opened_at >= $3 AND id != $4 ORDER BY opened_at DESC', [
        node,
        alertname,
        since,
        excludeId ?? '',
      ]),
    ofThread: (channel, threadTs) => one('SELECT * FROM incidents WHERE channel = $1 AND thread_ts = $2 ORDER BY opened_at DESC LIMIT 1', [channel, threadTs]),
    async statsSince(since) {
      const rows = await session.query<{
        id: string;
        node: string | null;
        opened_at: Date;
        resolved_at: Date | null;
        acked_at: Date | null;
        cause: string | null;
      }>(
        `SELECT i.id, i.node, i.opened_at, i.resolved_at,
           (SELECT MIN(e.at) FROM incident_events e WHERE e.incident_id = i.id AND e.kind = 'acked') AS acked_at,
           (SELECT e.detail_json #>> '{causes,0}' FROM incident_events e WHERE e.incident_id = i.id AND e.kind = 'diagnosed' ORDER BY e.id DESC LIMIT 1) AS cause
         FROM incidents i WHERE i.opened_at >= $1 ORDER BY i.opened_at`,
        [since],
      );
      return rows.map((r) => ({
        id: r.id,
        node: r.node,
        openedAt: isoOf(r.opened_at),
        resolvedAt: isoOrNull(r.resolved_at),
        ackedAt: isoOrNull(r.acked_at),
        cause: r.cause,
      }));
    },
    pruneResolvedBefore(cutoff) {
      const old = "SELECT id FROM incidents WHERE status = 'resolved' AND COALESCE(resolved_at, opened_at) < $1";
      return session.withTx(async () => {
        const events = await session.run(`DELETE FROM incident_events WHERE incident_id IN (${old})`, [cutoff]);
        await session.run(`DELETE FROM alert_threads WHERE incident_id IN (${old})`, [cutoff]);
        await session.run(`DELETE FROM incident_alerts WHERE incident_id IN (${old})`, [cutoff]);
        await session.run(`DELETE FROM alert_jobs WHERE status != 'pending' AND status != 'running' AND target IN (${old})`, [cutoff]);
        await session.run(`DELETE FROM page_outbox WHERE incident_id IN (${old})`, [cutoff]);
        await session.run(`DELETE FROM escalations WHERE incident_id IN (${old})`, [cutoff]);
        const incidents = await session.run(`DELETE FROM incidents WHERE id IN (${old}) AND id NOT IN (SELECT target FROM alert_jobs)`, [cutoff]);
        return { incidents, events };
      });
    },
  };
  return store;
}
