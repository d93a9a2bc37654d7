import { parsedOrThrow, jsonObjectSchema } from '../store/row-values';
import type { IncidentEvent } from '../incidents/incident';

/**
 * An `incident_events` row as both stores hand it over after their driver's normalisation (SQLite: detail
 * JSON text parsed; PostgreSQL: BIGINT id as a number, TIMESTAMPTZ as ISO text): the columns named as the
 * event's fields, plus these.
 */
export type EventRow = Pick<IncidentEvent, 'id' | 'at' | 'kind' | 'actor'> & { incident_id: string; detail_json: unknown };

/**
 * The one row -> event mapping of the timeline logs and the incident stores, on both stores. The detail is
 * parsed, not cast: one that is not an object is an error naming the row.
 */
export function eventFromRow(r: EventRow): IncidentEvent {
  const detail = parsedOrThrow(r.detail_json, jsonObjectSchema, 'incident_events', r.id, 'detail_json');
  return { id: r.id, incidentId: r.incident_id, at: r.at, kind: r.kind, actor: r.actor, detail };
}
