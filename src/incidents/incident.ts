import type { DiagnosisResult } from '../diagnosis/types';

/** One incident as the stores return it (incident-store.ts; both stores map rows with incident-row.ts). */
export interface Incident {
  id: string;
  node: string | null;
  title: string;
  source: 'alert' | 'manual';
  status: 'open' | 'resolved';
  severity: string | null;
  alertname: string | null;
  fingerprint: string | null;
  episode: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  channel: string | null;
  threadTs: string | null;
  openedAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
  /** The diagnosis it shows (see DiagnosisStore.record), zod-parsed: null when none or when its row is damaged. */
  lastDiagnosis: DiagnosisResult | null;
  /** With `node`, the key of the one-open-incident rule (see incident-problem.ts). */
  problem?: string | null;
}

export type NewIncident = Pick<Incident, 'node' | 'title' | 'source'> &
  Partial<Pick<Incident, 'severity' | 'alertname' | 'fingerprint' | 'episode' | 'labels' | 'annotations' | 'channel' | 'problem'>>;

export interface IncidentEvent {
  id: number;
  incidentId: string;
  at: string;
  kind: string;
  actor: string | null;
  detail: Record<string, unknown>;
}
