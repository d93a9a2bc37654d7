import { z } from 'zod';
import type { Sync } from '../store/sqlite/tx-gate';
import type { Db } from '../store/database';
import { parsedJsonText } from '../store/row-values';

/**
 * Where an incident's diagnosis stands. `wanted`: post "diagnosing..."; `posting`: being posted; `awaiting`:
 * posted, waiting for the node's diagnosis; `running`: a diagnosis claimed it; `done`; `shared`: a storm member
 * whose node's diagnosis is shown through a sibling; `unknown_node`: post the "not in the inventory" note;
 * `none`: nothing to do.
 */
export type DiagState = 'wanted' | 'posting' | 'awaiting' | 'running' | 'done' | 'shared' | 'unknown_node' | 'none';

/** The parts of an Alertmanager alert the thread shows (read back from SQLite through zod). */
export const storedAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  startsAt: z.string(),
  endsAt: z.string(),
  generatorURL: z.string(),
});
export type StoredAlert = z.output<typeof storedAlertSchema>;

export interface AlertThread {
  incidentId: string;
  nodeLabel: string | null;
  alert: StoredAlert;
  createdAt: string;
  lastSeenAt: string;
  repeats: number;
  summaryId: number | null;
  diagState: DiagState;
  diagTs: string | null;
  headerHash: string | null;
  resolvedTs: string | null;
  escalationClosed: boolean;
}

/** How stale a storm summary's `last_added_at` may get before an intake refreshes it (far below its 30 min window). */
export const SUMMARY_REFRESH_MS = 10_000;

export interface AlertSummary {
  id: number;
  alertname: string;
  channel: string;
  ts: string | null;
  hash: string | null;
  createdAt: string;
  lastAddedAt: string;
}

export type ThreadPatch = Partial<Pick<AlertThread, 'diagState' | 'diagTs' | 'headerHash' | 'resolvedTs' | 'escalationClosed'>>;

/**
 * The alert-specific state beside the incident (SQLite now; the interface is what a Postgres version implements).
 * Intake writes it with the incidents and the jobs in one `withTx` before answering.
 */
export interface AlertStore {
  thread(incidentId: string): Promise<AlertThread | undefined>;
  addThread(thread: Pick<AlertThread, 'incidentId' | 'nodeLabel' | 'alert' | 'summaryId' | 'diagState'>, at: Date): Promise<void>;
  /** Records a re-sent copy; true when its content (not just its timestamps) changed. */
  touchThread(incidentId: string, alert: StoredAlert, at: Date): Promise<boolean>;
  update(incidentId: string, patch: ThreadPatch): Promise<void>;
  /** Moves the diagnosis state only from one of `from`: the atomic claim two jobs cannot both win. */
  casDiagState(incidentId: string, from: readonly DiagState[], to: DiagState): Promise<boolean>;
  /** Alert threads opened since `since` (storm detection). */
  createdSince(since: Date): Promise<number>;
  /** Threads of the node's open incidents in these diagnosis states. */
  openThreadsOfNode(node: string, states: readonly DiagState[]): Promise<AlertThread[]>;
  /** Claims the node's incidents awaiting a diagnosis (awaiting -> running). */
  claimForDiagnosis(node: string): Promise<AlertThread[]>;
  /**
   * The alert name's summary still collecting members (added to since `activeSince`), or a new one. The stored
   * `lastAddedAt` is refreshed at most every SUMMARY_REFRESH_MS, so a storm's intakes do not all write its row.
   */
  summaryFor(alertname: string, channel: string, at: Date, activeSince: Date): Promise<AlertSummary>;
  summary(id: number): Promise<AlertSummary | undefined>;
  setSummaryMessage(id: number, ts: string, hash: string | null): Promise<void>;
  setSummaryHash(id: number, hash: string): Promise<void>;
  summaryMembers(id: number): Promise<AlertThread[]>;
  /**
   * A sync job taken over from a holder that died (its lease ran out): the incident's "diagnosing..." post it
   * was making is wanted again (posting -> wanted).
   */
  resetInterruptedPost(incidentId: string): Promise<void>;
  /** A diagnose job taken over: the node's threads it had claimed wait for a diagnosis again (running -> awaiting). */
  resetInterruptedDiagnosis(node: string): Promise<void>;
}

