import { formatPercent } from '../render/format';
import type { ChartMark, ChartOutcome, ChartPanel, NodeChartData, PanelLine, Point } from './chart-types';
import { ERROR_RATE_THRESHOLDS, pendingPanel, windowText } from './chart-spec';
import { sparkline } from './sparkline';

/** Prometheus's `rate(...[5m])`: a point means the 5 minutes before it. */
const PROMETHEUS_WINDOW_MS = 300_000;

export type CompactionCondition = 'cleared' | 'persists' | 'worse' | 'unknown';

const VERDICT: Record<CompactionCondition, string> = {
  cleared: 'cleared (errors < 1%)',
  persists: 'persists (errors still > 1%)',
  worse: 'worse than before',
  unknown: 'not measured',
};

/**
 * The closed loop, seen: the error rate before and after the compaction as two lines (the "after" one from
 * the compaction's end), pending compaction bytes under it, the run's start and end marked, and the same
 * verdict the summary says. No error-rate readings before the run: no chart. Pure.
 */
export function compactionChart(
  data: NodeChartData,
  run: { startMs: number; endMs: number; measuredAfter?: { atMs: number; errorRate: number } },
  condition: CompactionCondition,
  marks: readonly ChartMark[] = [],
): ChartOutcome {
  const points = data.errorRate?.points ?? [];
  const before = points.filter(([t]) => t < run.endMs);
  // A reading is "after" only if the window it measures began after the run ended: one that spans the end mixes
  // the two and is left out (own samples measure since the previous sample; Prometheus's rate the last 5 min).
  const windowStart = (i: number) => (data.source === 'prometheus' ? points[i]![0] - PROMETHEUS_WINDOW_MS : (points[i - 1]?.[0] ?? -Infinity));
  const after: Point[] = points.filter(([t], i) => t >= run.endMs && windowStart(i) >= run.endMs);
  // The closed loop's own re-check (scrapes after the end) is an after reading too.
  if (run.measuredAfter) after.push([run.measuredAfter.atMs, run.measuredAfter.errorRate]);
  after.sort((a, b) => a[0] - b[0]);
  if (before.length < 2) {
    return { none: `No before/after chart: ${data.missing[0] ?? `fewer than two error-rate readings of ${data.node} before the compaction ended`}.` };
  }
  const lines: PanelLine[] = [{ name: 'before and during', points: before }];
  if (after.length > 0) lines.push({ name: 'after compaction', points: after });
  const panels: ChartPanel[] = [{ title: 'Storage errors / operations', unit: 'percent', lines, thresholds: ERROR_RATE_THRESHOLDS }];
  if ((data.pendingCompactionBytes?.points.length ?? 0) >= 2) panels.push(pendingPanel(data.pendingCompactionBytes!));
  const runMarks: ChartMark[] = [
    { atMs: run.startMs, label: 'compaction start' },
    { atMs: run.endMs, label: 'compaction end' },
  ];
  const others = marks.filter((m) => !m.label.startsWith('compaction') && m.atMs >= data.fromMs && m.atMs <= data.toMs);
  return {
    spec: {
      title: `${data.node} after compaction: ${VERDICT[condition]}`,
      subtitle: `${windowText(data.fromMs, data.toMs)}, from ${data.source === 'prometheus' ? 'Prometheus' : "the bot's own samples"}`,
      fromMs: data.fromMs,
      toMs: data.toMs,
      panels,
      marks: [...others, ...runMarks].sort((a, b) => a.atMs - b.atMs),
    },
    summary: `Error rate of ${data.node} before the compaction ${sparkline(before.map(([, v]) => v))} ${formatPercent(before.at(-1)![1])}; after ${after.length > 0 ? formatPercent(after.at(-1)![1]) : 'not measured yet'} (${data.source === 'prometheus' ? 'Prometheus' : "the bot's own samples"})`,
  };
}
