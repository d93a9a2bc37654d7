import type { IncidentEvent } from '../incidents/incident-store';
import type { ChartMark } from './chart-types';

/**
 * The vertical lines of an incident's chart, from its timeline: when the alert fired, compactions (start and
 * end: the `compacted` event carries its duration), escalation and acknowledgement. Pure.
 */
export function marksFromEvents(events: readonly IncidentEvent[], source: 'alert' | 'manual'): ChartMark[] {
  const marks: ChartMark[] = [];
  for (const e of events) {
    const at = Date.parse(e.at);
    if (!Number.isFinite(at)) continue;
    if (e.kind === 'opened') marks.push({ atMs: at, label: source === 'alert' ? 'alert fired' : 'incident opened' });
    else if (e.kind === 'compacted') {
      const duration = typeof e.detail.durationMs === 'number' ? e.detail.durationMs : undefined;
      if (duration !== undefined) marks.push({ atMs: at - duration, label: 'compaction start' });
      marks.push({ atMs: at, label: 'compaction end' });
    } else if (e.kind === 'escalated') marks.push({ atMs: at, label: 'escalated' });
    else if (e.kind === 'acked') marks.push({ atMs: at, label: 'acked' });
  }
  return marks.sort((a, b) => a.atMs - b.atMs);
}