/**
 * An `alert_threads` row as both stores hand it over after their driver's normalisation (SQLite: JSON text
 * parsed, 0/1 as a boolean; PostgreSQL: BIGINT as a number, TIMESTAMPTZ as ISO text).
 */
export interface ThreadRow {
  incident_id: string;
  node_label: string | null;
  alert_json: unknown;
  created_at: string;
  last_seen_at: string;
  repeats: number;
  summary_id: number | null;
  diag_state: DiagState;
  diag_ts: string | null;
  header_hash: string | null;
  resolved_ts: string | null;
  escalation_closed: boolean;
}

/** An `alert_summaries` row, normalised likewise. */
export interface SummaryRow {
  id: number;
  alertname: string;
  channel: string;
  ts: string | null;
  hash: string | null;
  created_at: string;
  last_added_at: string;
}

/** The one row -> thread mapping of both stores; the stored alert is parsed, not cast (a damaged one throws). */
export const threadFromRow = (r: ThreadRow): AlertThread => ({
  incidentId: r.incident_id,
  nodeLabel: r.node_label,
  alert: storedAlertSchema.parse(r.alert_json),
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  repeats: r.repeats,
  summaryId: r.summary_id,
  diagState: r.diag_state,
  diagTs: r.diag_ts,
  headerHash: r.header_hash,
  resolvedTs: r.resolved_ts,
  escalationClosed: r.escalation_closed,
});

export const summaryFromRow = (r: SummaryRow): AlertSummary => ({
  id: r.id,
  alertname: r.alertname,
  channel: r.channel,
  ts: r.ts,
  hash: r.hash,
  createdAt: r.created_at,
  lastAddedAt: r.last_added_at,
});

/** The patchable fields' columns (both stores). */
export const THREAD_PATCH_COLUMNS: Record<keyof ThreadPatch, string> = {
  diagState: 'diag_state',
  diagTs: 'diag_ts',
  headerHash: 'header_hash',
  resolvedTs: 'resolved_ts',
  escalationClosed: 'escalation_closed',
};

/** As SQLite stores it: the alert as JSON text, `escalation_closed` as 0/1. */
type SqliteThreadRow = Omit<ThreadRow, 'alert_json' | 'escalation_closed'> & { alert_json: string; escalation_closed: number };

const fromThreadRow = (r: SqliteThreadRow): AlertThread =>
  threadFromRow({ ...r, alert_json: parsedJsonText(r.alert_json), escalation_closed: r.escalation_closed === 1 });

/** Content that matters to the header; Alertmanager's re-sends differ only in timestamps we do not show. */
const contentOf = (a: StoredAlert) => JSON.stringify([a.status, a.labels, a.annotations, a.generatorURL]);

