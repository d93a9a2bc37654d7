import type { ChartPort } from './chart-port';
import type { DiagnosisResult } from '../diagnosis/types';
import type { OutboxRow } from '../escalation/outbox-rows';
import type { Incident } from '../incidents/incident-store';
import type { DeliveryResult } from '../pagers/delivery-result';

/**
 * The hook where an alert thread's diagnosis text was just posted: its chart follows in the same thread. A
 * storm member's thread is its storm summary's, which gets one chart for the whole storm.
 */
export function chartAlertThread(services: { charts: ChartPort }, incident: Incident, summaryId: number | null, result: DiagnosisResult): void {
  if (!incident.channel || !incident.threadTs) return;
  services.charts.afterDiagnosis(result, {
    channel: incident.channel,
    threadTs: incident.threadTs,
    ...(summaryId !== null ? { stormKey: `summary:${summaryId}` } : {}),
  });
}

/** The hook where a page went out: the packet carries the latest chart (DM: in the DM; level post: the thread). */
export function chartAfterPage(services: { charts: ChartPort }, row: Pick<OutboxRow, 'kind' | 'incidentId'>, result: DeliveryResult): void {
  if (!result.ok || result.detail.confirmedAfterRestart || typeof result.detail.channel !== 'string') return;
  if (row.kind !== 'slack_dm' && row.kind !== 'slack_thread') return;
  services.charts.afterPage(row.incidentId, { channel: result.detail.channel, incidentThread: row.kind === 'slack_thread' });
}
