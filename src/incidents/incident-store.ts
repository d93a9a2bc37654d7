import { randomBytes } from 'node:crypto';
import type { Sync } from '../store/sqlite/tx-gate';
import type { Db } from '../store/database';
import { createTimelineLog, type TimelineLog } from '../timeline/timeline-log';
import { NODE_PROBLEM } from './incident-problem';
import { parsedJsonText } from '../store/row-values';
import { adoptionValues, incidentFromRow, newIncidentValues, type IncidentRow } from './incident-row';
import { eventFromRow, type EventRow } from '../timeline/event-row';
import type { Incident, IncidentEvent, NewIncident } from './incident';

export type { Incident, IncidentEvent, NewIncident } from './incident';

/** `joined`: the arrival found the node's open incident for its problem and joined it (an alert adopts a manual one). */
export interface OpenResult {
  incident: Incident;
  created: boolean;
  joined: boolean;
}

/**
 * Incidents and their timelines. The interface is what flows use, async so a PostgreSQL implementation can
 * follow; SQLite's is synchronous underneath (behind the transaction gate of store/sqlite/tx-gate.ts).
 */
export interface IncidentStore {
  /**
   * Opens an incident, or returns the one it belongs to, in one IMMEDIATE transaction: the incident of the same
   * alert fingerprint and firing episode; else the node's open incident of the same problem (an alert also
   * adopts the node's incident that no alert has yet; a request without an alert joins any of the node's).
   */
  openOrGet(incident: NewIncident, at: Date): Promise<OpenResult>;
  /**
   * Inside a transaction that will call `openOrGet` for several of these: takes what those calls lock, in one
   * order, up front (PostgreSQL: the per-node lock lasts to commit; two webhooks taking their nodes in other
   * orders would deadlock). A no-op where writers are serialized anyway (SQLite).
   */
  lockForOpen(incidents: readonly Pick<NewIncident, 'node' | 'fingerprint' | 'episode'>[]): Promise<void>;
  /** Marks an alert resolved; says whether other alerts of its incident are still firing. */
  resolveAlert(fingerprint: string, at: Date): Promise<{ incident: Incident; othersFiring: number } | undefined>;
  /** The node's open incidents, newest first. */
  openOfNode(node: string): Promise<Incident[]>;
  get(id: string): Promise<Incident | undefined>;
  /** The most recent open incident of a node. */
  openForNode(node: string): Promise<Incident | undefined>;
  /** The most recent open incident threaded in a channel. */
  openForChannel(channel: string): Promise<Incident | undefined>;
  /** The open incident of an alert fingerprint, whatever its episode (for `resolved` notifications). */
  openForFingerprint(fingerprint: string): Promise<Incident | undefined>;
  listOpen(): Promise<Incident[]>;
  setThread(id: string, channel: string, threadTs: string): Promise<void>;
  resolve(id: string, at: Date, by: string): Promise<boolean>;
  /** Appends to the incident's timeline (src/timeline): a known kind's detail is validated, a bad one throws. */
  addEvent(incidentId: string, kind: string, at: Date, actor?: string | null, detail?: Record<string, unknown>, dedupeKey?: string): Promise<void>;
  events(incidentId: string): Promise<IncidentEvent[]>;
  /** Earlier incidents of the same alert on the same node since `since`, newest first. */
  history(node: string, alertname: string, since: Date, excludeId?: string): Promise<Incident[]>;
  /** The latest incident, open or resolved, whose thread starts at `threadTs` in `channel` (the note shortcut). */
  ofThread(channel: string, threadTs: string): Promise<Incident | undefined>;
  /** Incidents opened since `since`, oldest first, with their first ack and last diagnosed cause (stats-incidents). */
  statsSince(since: Date): Promise<IncidentStatsRow[]>;
  /**
   * Retention: removes the incidents resolved before `cutoff` with everything recorded about them (events,
   * alert threads, finished jobs, pages, escalations), all or nothing. Open incidents stay whatever their age.
   */
  pruneResolvedBefore(cutoff: Date): Promise<{ incidents: number; events: number }>;
}

/** One incident as `/stemedb stats-incidents` counts it. */
export interface IncidentStatsRow {
  id: string;
  node: string | null;
  openedAt: string;
  resolvedAt: string | null;
  /** The first `acked` event's time. */
  ackedAt: string | null;
  /** The first cause of the last `diagnosed` event. */
  cause: string | null;
}

/** As SQLite stores it: labels and annotations as JSON text. */
type Row = Omit<IncidentRow, 'labels_json' | 'annotations_json'> & { labels_json: string; annotations_json: string };

const fromRow = (row: Row, diagnosisJson: string | undefined): Incident =>
  incidentFromRow({ ...row, labels_json: parsedJsonText(row.labels_json), annotations_json: parsedJsonText(row.annotations_json) }, diagnosisJson);

/**
 * Short, readable ids responders can type: `inc-7f3a2c91d0`. 40 random bits: a 2,000-alert storm on a store
 * of a million incidents collides with odds of about 2 in 1,000, and a collision is retried (withFreshId), so
 * it costs a retry, never the webhook.
 */
