import type { Sync } from '../store/sqlite/tx-gate';
import type { Db } from '../store/database';
import { parsedJsonText } from '../store/row-values';
import { eventFromRow, type EventRow } from './event-row';
import { entryOf, validateDetail, type TimelineEntry } from './timeline-events';

export interface AppendOptions {
  actor?: string | null;
  /** Events with the same key on the same incident are recorded once. */
  dedupeKey?: string;
}

/** Runs inside the append's transaction: what it writes commits or rolls back with the event. */
export type AppendListener = (entry: TimelineEntry) => void;

/**
 * The append-only event log of incidents. Writers call `append` inside the transaction of the change it
 * records (SQLite nests it as a savepoint), so the log never disagrees with the state. Narrow on purpose:
 * append, list, listeners; an async store can implement the same shape.
 */
export interface TimelineLog {
  /** Validates a known kind's detail (throws on a bad one); returns the entry, or undefined for a duplicate. */
  append(incidentId: string, kind: string, at: Date, detail?: Record<string, unknown>, options?: AppendOptions): Promise<TimelineEntry | undefined>;
  list(incidentId: string): Promise<TimelineEntry[]>;
  onAppend(listener: AppendListener): void;
}

/** As SQLite stores it: the detail as JSON text. */
type SqliteEventRow = Omit<EventRow, 'detail_json'> & { detail_json: string };

export function createTimelineLog(db: Db): Sync<TimelineLog> {
  // Prepared on first use: a read-only reader (the CLI) never needs it, even on a store older than migration 40.
  let insertStatement: ReturnType<Db['prepare']> | undefined;
  const insert = () =>
    (insertStatement ??= db.prepare('INSERT OR IGNORE INTO incident_events (incident_id, at, kind, actor, detail_json, dedupe_key) VALUES (?, ?, ?, ?, ?, ?)'));
  const select = db.prepare('SELECT id, incident_id, at, kind, actor, detail_json FROM incident_events WHERE incident_id = ? ORDER BY id');
  const listeners: AppendListener[] = [];
  const toEntry = (r: SqliteEventRow) => entryOf(eventFromRow({ ...r, detail_json: parsedJsonText(r.detail_json) }));
  return {
    append(incidentId, kind, at, detail = {}, options = {}) {
      const checked = validateDetail(kind, detail);
      return db.transaction(() => {
        const result = insert().run(incidentId, at.toISOString(), kind, options.actor ?? null, JSON.stringify(checked), options.dedupeKey ?? null);
        if (result.changes === 0) return undefined;
        const entry = toEntry({
          id: Number(result.lastInsertRowid),
          incident_id: incidentId,
          at: at.toISOString(),
          kind,
          actor: options.actor ?? null,
          detail_json: JSON.stringify(checked),
        });
        for (const listener of listeners) listener(entry);
        return entry;
      })();
    },
    list: (incidentId) => (select.all(incidentId) as SqliteEventRow[]).map(toEntry),
    onAppend: (listener) => void listeners.push(listener),
  };
}