/** The alert store on the bot's SQLite store (tables `alert_threads`, `alert_summaries`, migration 30). */
export function createSqliteAlertStore(db: Db): Sync<AlertStore> {
  const getThread = db.prepare('SELECT * FROM alert_threads WHERE incident_id = ?');
  const openOfNode = `SELECT t.* FROM alert_threads t JOIN incidents i ON i.id = t.incident_id WHERE i.node = ? AND i.status = 'open'`;
  const store: Sync<AlertStore> = {
    thread(incidentId) {
      const row = getThread.get(incidentId) as SqliteThreadRow | undefined;
      return row ? fromThreadRow(row) : undefined;
    },
    addThread(t, at) {
      db.prepare(
        'INSERT INTO alert_threads (incident_id, node_label, alert_json, created_at, last_seen_at, summary_id, diag_state) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(t.incidentId, t.nodeLabel, JSON.stringify(t.alert), at.toISOString(), at.toISOString(), t.summaryId, t.diagState);
    },
    touchThread(incidentId, alert, at) {
      const before = store.thread(incidentId);
      db.prepare('UPDATE alert_threads SET alert_json = ?, last_seen_at = ?, repeats = repeats + 1 WHERE incident_id = ?').run(
        JSON.stringify(alert),
        at.toISOString(),
        incidentId,
      );
      return !before || contentOf(before.alert) !== contentOf(alert);
    },
    update(incidentId, patch) {
      const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as [keyof ThreadPatch, unknown][];
      if (entries.length === 0) return;
      const sets = entries.map(([k]) => `${THREAD_PATCH_COLUMNS[k]} = ?`).join(', ');
      const values = entries.map(([, v]) => (typeof v === 'boolean' ? (v ? 1 : 0) : v));
      db.prepare(`UPDATE alert_threads SET ${sets} WHERE incident_id = ?`).run(...values, incidentId);
    },
    casDiagState(incidentId, from, to) {
      const marks = from.map(() => '?').join(', ');
      return db.prepare(`UPDATE alert_threads SET diag_state = ? WHERE incident_id = ? AND diag_state IN (${marks})`).run(to, incidentId, ...from).changes > 0;
    },
    createdSince: (since) => (db.prepare('SELECT COUNT(*) AS n FROM alert_threads WHERE created_at >= ?').get(since.toISOString()) as { n: number }).n,
    openThreadsOfNode(node, states) {
      const marks = states.map(() => '?').join(', ');
      return (db.prepare(`${openOfNode} AND t.diag_state IN (${marks}) ORDER BY t.created_at`).all(node, ...states) as SqliteThreadRow[]).map(fromThreadRow);
    },
    claimForDiagnosis(node) {
      return db.transaction(() => {
        // Resolved ones too: a diagnosis that arrives after the alert cleared still explains it.
        const rows = db
          .prepare(
            "SELECT t.* FROM alert_threads t JOIN incidents i ON i.id = t.incident_id WHERE i.node = ? AND t.diag_state = 'awaiting' ORDER BY t.created_at",
          )
          .all(node) as SqliteThreadRow[];
        const claimed = rows.map(fromThreadRow);
        for (const t of claimed) store.casDiagState(t.incidentId, ['awaiting'], 'running');
        return claimed;
      })();
    },
    summaryFor(alertname, channel, at, activeSince) {
      const row = db
        .prepare('SELECT * FROM alert_summaries WHERE alertname = ? AND channel = ? AND last_added_at >= ? ORDER BY id DESC LIMIT 1')
        .get(alertname, channel, activeSince.toISOString()) as SummaryRow | undefined;
      if (row) {
        // As on PostgreSQL: refreshed at most every SUMMARY_REFRESH_MS (there, every write holds the row to commit).
        db.prepare('UPDATE alert_summaries SET last_added_at = ? WHERE id = ? AND last_added_at < ?').run(
          at.toISOString(),
          row.id,
          new Date(at.getTime() - SUMMARY_REFRESH_MS).toISOString(),
        );
        return summaryFromRow({ ...row, last_added_at: at.toISOString() });
      }
      const id = Number(
        db
          .prepare('INSERT INTO alert_summaries (alertname, channel, created_at, last_added_at) VALUES (?, ?, ?, ?)')
          .run(alertname, channel, at.toISOString(), at.toISOString()).lastInsertRowid,
      );
      return store.summary(id)!;
    },
    summary(id) {
      const row = db.prepare('SELECT * FROM alert_summaries WHERE id = ?').get(id) as SummaryRow | undefined;
      return row ? summaryFromRow(row) : undefined;
    },
    setSummaryMessage(id, ts, hash) {
      db.prepare('UPDATE alert_summaries SET ts = ?, hash = ? WHERE id = ?').run(ts, hash, id);
    },
    setSummaryHash(id, hash) {
      db.prepare('UPDATE alert_summaries SET hash = ? WHERE id = ?').run(hash, id);
    },
    summaryMembers: (id) =>
      (db.prepare('SELECT * FROM alert_threads WHERE summary_id = ? ORDER BY created_at').all(id) as SqliteThreadRow[]).map(fromThreadRow),
    resetInterruptedPost(incidentId) {
      db.prepare("UPDATE alert_threads SET diag_state = 'wanted' WHERE incident_id = ? AND diag_state = 'posting'").run(incidentId);
    },
    resetInterruptedDiagnosis(node) {
      db.prepare(
        "UPDATE alert_threads SET diag_state = 'awaiting' WHERE diag_state = 'running' AND incident_id IN (SELECT id FROM incidents WHERE node = ?)",
      ).run(node);
    },
  };
  return store;
}
