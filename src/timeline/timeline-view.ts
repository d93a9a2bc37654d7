import type { Incident } from '../incidents/incident-store';
import { LIMITS, section } from '../render/blocks';
import type { KnownBlock, View } from '../surfaces/view';
import type { TimelineEntry } from './timeline-events';
import { timelineLines } from './timeline-text';

/** Sections leave room for the header block within Slack's 50. */
const MAX_SECTIONS = 45;

/** `/stemedb timeline`: every event in order, each with its time since the incident opened. */
export function timelineView(incident: Incident, entries: readonly TimelineEntry[]): View {
  const title = `*Timeline of ${incident.id}* (${incident.node ?? 'no node'}, ${incident.status}; opened ${incident.openedAt.slice(0, 19).replace('T', ' ')} UTC)`;
  const lines = timelineLines(incident, entries).map((l) => `\`${l.relative.padStart(8)}\` ${l.text}`);
  if (lines.length === 0) lines.push('No events recorded.');
  const chunks: string[] = [];
  for (const line of lines) {
    const last = chunks.at(-1);
    if (last !== undefined && last.length + line.length + 1 <= LIMITS.sectionText - 100) chunks[chunks.length - 1] = `${last}\n${line}`;
    else chunks.push(line);
  }
  const shown = chunks.slice(0, MAX_SECTIONS);
  const cut =
    chunks.length > shown.length ? [`… ${chunks.length - shown.length} more part(s): \`stemedb-chatops timeline ${incident.id} --json\` has all of it.`] : [];
  const blocks: KnownBlock[] = [section(title), ...shown.map(section), ...cut.map(section)];
  return { text: [title, ...lines].join('\n').slice(0, 39_000), blocks };
}

/** The CLI's `--json`: the incident and its events with their relative times, stable field names. */
export function timelineJson(incident: Incident, entries: readonly TimelineEntry[]) {
  const opened = Date.parse(incident.openedAt);
  const lines = timelineLines(incident, entries);
  const sorted = [...entries].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.id - b.id);
  return {
    incident: {
      id: incident.id,
      node: incident.node,
      title: incident.title,
      status: incident.status,
      openedAt: incident.openedAt,
      resolvedAt: incident.resolvedAt,
      resolvedBy: incident.resolvedBy,
    },
    events: sorted.map((e, i) => ({
      at: e.at,
      offsetSeconds: Math.round((Date.parse(e.at) - opened) / 1000),
      kind: e.kind,
      actor: e.actor,
      text: lines[i]!.text,
      detail: e.detail,
    })),
  };
}
