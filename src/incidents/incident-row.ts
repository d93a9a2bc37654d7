import { z } from 'zod';
import { parseDiagnosis } from '../diagnosis/diagnosis-store';
import { parsedOrThrow } from '../store/row-values';
import { NODE_PROBLEM } from './incident-problem';
import type { Incident, NewIncident } from './incident';

/**
 * An `incidents` row as both stores hand it over after their driver's normalisation (SQLite: JSON text
 * parsed; PostgreSQL: TIMESTAMPTZ as ISO text): the columns named as the incident's fields, plus these.
 */
export type IncidentRow = Pick<Incident, 'id' | 'node' | 'title' | 'source' | 'status' | 'severity' | 'alertname' | 'fingerprint' | 'episode' | 'channel'> & {
  labels_json: unknown;
  annotations_json: unknown;
  thread_ts: string | null;
  opened_at: string;
  resolved_at: string | null;
  resolved_by: string | null;
  diagnosis_id: string | number | null;
  problem: string | null;
};

const stringMap = z.record(z.string(), z.string());

/**
 * The one row -> incident mapping of both stores. Labels and annotations are parsed, not cast: a damaged row
 * is an error naming it, never a half-incident. `diagnosisJson` is the `diagnoses` row the incident points at.
 */
export function incidentFromRow(row: IncidentRow, diagnosisJson: unknown): Incident {
  return {
    id: row.id,
    node: row.node,
    title: row.title,
    source: row.source,
    status: row.status,
    severity: row.severity,
    alertname: row.alertname,
    fingerprint: row.fingerprint,
    episode: row.episode,
    labels: parsedOrThrow(row.labels_json, stringMap, 'incidents', row.id, 'labels_json'),
    annotations: parsedOrThrow(row.annotations_json, stringMap, 'incidents', row.id, 'annotations_json'),
    channel: row.channel,
    threadTs: row.thread_ts,
    openedAt: row.opened_at,
    resolvedAt: row.resolved_at,
    resolvedBy: row.resolved_by,
    lastDiagnosis: parseDiagnosis(diagnosisJson) ?? null,
    problem: row.problem,
  };
}

/**
 * What both stores bind, in this order, for `INSERT INTO incidents (id, node, title, source, status, severity,
 * alertname, fingerprint, episode, labels_json, annotations_json, channel, opened_at, problem)` after the
 * literal status 'open'. `openedAt`: ISO text for SQLite, a Date for PostgreSQL.
 */
export function newIncidentValues(id: string, incident: NewIncident, openedAt: string | Date): unknown[] {
  return [
    id,
    incident.node,
    incident.title,
    incident.source,
    incident.severity ?? null,
    incident.alertname ?? null,
    incident.fingerprint ?? null,
    incident.episode ?? null,
    JSON.stringify(incident.labels ?? {}),
    JSON.stringify(incident.annotations ?? {}),
    incident.channel ?? null,
    openedAt,
    incident.node ? (incident.problem ?? NODE_PROBLEM) : null,
  ];
}

/**
 * What both stores bind when an incident no alert had yet becomes the first arriving alert's: `UPDATE incidents
 * SET fingerprint, episode, alertname, labels_json, annotations_json, severity = COALESCE(?, severity), title,
 * problem WHERE id`.
 */
export function adoptionValues(existing: Incident, incident: NewIncident): unknown[] {
  return [
    incident.fingerprint,
    incident.episode,
    incident.alertname ?? null,
    JSON.stringify(incident.labels ?? {}),
    JSON.stringify(incident.annotations ?? {}),
    incident.severity ?? null,
    incident.title,
    incident.problem ?? NODE_PROBLEM,
    existing.id,
  ];
}