export function newIncidentId(): string {
  return `inc-${randomBytes(5).toString('hex')}`;
}

/** Fresh ids tried before giving up on one incident. */
const ID_ATTEMPTS = 5;

/**
 * Runs `insert` with a new id until it does not collide with an existing one. A failed INSERT undoes only
 * itself (SQLite aborts the statement, not the transaction), so retrying inside the transaction is safe.
 */
function withFreshId(newId: () => string, insert: (id: string) => unknown): string {
  for (let attempt = 1; ; attempt++) {
    const id = newId();
    try {
      insert(id);
      return id;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY' || attempt >= ID_ATTEMPTS) throw err;
    }
  }
}

/** `newId` lets tests force collisions; production uses `newIncidentId`. */
export function createSqliteIncidentStore(db: Db, options: { newId?: () => string; timeline?: Sync<TimelineLog> } = {}): Sync<IncidentStore> {
  const newId = options.newId ?? newIncidentId;
  const timeline = options.timeline ?? createTimelineLog(db);
  const diagnosisJson = db.prepare('SELECT result_json FROM diagnoses WHERE id = ?');
  // The diagnosis is stored once, in `diagnoses`; the incident points at the run it shows.
  const toIncident = (row: Row) =>
    fromRow(row, row.diagnosis_id === null ? undefined : (diagnosisJson.get(row.diagnosis_id) as { result_json: string } | undefined)?.result_json);
  const one = (sql: string, ...params: unknown[]) => {
    const row = db.prepare(sql).get(...params) as Row | undefined;
    return row ? toIncident(row) : undefined;
  };
  /** The incident an arrival belongs to, joining it when it is the node's (see `openOrGet`). */
  const belonging = (incident: NewIncident, at: Date): OpenResult | undefined => {
    const { fingerprint, episode, node } = incident;
    if (fingerprint && episode) {
      const row = db.prepare('SELECT incident_id FROM incident_alerts WHERE fingerprint = ? AND episode = ?').get(fingerprint, episode) as
        | { incident_id: string }
        | undefined;
      if (row) return { incident: store.get(row.incident_id)!, created: false, joined: false };
    }
    if (!node) return undefined;
    const open = store.openOfNode(node);
    const problem = incident.problem ?? NODE_PROBLEM;
    const existing = fingerprint ? (open.find((i) => i.problem === problem) ?? open.find((i) => i.problem === NODE_PROBLEM && !i.fingerprint)) : open[0];
    if (!existing) return undefined;
    return { incident: join(existing, incident, at), created: false, joined: true };
  };
  const join = (existing: Incident, incident: NewIncident, at: Date): Incident => {
    if (!incident.fingerprint || !incident.episode) return existing;
    db.prepare("INSERT INTO incident_alerts (fingerprint, episode, incident_id, status, joined_at) VALUES (?, ?, ?, 'firing', ?)").run(
      incident.fingerprint,
      incident.episode,
      existing.id,
      at.toISOString(),
    );
    if (!existing.fingerprint) {
      // The first alert of an incident a diagnosis or `escalate` opened: the incident becomes that alert's.
      db.prepare(
        'UPDATE incidents SET fingerprint = ?, episode = ?, alertname = ?, labels_json = ?, annotations_json = ?, severity = COALESCE(?, severity), title = ?, problem = ? WHERE id = ?',
      ).run(...adoptionValues(existing, incident));
    }
    store.addEvent(existing.id, 'alert_joined', at, 'alertmanager', {
      fingerprint: incident.fingerprint,
      alertname: incident.alertname ?? null,
      adopted: !existing.fingerprint,
    });
    return store.get(existing.id)!;
  };
  const insert = (incident: NewIncident, at: Date): Incident => {
    const id = withFreshId(newId, (id) =>
      db
        .prepare(
          `INSERT INTO incidents (id, node, title, source, status, severity, alertname, fingerprint, episode, labels_json, annotations_json, channel, opened_at, problem)
       VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(...newIncidentValues(id, incident, at.toISOString())),
    );
    if (incident.fingerprint && incident.episode) {
      db.prepare("INSERT INTO incident_alerts (fingerprint, episode, incident_id, status, joined_at) VALUES (?, ?, ?, 'firing', ?)").run(
        incident.fingerprint,
        incident.episode,
        id,
        at.toISOString(),
      );
    }
    store.addEvent(id, 'opened', at, null, { source: incident.source });
    return store.get(id)!;
  };
  const store: Sync<IncidentStore> = {
    lockForOpen() {
      // One writer at a time already (IMMEDIATE transactions behind the gate).
    },
    openOrGet(incident, at) {
      return db
        .transaction((): OpenResult => {
          const found = belonging(incident, at);
          if (found) return found;
          try {
            return { incident: insert(incident, at), created: true, joined: false };
          } catch (err) {
            // Only reachable through a connection that did not take the write lock first: the index still holds.
            if ((err as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw err;
            const raced = belonging(incident, at);
            if (!raced) throw err;
            return raced;
          }
        })
        .immediate();
    },
    resolveAlert(fingerprint, at) {
      return db
        .transaction(() => {
          const incident = store.openForFingerprint(fingerprint);
          if (!incident) return undefined;
          db.prepare("UPDATE incident_alerts SET status = 'resolved' WHERE fingerprint = ? AND incident_id = ?").run(fingerprint, incident.id);
          const othersFiring = (
            db.prepare("SELECT COUNT(*) AS n FROM incident_alerts WHERE incident_id = ? AND status = 'firing'").get(incident.id) as { n: number }
          ).n;
          return { incident, othersFiring };
        })
        .immediate();
    },
    openOfNode: (node) =>
      (db.prepare("SELECT * FROM incidents WHERE node = ? AND status = 'open' ORDER BY opened_at DESC, rowid DESC").all(node) as Row[]).map(toIncident),
    get: (id) => one('SELECT * FROM incidents WHERE id = ?', id),
    openForNode: (node) => one("SELECT * FROM incidents WHERE node = ? AND status = 'open' ORDER BY opened_at DESC, rowid DESC LIMIT 1", node),
    openForChannel: (channel) => one("SELECT * FROM incidents WHERE channel = ? AND status = 'open' ORDER BY opened_at DESC LIMIT 1", channel),
    openForFingerprint: (fp) =>
      one(
        "SELECT i.* FROM incident_alerts a JOIN incidents i ON i.id = a.incident_id WHERE a.fingerprint = ? AND i.status = 'open' ORDER BY i.opened_at DESC LIMIT 1",
        fp,
      ),
    listOpen: () => (db.prepare("SELECT * FROM incidents WHERE status = 'open' ORDER BY opened_at").all() as Row[]).map(toIncident),
    setThread(id, channel, threadTs) {
      db.prepare('UPDATE incidents SET channel = ?, thread_ts = ? WHERE id = ?').run(channel, threadTs, id);
    },
    resolve(id, at, by) {
      return db.transaction(() => {
        const changed =
          db
            .prepare("UPDATE incidents SET status = 'resolved', resolved_at = ?, resolved_by = ? WHERE id = ? AND status = 'open'")
            .run(at.toISOString(), by, id).changes > 0;
        if (changed) store.addEvent(id, 'resolved', at, by);
        return changed;
      })();
    },
    addEvent(incidentId, kind, at, actor = null, detail = {}, dedupeKey) {
      timeline.append(incidentId, kind, at, detail, { actor, dedupeKey });
    },
    events(incidentId) {
      const rows = db.prepare('SELECT * FROM incident_events WHERE incident_id = ? ORDER BY id').all(incidentId) as (Omit<EventRow, 'detail_json'> & {
        detail_json: string;
      })[];
      return rows.map((r): IncidentEvent => eventFromRow({ ...r, detail_json: parsedJsonText(r.detail_json) }));
    },
    history(node, alertname, since, excludeId) {
      const rows = db
        .prepare('SELECT * FROM incidents WHERE node = ? AND alertname = ? AND opened_at >= ? AND id != ? ORDER BY opened_at DESC')
        .all(node, alertname, since.toISOString(), excludeId ?? '') as Row[];
      return rows.map(toIncident);
    },
    ofThread: (channel, threadTs) => one('SELECT * FROM incidents WHERE channel = ? AND thread_ts = ? ORDER BY opened_at DESC LIMIT 1', channel, threadTs),
    statsSince(since) {
      return db
        .prepare(
          `SELECT i.id AS id, i.node AS node, i.opened_at AS openedAt, i.resolved_at AS resolvedAt,
             (SELECT MIN(e.at) FROM incident_events e WHERE e.incident_id = i.id AND e.kind = 'acked') AS ackedAt,
             (SELECT json_extract(e.detail_json, '$.causes[0]') FROM incident_events e WHERE e.incident_id = i.id AND e.kind = 'diagnosed' ORDER BY e.id DESC LIMIT 1) AS cause
           FROM incidents i WHERE i.opened_at >= ? ORDER BY i.opened_at`,
        )
        .all(since.toISOString()) as IncidentStatsRow[];
    },
    pruneResolvedBefore(cutoff) {
      const at = cutoff.toISOString();
      return db.transaction(() => {
        const old = "SELECT id FROM incidents WHERE status = 'resolved' AND COALESCE(resolved_at, opened_at) < ?";
        const events = db.prepare(`DELETE FROM incident_events WHERE incident_id IN (${old})`).run(at).changes;
        db.prepare(`DELETE FROM alert_threads WHERE incident_id IN (${old})`).run(at);
        db.prepare(`DELETE FROM incident_alerts WHERE incident_id IN (${old})`).run(at);
        db.prepare(`DELETE FROM alert_jobs WHERE status != 'pending' AND status != 'running' AND target IN (${old})`).run(at);
        db.prepare(`DELETE FROM page_outbox WHERE incident_id IN (${old})`).run(at);
        db.prepare(`DELETE FROM escalations WHERE incident_id IN (${old})`).run(at);
        const incidents = db.prepare(`DELETE FROM incidents WHERE id IN (${old}) AND id NOT IN (SELECT target FROM alert_jobs)`).run(at).changes;
        return { incidents, events };
      })();
    },
  };
  return store;
}
