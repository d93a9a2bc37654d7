import type { PgSession } from '../store/postgres/pg-session';
import { isoOf, numberOf, numberOrNull } from '../store/postgres/pg-row-values';
import {
  storedAlertSchema,
  SUMMARY_REFRESH_MS,
  summaryFromRow,
  THREAD_PATCH_COLUMNS,
  threadFromRow,
  type AlertStore,
  type AlertSummary,
  type AlertThread,
  type DiagState,
  type StoredAlert,
  type SummaryRow,
  type ThreadPatch,
  type ThreadRow,
} from './alert-store';

const LOCK_FUNCTION = { try: 'pg_try_advisory_xact_lock', shared: 'pg_advisory_xact_lock_shared', exclusive: 'pg_advisory_xact_lock' } as const;

/** As `pg` reads it: the alert as parsed JSONB (still checked by zod), BIGINT as text, TIMESTAMPTZ as a Date. */
type PgThreadRow = Omit<ThreadRow, 'created_at' | 'last_seen_at' | 'summary_id'> & { created_at: Date; last_seen_at: Date; summary_id: string | null };
type PgSummaryRow = Omit<SummaryRow, 'id' | 'created_at' | 'last_added_at'> & { id: string; created_at: Date; last_added_at: Date };

const fromThreadRow = (r: PgThreadRow): AlertThread =>
  threadFromRow({ ...r, created_at: isoOf(r.created_at), last_seen_at: isoOf(r.last_seen_at), summary_id: numberOrNull(r.summary_id) });
const fromSummaryRow = (r: PgSummaryRow): AlertSummary =>
  summaryFromRow({ ...r, id: numberOf(r.id), created_at: isoOf(r.created_at), last_added_at: isoOf(r.last_added_at) });

/** Label maps with their keys sorted: JSONB keeps objects in its own key order, not Alertmanager's. */
const sorted = (m: Record<string, string>) => Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Content that matters to the header; Alertmanager's re-sends differ only in timestamps we do not show. */
const contentOf = (a: StoredAlert) => JSON.stringify([a.status, sorted(a.labels), sorted(a.annotations), a.generatorURL]);

const THREAD_COLUMNS =
  't.incident_id, t.node_label, t.alert_json, t.created_at, t.last_seen_at, t.repeats, t.summary_id::text AS summary_id, t.diag_state, t.diag_ts, t.header_hash, t.resolved_ts, t.escalation_closed';
const SUMMARY_COLUMNS = 'id::text AS id, alertname, channel, ts, hash, created_at, last_added_at';

/**
 * The alert store on PostgreSQL (tables of PG migration 30). Claims are single UPDATE statements: a second
 * replica's UPDATE waits for the first one's row lock, then re-checks the state and finds nothing to take.
 */
