import type { Services } from '../app/services';
import type { DiagnosisResult } from '../diagnosis/types';
import type { Incident } from '../incidents/incident-store';

/**
 * The hook where an alert thread's diagnosis text was just posted: its chart follows in the same thread. A
 * storm member's thread is its storm summary's, which gets one chart for the whole storm.
 */
export function chartAlertThread(services: Services, incident: Incident, summaryId: number | null, result: DiagnosisResult): void {
  if (!services.charts || !incident.channel || !incident.threadTs) return;
  services.charts.afterDiagnosis(result, { channel: incident.channel, threadTs: incident.threadTs, ...(summaryId !== null ? { stormKey: `summary:${summaryId}` } : {}) });
}
