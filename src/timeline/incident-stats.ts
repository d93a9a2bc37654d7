import { formatDuration } from '../alerts/alert-format';
import type { IncidentStatsRow } from '../incidents/incident-store';
import { textView } from '../render/blocks';
import type { View } from '../surfaces/view';

/** One incident as the stats count it (read by `incidents.statsSince`). */
export type IncidentRow = IncidentStatsRow;

export interface GroupStats {
  key: string;
  count: number;
  acked: number;
  resolved: number;
  /** Mean milliseconds, null when none was acked / resolved. */
  mttaMs: number | null;
  mttrMs: number | null;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** Counts, MTTA and MTTR per key (cause or node), largest group first. Pure. */
export function groupStats(rows: readonly IncidentRow[], keyOf: (r: IncidentRow) => string): GroupStats[] {
  const groups = new Map<string, IncidentRow[]>();
  for (const r of rows) groups.set(keyOf(r), [...(groups.get(keyOf(r)) ?? []), r]);
  return [...groups.entries()]
    .map(([key, rs]) => {
      const tta = rs.filter((r) => r.ackedAt).map((r) => Date.parse(r.ackedAt!) - Date.parse(r.openedAt));
      const ttr = rs.filter((r) => r.resolvedAt).map((r) => Date.parse(r.resolvedAt!) - Date.parse(r.openedAt));
      return { key, count: rs.length, acked: tta.length, resolved: ttr.length, mttaMs: mean(tta), mttrMs: mean(ttr) };
    })
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

const span = (ms: number | null) => (ms === null ? 'n/a' : formatDuration(ms));

/** `/stemedb stats-incidents [days]`. */
export function incidentStatsView(rows: readonly IncidentRow[], days: number): View {
  if (rows.length === 0) return textView(`No incidents in the last ${days} day(s).`);
  const all = groupStats(rows, () => 'all')[0]!;
  const table = (title: string, groups: GroupStats[]) => [
    `*${title}*`,
    ...groups.map((g) => `• ${g.key}: ${g.count} incident(s), MTTA ${span(g.mttaMs)} (${g.acked} acked), MTTR ${span(g.mttrMs)} (${g.resolved} resolved)`),
  ];
  return textView(
    [
      `*Incidents in the last ${days} day(s)*: ${all.count}, MTTA ${span(all.mttaMs)} (${all.acked} acked), MTTR ${span(all.mttrMs)} (${all.resolved} resolved); times from the incident opening.`,
      ...table(
        'By cause (last diagnosis)',
        groupStats(rows, (r) => r.cause ?? 'not diagnosed'),
      ),
      ...table(
        'By node',
        groupStats(rows, (r) => r.node ?? 'no node'),
      ),
    ].join('\n'),
  );
}
