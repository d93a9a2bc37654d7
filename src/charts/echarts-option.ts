import type { ChartPanel, ChartSpec, PanelUnit, Point } from './chart-types';
import { clock } from './chart-spec';

/** Pixel size of a chart: Slack shows it at up to about 800 px wide in a thread. */
export const CHART_WIDTH = 900;
const TOP = 78;
const PANEL_HEIGHT = 190;
const PANEL_GAP = 62;
const BOTTOM = 56;

export const chartHeight = (panels: number) => TOP + panels * PANEL_HEIGHT + (panels - 1) * PANEL_GAP + BOTTOM;

/** Plot areas in pixels (for tests that look at the rasterised image). */
export function plotAreas(spec: ChartSpec): { left: number; top: number; width: number; height: number }[] {
  return spec.panels.map((_, i) => ({ left: 70, top: TOP + i * (PANEL_HEIGHT + PANEL_GAP), width: CHART_WIDTH - 70 - 130, height: PANEL_HEIGHT }));
}

const SEVERITY_COLOR = { warning: '#d97706', critical: '#dc2626' } as const;
const PALETTE = ['#1d4ed8', '#059669', '#7c3aed', '#db2777', '#0891b2', '#65a30d'];
const FONT = 'DejaVu Sans';

/** Values shown in the unit's natural scale, so axis labels can be plain templates (no functions cross to the renderer). */
const SCALE: Record<PanelUnit, { factor: number; label: string }> = {
  percent: { factor: 100, label: '{value}%' },
  bytes: { factor: 1e-9, label: '{value} GB' },
  count: { factor: 1, label: '{value}' },
  seconds: { factor: 1, label: '{value} s' },
};

const scaled = (points: readonly Point[], unit: PanelUnit) => points.map(([t, v]) => [t, round(v * SCALE[unit].factor)]);
const round = (v: number) => Math.round(v * 1e6) / 1e6;

/**
 * The ECharts option that draws a chart spec: one grid per panel, stacked, sharing the time window; the
 * thresholds and marks as mark lines. Pure and JSON-only (it crosses to the render worker).
 */
export function echartsOption(spec: ChartSpec): Record<string, unknown> {
  const areas = plotAreas(spec);
  const series: Record<string, unknown>[] = [];
  let colour = 0;
  spec.panels.forEach((panel, i) => {
    panel.lines.forEach((line, j) => {
      const color = line.dashed ? '#6b7280' : PALETTE[colour++ % PALETTE.length];
      series.push({
        type: 'line',
        name: line.name,
        xAxisIndex: i,
        yAxisIndex: i,
        data: scaled(line.points, panel.unit),
        showSymbol: line.points.length <= 3,
        symbolSize: 5,
        color,
        lineStyle: { width: j === 0 && panel.unit === 'percent' && i === 0 ? 2.5 : 1.6, type: line.dashed ? 'dashed' : 'solid' },
        ...(j === 0 ? { markLine: markLines(spec, panel, i) } : {}),
      });
    });
  });
  return {
    animation: false,
    useUTC: true,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: FONT },
    title: [
      {
        text: spec.title,
        subtext: spec.subtitle,
        left: 16,
        top: 8,
        textStyle: { fontSize: 17, fontFamily: FONT },
        subtextStyle: { fontSize: 12, fontFamily: FONT, color: '#4b5563' },
      },
      ...spec.panels.map((panel, i) => ({
        text: panel.title,
        left: areas[i]!.left,
        top: areas[i]!.top - 22,
        textStyle: { fontSize: 13, fontWeight: 'bold', fontFamily: FONT, color: '#111827' },
      })),
    ],
    legend: { top: 12, right: 16, itemWidth: 18, itemGap: 18, textStyle: { fontSize: 11, fontFamily: FONT } },
    grid: areas.map((a) => ({ left: a.left, top: a.top, width: a.width, height: a.height })),
    xAxis: spec.panels.map((panel, i) => ({
      type: 'time',
      gridIndex: i,
      min: spec.fromMs,
      max: panel.extendToMs ?? spec.toMs,
      splitLine: { show: false },
      axisLabel: { fontSize: 11, fontFamily: FONT, hideOverlap: true },
    })),
    yAxis: spec.panels.map((panel, i) => ({
      type: 'value',
      gridIndex: i,
      min: 0,
      max: yMax(panel),
      axisLabel: { formatter: SCALE[panel.unit].label, fontSize: 11, fontFamily: FONT },
      splitLine: { lineStyle: { color: '#e5e7eb' } },
    })),
    series,
  };
}

function markLines(spec: ChartSpec, panel: ChartPanel, index: number): Record<string, unknown> {
  const factor = SCALE[panel.unit].factor;
  const thresholds = panel.thresholds.map((t) => ({
    yAxis: round(t.value * factor),
    name: t.label,
    lineStyle: { color: SEVERITY_COLOR[t.severity], type: 'dashed', width: 1.5 },
    label: { formatter: t.label, position: 'end', color: SEVERITY_COLOR[t.severity], fontSize: 11, fontFamily: FONT },
  }));
  // Marks close together (a short compaction's start and end) would print their labels on top of each other.
  const positions = ['insideEndTop', 'insideMiddleTop', 'insideStartTop'];
  const marks = spec.marks.map((m, k) => ({
    xAxis: m.atMs,
    name: m.label,
    lineStyle: { color: '#374151', type: 'dotted', width: 1.5 },
    label: {
      formatter: index === 0 ? `${m.label} ${clock(m.atMs)}` : '',
      position: positions[k % positions.length],
      color: '#374151',
      fontSize: 11,
      fontFamily: FONT,
    },
  }));
  return { symbol: 'none', silent: true, animation: false, data: [...thresholds, ...marks] };
}

/**
 * The y range shows the highest reading and the lower threshold (so "how far over the line" is visible),
 * but not a far-off escalation line that would flatten a 2% curve against the axis.
 */
function yMax(panel: ChartPanel): number {
  const factor = SCALE[panel.unit].factor;
  const peak = Math.max(0, ...panel.lines.flatMap((l) => l.points.map(([, v]) => v)));
  const lowest = Math.min(...panel.thresholds.map((t) => t.value));
  const within = panel.thresholds.filter((t) => t.value <= peak * 1.5).map((t) => t.value);
  const top = Math.max(peak, Number.isFinite(lowest) ? lowest : 0, ...within) * 1.15;
  return niceCeil(top * factor);
}

function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(v));
  const step = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((s) => s * magnitude >= v)!;
  return round(step * magnitude);
}
