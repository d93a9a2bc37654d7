import type { Services } from '../app/services';
import type { Incident } from '../incidents/incident-store';
import { queryInstant } from '../prometheus/prometheus-api';

/** Resolution of the subquery: fine enough for a 5-minute rate, cheap over a long incident. */
const STEP_SECONDS = 15;

export type MetricsPeak = { rate: number; query: string } | { unavailable: string };

/**
 * The peak of the alert's own expression (errors / operations, 5-minute rate) over the impact window, from
 * Prometheus: `max_over_time((...)[window:15s])` evaluated at the window's end. Undefined when no
 * `prometheus.url` is configured or the incident has no node; a failed query says why, never a guess.
 */
export async function peakFromPrometheus(
  services: Pick<Services, 'config' | 'inventory' | 'metricNames'>,
  incident: Incident,
  window: { start: string; end: string | null },
  now: Date,
): Promise<MetricsPeak | undefined> {
  const url = services.config.prometheus?.url;
  const node = incident.node ? services.inventory.get(incident.node) : undefined;
  if (!url || !node) return undefined;
  const api = new URL(node.apiUrl);
  const instance = `${api.hostname}:${api.port || (api.protocol === 'https:' ? '443' : '80')}`;
  const end = window.end ? new Date(window.end) : now;
  const seconds = Math.max(STEP_SECONDS, Math.ceil((end.getTime() - Date.parse(window.start)) / 1000));
  const { operationErrors, operations } = services.metricNames;
  const query = `max_over_time((sum(rate(${operationErrors}{instance="${instance}"}[5m])) / sum(rate(${operations}{instance="${instance}"}[5m])))[${seconds}s:${STEP_SECONDS}s])`;
  try {
    const samples = await queryInstant(url, query, { timeoutMs: services.config.stemedb.requestTimeout, time: end });
    const value = samples[0]?.value;
    return value === undefined || !Number.isFinite(value) ? { unavailable: 'Prometheus has no samples for the window' } : { rate: value, query };
  } catch (err) {
    return { unavailable: err instanceof Error ? err.message : String(err) };
  }
}
