import { THRESHOLDS } from '../diagnosis/thresholds';
import { formatPercent } from '../render/format';
import type { ChartCause, ChartMark, ChartOutcome, ChartPanel, ChartSpec, NodeChartData, PanelLine, Series, Threshold } from './chart-types';
import { projectZeroCrossing } from './projection';
import { sparkline } from './sparkline';

/** The runbook's two lines: the alert rule (> 1%) and "escalate immediately" (> 10%). */
export const ERROR_RATE_THRESHOLDS: Threshold[] = [
  { value: THRESHOLDS.errorRateCritical, label: 'alert 1%', severity: 'warning' },
  { value: THRESHOLDS.errorRateEscalate, label: 'escalate 10%', severity: 'critical' },
];

const MIN_PROJECTION_SPAN_MS = 10 * 60_000;

/** A line needs two readings; one dot is not a trend and would read as one. */
const drawable = (s: Series | undefined): s is Series => s !== undefined && s.points.length >= 2;

const SOURCE_TEXT = { prometheus: 'Prometheus', samples: "the bot's own samples" } as const;

/**
 * The diagnosis chart: the error rate overall and per operation with the runbook's lines and the marks,
 * plus the panel that fits the verdict. No error-rate data: no chart, and the reason. Pure.
 */
export function diagnosisChart(data: NodeChartData, cause: ChartCause, marks: readonly ChartMark[]): ChartOutcome {
  if (!drawable(data.errorRate)) return { none: noDataReason(data) };
  const panels: ChartPanel[] = [errorRatePanel(data), ...causePanels(data, cause)];
  const spec: ChartSpec = {
    title: `${data.node}: storage error rate`,
    subtitle: `${windowText(data.fromMs, data.toMs)}, from ${SOURCE_TEXT[data.source]}`,
    fromMs: data.fromMs,
    toMs: data.toMs,
    panels,
    marks: marks.filter((m) => m.atMs >= data.fromMs && m.atMs <= data.toMs),
  };
  return { spec, summary: errorRateSummary(data) };
}

/** "Error rate, 14:30-15:30 UTC: ▁▁▂▅▇█ now 2.03%, peak 3.10%" (the shell's sparkline, Slack's file comment). */
export function errorRateSummary(data: NodeChartData): string {
  const points = data.errorRate?.points ?? [];
  const values = points.map(([, v]) => v);
  const last = values.at(-1) ?? null;
  const peak = values.length > 0 ? Math.max(...values) : null;
  return `Error rate of ${data.node}, ${windowText(data.fromMs, data.toMs)} (${SOURCE_TEXT[data.source]}): ${sparkline(values)} now ${formatPercent(last)}, peak ${formatPercent(peak)}`;
}

export function errorRatePanel(data: NodeChartData): ChartPanel {
  const lines: PanelLine[] = [{ name: 'all operations', points: data.errorRate!.points }];
  for (const s of data.errorRateByOperation) if (drawable(s)) lines.push({ name: s.name, points: s.points });
  return { title: 'Storage errors / operations', unit: 'percent', lines, thresholds: ERROR_RATE_THRESHOLDS };
}

function causePanels(data: NodeChartData, cause: ChartCause): ChartPanel[] {
  if (cause === 'disk_full' && drawable(data.diskFreeFraction)) return [diskPanel(data.diskFreeFraction, data)];
  if (cause === 'compaction_lag') {
    const panels: ChartPanel[] = [];
    if (drawable(data.pendingCompactionBytes)) panels.push(pendingPanel(data.pendingCompactionBytes));
    if (drawable(data.sstFiles)) {
      panels.push({
        title: 'SST files',
        unit: 'count',
        lines: [{ name: 'SST files', points: data.sstFiles.points }],
        thresholds: [
          { value: THRESHOLDS.sstExpected, label: 'expected < 100', severity: 'warning' },
          { value: THRESHOLDS.sstFailing, label: 'failing > 500', severity: 'critical' },
        ],
      });
    }
    return panels;
  }
  if (cause === 'lock_contention') {
    const lines = [data.putP99Seconds, data.lockWaitP99Seconds].filter(drawable).map((s) => ({ name: s.name, points: s.points }));
    if (lines.length === 0) return [];
    return [
      {
        title: 'Latency p99',
        unit: 'seconds',
        lines,
        thresholds: [
          { value: THRESHOLDS.lockWaitWarningSeconds, label: 'lock wait 1 s', severity: 'warning' },
          { value: THRESHOLDS.lockWaitCriticalSeconds, label: 'lock timeout 5 s', severity: 'critical' },
        ],
      },
    ];
  }
  return [];
}

export function pendingPanel(series: Series): ChartPanel {
  return {
    title: 'Pending compaction',
    unit: 'bytes',
    lines: [{ name: 'pending bytes', points: series.points }],
    thresholds: [{ value: THRESHOLDS.pendingCompactionBytes, label: 'lag 10 GB', severity: 'warning' }],
  };
}

/** Disk free with a straight-line projection of when it reaches 0 (only drawn when it is falling). */
function diskPanel(series: Series, window: { fromMs: number; toMs: number }): ChartPanel {
  const lines: PanelLine[] = [{ name: 'disk free', points: series.points }];
  const last = series.points.at(-1)!;
  const span = last[0] - series.points[0]![0];
  // A straight line through a minute of readings says nothing about the next hour: project from 10 minutes on.
  const zeroAt = span >= MIN_PROJECTION_SPAN_MS ? projectZeroCrossing(series.points) : undefined;
  let title = span >= MIN_PROJECTION_SPAN_MS ? 'Disk free: not falling' : 'Disk free (projected once 10 minutes of readings exist)';
  let extendToMs: number | undefined;
  if (zeroAt !== undefined) {
    // Drawn up to half a window ahead; further out the straight line means little and would squash the data.
    const horizon = window.toMs + (window.toMs - window.fromMs) / 2;
    const end: readonly [number, number] = zeroAt <= horizon ? [zeroAt, 0] : [horizon, last[1] * (1 - (horizon - last[0]) / (zeroAt - last[0]))];
    lines.push({ name: 'projection', points: [last, end], dashed: true });
    extendToMs = Math.max(window.toMs, end[0]);
    title = `Disk free: full at ${zeroAt - last[0] > 86_400_000 ? new Date(zeroAt).toISOString().slice(0, 16).replace('T', ' ') : clock(zeroAt)} UTC at this rate`;
  }
  return {
    title,
    unit: 'percent',
    lines,
    ...(extendToMs ? { extendToMs } : {}),
    thresholds: [
      { value: THRESHOLDS.diskFreeWarning, label: 'warning 20%', severity: 'warning' },
      { value: THRESHOLDS.diskFreeCritical, label: 'full 5%', severity: 'critical' },
    ],
  };
}

function noDataReason(data: NodeChartData): string {
  const got = data.errorRate?.points.length ?? 0;
  const why =
    data.missing.find((m) => m.startsWith('error rate')) ??
    (got === 1 ? `error rate: only one reading of ${data.node} so far` : `error rate: no readings of ${data.node}`);
  return `No chart: ${why}.`;
}

export function windowText(fromMs: number, toMs: number): string {
  return `${clock(fromMs)}-${clock(toMs)} UTC`;
}

export function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}
