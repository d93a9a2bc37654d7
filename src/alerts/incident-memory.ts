import type { Incident, IncidentEvent } from '../incidents/incident-store';
import { escapeMrkdwn, formatDuration, mention } from './alert-format';

export interface MemoryInput {
  alertname: string;
  /** The node's name, or the raw label when it is not in the inventory. */
  node: string;
  days: number;
  /** Earlier incidents of the same alert on the same node within `days`, newest first. */
  history: readonly Incident[];
  /** The timeline of `history[0]`. */
  lastEvents: readonly IncidentEvent[];
  now: Date;
}

/** Kinds other features write and what they tell the next responder. */
const REMEMBERED = ['compacted', 'escalated', 'acked', 'silenced'] as const;

/**
 * The thread's "incident memory": how often the alert fired on this node lately, what was done last time and
 * how it ended. Pure: the store supplies the history.
 * @example incidentMemory({alertname: 'HighStorageErrorRate', node: 'stemedb-1', days: 30, history: [], lastEvents: [], now})
 * // ["First time HighStorageErrorRate fired on stemedb-1 in the last 30 days."]
 */
export function incidentMemory(input: MemoryInput): string[] {
  const { node, days, history } = input;
  // The alert name comes from Alertmanager's rules; the lines go into mrkdwn and the fallback text.
  const alertname = escapeMrkdwn(input.alertname);
  if (history.length === 0) return [`First time ${alertname} fired on ${node} in the last ${days} days.`];
  const times = history.length === 1 ? 'once before' : `${history.length} times before`;
  const lines = [`${alertname} fired ${times} on ${node} in the last ${days} days.`];
  const last = history[0]!;
  const done = REMEMBERED.flatMap((kind) => {
    const event = [...input.lastEvents].reverse().find((e) => e.kind === kind);
    return event ? [describeEvent(event, input.lastEvents)] : [];
  });
  const ago = formatDuration(input.now.getTime() - Date.parse(last.openedAt));
  const action = done.length > 0 ? done.join(', ') : 'no action recorded';
  lines.push(`Last time (${ago} ago): ${action}; ${endingOf(last)}.`);
  return lines;
}

function endingOf(incident: Incident): string {
  if (incident.status === 'open' || !incident.resolvedAt) return 'it is still open';
  const lasted = formatDuration(Date.parse(incident.resolvedAt) - Date.parse(incident.episode ?? incident.openedAt));
  return `resolved${incident.resolvedBy ? ` by ${mention(incident.resolvedBy)}` : ''} after ${lasted}`;
}

/** The timeline's closed-loop re-check after a compaction: did it help last time? */
const RECHECK_TEXT: Record<string, string> = { cleared: 'the errors cleared', persists: 'the errors persisted', worse: 'the errors got worse' };

function describeEvent(event: IncidentEvent, all: readonly IncidentEvent[]): string {
  const by = event.actor ? ` by ${mention(event.actor)}` : '';
  const outcome = typeof event.detail.outcome === 'string' ? ` (${event.detail.outcome})` : '';
  switch (event.kind) {
    case 'compacted': {
      const recheck = all.find((e) => e.kind === 'compaction_recheck' && e.id > event.id);
      const helped = RECHECK_TEXT[String(recheck?.detail.condition)];
      return `compacted${by}${helped ? ` (${String(event.detail.outcome ?? 'done')}; ${helped})` : outcome}`;
    }
    case 'escalated': {
      const level = event.detail.levelName ?? event.detail.level;
      return `escalated${typeof level === 'string' || typeof level === 'number' ? ` to ${String(level)}` : ''}${by}`;
    }
    case 'acked':
      return `acknowledged${by}`;
    default:
      return `${event.kind}${by}${outcome}`;
  }
}