export function createPgAlertStore(session: PgSession): AlertStore {
  const threads = async (sql: string, params: readonly unknown[]) => (await session.query<PgThreadRow>(sql, params)).map(fromThreadRow);
  const summary = async (id: number) => {
    const row = await session.one<PgSummaryRow>(`SELECT ${SUMMARY_COLUMNS} FROM alert_summaries WHERE id = $1`, [id]);
    return row ? fromSummaryRow(row) : undefined;
  };
  return {
    async thread(incidentId) {
      return (await threads(`SELECT ${THREAD_COLUMNS} FROM alert_threads t WHERE t.incident_id = $1`, [incidentId]))[0];
    },
    async addThread(t, at) {
      await session.run(
        'INSERT INTO alert_threads (incident_id, node_label, alert_json, created_at, last_seen_at, summary_id, diag_state) VALUES ($1, $2, $3, $4, $4, $5, $6)',
        [t.incidentId, t.nodeLabel, JSON.stringify(t.alert), at, t.summaryId, t.diagState],
      );
    },
    touchThread(incidentId, alert, at) {
      // The row lock orders two replicas recording copies of the same alert: each compares with the copy before it.
      return session.withTx(async () => {
        const before = await session.one<{ alert_json: unknown }>('SELECT alert_json FROM alert_threads WHERE incident_id = $1 FOR UPDATE', [incidentId]);
        await session.run('UPDATE alert_threads SET alert_json = $1, last_seen_at = $2, repeats = repeats + 1 WHERE incident_id = $3', [
          JSON.stringify(alert),
          at,
          incidentId,
        ]);
        return !before || contentOf(storedAlertSchema.parse(before.alert_json)) !== contentOf(alert);
      });
    },
    async update(incidentId, patch) {
      const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as [keyof ThreadPatch, unknown][];
      if (entries.length === 0) return;
      const sets = entries.map(([k], i) => `${THREAD_PATCH_COLUMNS[k]} = $${i + 1}`).join(', ');
      await session.run(`UPDATE alert_threads SET ${sets} WHERE incident_id = $${entries.length + 1}`, [...entries.map(([, v]) => v), incidentId]);
    },
    async casDiagState(incidentId, from, to) {
      return (
        (await session.run('UPDATE alert_threads SET diag_state = $1 WHERE incident_id = $2 AND diag_state = ANY($3::text[])', [to, incidentId, [...from]])) > 0
      );
    },
    async createdSince(since) {
      const row = await session.one<{ n: number }>('SELECT COUNT(*)::int AS n FROM alert_threads WHERE created_at >= $1', [since]);
      return row?.n ?? 0;
    },
    openThreadsOfNode(node, states) {
      return threads(
        `SELECT ${THREAD_COLUMNS} FROM alert_threads t JOIN incidents i ON i.id = t.incident_id
          WHERE i.node = $1 AND i.status = 'open' AND t.diag_state = ANY($2::text[]) ORDER BY t.created_at, t.incident_id`,
        [node, [...states]],
      );
    },
    async claimForDiagnosis(node) {
      // Resolved ones too: a diagnosis that arrives after the alert cleared still explains it.
      const claimed = await threads(
        `UPDATE alert_threads t SET diag_state = 'running' FROM incidents i
          WHERE i.id = t.incident_id AND i.node = $1 AND t.diag_state = 'awaiting'
          RETURNING ${THREAD_COLUMNS}`,
        [node],
      );
      // As SQLite returns them: the threads as they were found (awaiting), oldest first.
      return claimed
        .map((t) => ({ ...t, diagState: 'awaiting' as const }))
        .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.incidentId < b.incidentId ? -1 : 1));
    },
    summaryFor(alertname, channel, at, activeSince) {
      return session.withTx(async () => {
        const find = () =>
          session.one<PgSummaryRow>(
            `SELECT ${SUMMARY_COLUMNS} FROM alert_summaries WHERE alertname = $1 AND channel = $2 AND last_added_at >= $3 ORDER BY id DESC LIMIT 1`,
            [alertname, channel, activeSince],
          );
        const lock = (mode: 'try' | 'shared' | 'exclusive') =>
          session.one<{ locked: boolean | string }>(`SELECT ${LOCK_FUNCTION[mode]}(hashtextextended('alert_summary:' || $1 || ':' || $2, 0)) AS locked`, [
            alertname,
            channel,
          ]);
        let row = await find();
        // Two replicas opening a storm's summary at once would each insert one. The one that opens it holds an
        // exclusive transaction-scoped advisory lock on (alertname, channel) until its commit. The others wait
        // for that commit in SHARED mode, so they all go on together: waiting in exclusive mode, each would hold
        // the lock to its own commit, and the webhooks of a storm's onset would pass one at a time (1.05 s on
        // the failover bench).
        if (!row && !(await lock('try'))?.locked) {
          await lock('shared');
          row = await find();
          // The opener rolled back: open it here (another waiter doing the same is a deadlock PostgreSQL ends,
          // failing that alert, which Alertmanager sends again).
          if (!row) await lock('exclusive');
        }
        row ??= await find();
        if (row) {
          // Refreshed at most every few seconds, for the same reason: the row lock of the update lasts to commit.
          // A row another webhook is refreshing right now is skipped, not waited for: it gets a time as recent.
          await session.run(
            `UPDATE alert_summaries SET last_added_at = $1
              WHERE id = (SELECT id FROM alert_summaries WHERE id = $2 AND last_added_at < $3 FOR UPDATE SKIP LOCKED)`,
            [at, row.id, new Date(at.getTime() - SUMMARY_REFRESH_MS)],
          );
          return fromSummaryRow({ ...row, last_added_at: at });
        }
        const created = await session.one<PgSummaryRow>(
          `INSERT INTO alert_summaries (alertname, channel, created_at, last_added_at) VALUES ($1, $2, $3, $3) RETURNING ${SUMMARY_COLUMNS}`,
          [alertname, channel, at],
        );
        return fromSummaryRow(created!);
      });
    },
    summary,
    async setSummaryMessage(id, ts, hash) {
      await session.run('UPDATE alert_summaries SET ts = $1, hash = $2 WHERE id = $3', [ts, hash, id]);
    },
    async setSummaryHash(id, hash) {
      await session.run('UPDATE alert_summaries SET hash = $1 WHERE id = $2', [hash, id]);
    },
    summaryMembers(id) {
      return threads(`SELECT ${THREAD_COLUMNS} FROM alert_threads t WHERE t.summary_id = $1 ORDER BY t.created_at, t.incident_id`, [id]);
    },
    async resetInterruptedPost(incidentId) {
      await session.run("UPDATE alert_threads SET diag_state = 'wanted' WHERE incident_id = $1 AND diag_state = 'posting'", [incidentId]);
    },
    async resetInterruptedDiagnosis(node) {
      await session.run(
        "UPDATE alert_threads SET diag_state = 'awaiting' WHERE diag_state = 'running' AND incident_id IN (SELECT id FROM incidents WHERE node = $1)",
        [node],
      );
    },
  };
}
