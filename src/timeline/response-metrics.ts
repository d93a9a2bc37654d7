import { Histogram } from 'prom-client';
import type { Services } from '../app/services';
import { incidentFigures } from './incident-figures';
import { ofKind, type TimelineEntry } from './timeline-events';

/** Grafana OnCall's buckets: 1, 5, 10 and 60 minutes, in seconds. */
export const RESPONSE_BUCKETS = [60, 300, 600, 3600];

/**
 * `/metrics`: time to acknowledge and to resolve, by the incident's diagnosed cause and the highest escalation
 * level paged. Observed when the first ack and the resolve are appended to the timeline (pages by outcome
 * are `stemedb_chatops_pages_total`).
 */
export function registerResponseMetrics(services: Pick<Services, 'metrics' | 'store' | 'log'>): void {
  const registers = [services.metrics.registry];
  const labelNames = ['cause', 'level'] as const;
  const toAck = new Histogram({
    name: 'stemedb_chatops_time_to_ack_seconds',
    help: 'From the incident opening to its first acknowledgement, by diagnosed cause and level that acked',
    labelNames,
    buckets: RESPONSE_BUCKETS,
    registers,
  });
  const toResolve = new Histogram({
    name: 'stemedb_chatops_time_to_resolve_seconds',
    help: 'From the incident opening to its resolve, by diagnosed cause and highest level paged',
    labelNames,
    buckets: RESPONSE_BUCKETS,
    registers,
  });
  const observe = async (entry: TimelineEntry) => {
    if (!entry.known) return;
    // Both reads start here, inside the append's transaction: they see the entry whether or not it committed yet.
    const [incident, entries] = await Promise.all([services.store.incidents.get(entry.incidentId), services.store.timeline.list(entry.incidentId)]);
    if (!incident) return;
    const f = incidentFigures(incident, entries);
    if (entry.kind === 'acked') {
      if (ofKind(entries, 'acked')[0]?.id !== entry.id || f.timeToAckMs === null) return;
      const level = entry.detail.level === null ? 'none' : String(entry.detail.level + 1);
      toAck.observe({ cause: f.cause, level }, Math.max(0, f.timeToAckMs / 1000));
    } else if (f.timeToResolveMs !== null) {
      toResolve.observe({ cause: f.cause, level: f.highestLevel ? String(f.highestLevel.level) : 'none' }, Math.max(0, f.timeToResolveMs / 1000));
    }
  };
  services.store.timeline.onAppend((entry) => {
    if (!entry.known || (entry.kind !== 'acked' && entry.kind !== 'resolved')) return;
    observe(entry).catch((err: unknown) => services.log.warn({ err, incidentId: entry.incidentId }, 'response metrics: could not read the incident'));
  });
}
