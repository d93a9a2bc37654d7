import type { Incident } from '../incidents/incident-store';
import { ofKind, type TimelineEntry } from './timeline-events';

/** The moments of an incident a postmortem and the response metrics are built from; null when not (yet) there. */
export interface IncidentFigures {
  /** When the condition began: Alertmanager's `startsAt`, else when the incident was opened. */
  impactStart: string;
  /** When it ended: Alertmanager's `endsAt`, else the resolve. */
  impactEnd: string | null;
  /** When the bot knew: the incident's opening. */
  detectedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  /** The first action after which the bot measured the condition gone (a compaction's re-check). */
  mitigatedAt: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  /** Milliseconds from detection; null when the moment has not happened. */
  timeToAckMs: number | null;
  timeToMitigateMs: number | null;
  timeToResolveMs: number | null;
  /** Highest error rate the bot measured (diagnoses, re-checks), with when; null when none was measured. */
  peakErrorRate: { rate: number; at: string } | null;
  /** The primary cause of the last diagnosis, or 'unknown'. */
  cause: string;
  /** The highest escalation level that was paged (1-based name), or null when nobody was paged. */
  highestLevel: { level: number; name: string | null } | null;
}

const between = (from: string, to: string | null) => (to === null ? null : Date.parse(to) - Date.parse(from));

/** Derives the figures from an incident and its timeline. Pure. */
export function incidentFigures(incident: Incident, entries: readonly TimelineEntry[]): IncidentFigures {
  const fired = ofKind(entries, 'alert_fired')[0];
  const alertEnd = ofKind(entries, 'alert_resolved').at(-1);
  const ack = ofKind(entries, 'acked')[0];
  const cleared = ofKind(entries, 'compaction_recheck').find((e) => e.detail.condition === 'cleared');
  const resolved = ofKind(entries, 'resolved').at(-1);
  const detectedAt = incident.openedAt;
  const resolvedAt = incident.resolvedAt ?? resolved?.at ?? null;
  const rates = [
    ...ofKind(entries, 'diagnosed').map((e) => ({ rate: e.detail.errorRate, at: e.detail.startedAt })),
    ...ofKind(entries, 'compaction_recheck').flatMap((e) => [{ rate: e.detail.errorRateAfter, at: e.at }]),
  ].filter((r): r is { rate: number; at: string } => r.rate !== null);
  const peak = rates.reduce<{ rate: number; at: string } | null>((best, r) => (best === null || r.rate > best.rate ? r : best), null);
  const diagnoses = ofKind(entries, 'diagnosed');
  const paged = ofKind(entries, 'paged').filter((e) => e.detail.level !== null);
  const top = paged.reduce<(typeof paged)[number] | undefined>((best, e) => (best === undefined || e.detail.level! > best.detail.level! ? e : best), undefined);
  return {
    impactStart: fired?.detail.startsAt ?? incident.episode ?? incident.openedAt,
    impactEnd: alertEnd?.detail.endsAt ?? resolvedAt,
    detectedAt,
    acknowledgedAt: ack?.at ?? null,
    acknowledgedBy: ack?.actor ?? null,
    mitigatedAt: cleared?.at ?? null,
    resolvedAt,
    resolvedBy: incident.resolvedBy ?? resolved?.actor ?? null,
    timeToAckMs: between(detectedAt, ack?.at ?? null),
    timeToMitigateMs: between(detectedAt, cleared?.at ?? null),
    timeToResolveMs: between(detectedAt, resolvedAt),
    peakErrorRate: peak,
    cause: diagnoses.at(-1)?.detail.causes[0] ?? 'unknown',
    highestLevel: top ? { level: top.detail.level! + 1, name: top.detail.levelName ?? null } : null,
  };
}
