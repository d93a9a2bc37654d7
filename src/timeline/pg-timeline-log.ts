import type { PgSession } from '../store/postgres/pg-session';
import { isoOf, numberOf } from '../store/postgres/pg-row-values';
import { eventFromRow, type EventRow } from './event-row';
import { entryOf, validateDetail, type TimelineEntry } from './timeline-events';
import type { AppendListener, TimelineLog } from './timeline-log';

/** As `pg` reads it: BIGINT id as text, TIMESTAMPTZ as a Date, the detail as parsed JSONB. */
type PgEventRow = Omit<EventRow, 'id' | 'at'> & { id: string; at: Date };

/** A stored event; a detail that is not an object at all is an error (as SQLite's unparsable text is). */
export const pgEventEntry = (r: PgEventRow): TimelineEntry => entryOf(eventFromRow({ ...r, id: numberOf(r.id), at: isoOf(r.at) }));

/**
 * The PostgreSQL twin of createTimelineLog. An append is its own transaction, or a savepoint of the caller's:
 * the insert and whatever the listeners write commit together. A duplicate (same incident and dedupe key,
 * from any replica) is skipped by `ON CONFLICT DO NOTHING`, the way SQLite's `INSERT OR IGNORE` skips it.
 */
export function createPgTimelineLog(session: PgSession): TimelineLog {
  const listeners: AppendListener[] = [];
  return {
    async append(incidentId, kind, at, detail = {}, options = {}) {
      // Inside the async function: a bad detail is a rejected promise, as on SQLite, never a synchronous throw.
      const checked = validateDetail(kind, detail);
      return session.withTx(async () => {
        const row = await session.one<{ id: string }>(
          'INSERT INTO incident_events (incident_id, at, kind, actor, detail_json, dedupe_key) VALUES ($1, $2, $3, $4, $5::jsonb, $6) ON CONFLICT DO NOTHING RETURNING id',
          [incidentId, at, kind, options.actor ?? null, JSON.stringify(checked), options.dedupeKey ?? null],
        );
        if (!row) return undefined;
        // Built from what was written (through JSON, as SQLite's is), not read back: the same entry on both stores.
        const entry = entryOf({
          id: numberOf(row.id),
          incidentId,
          at: at.toISOString(),
          kind,
          actor: options.actor ?? null,
          detail: JSON.parse(JSON.stringify(checked)) as Record<string, unknown>,
        });
        // Awaited, inside the transaction: a listener that writes (a queued job) commits or rolls back with the event.
        for (const listener of listeners) await listener(entry);
        return entry;
      });
    },
    async list(incidentId) {
      const rows = await session.query<PgEventRow>(
        'SELECT id, incident_id, at, kind, actor, detail_json FROM incident_events WHERE incident_id = $1 ORDER BY id',
        [incidentId],
      );
      return rows.map(pgEventEntry);
    },
    onAppend: (listener) => void listeners.push(listener),
  };
}
