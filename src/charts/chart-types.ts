import type { Cause } from '../diagnosis/types';

/** One reading: epoch milliseconds and a value (a fraction for rates, bytes, a count or seconds). */
export type Point = readonly [atMs: number, value: number];

export interface Series {
  name: string;
  points: Point[];
}

/** Where a chart's numbers came from; said under the chart so nobody mistakes a gap for a quiet node. */
export type ChartSource = 'prometheus' | 'samples';

/**
 * Everything a node's charts can show, as read from Prometheus or the bot's own samples. A series the
 * source could not give is absent (never an empty or invented curve); `missing` says why, per panel.
 */
export interface NodeChartData {
  node: string;
  fromMs: number;
  toMs: number;
  source: ChartSource;
  errorRate?: Series;
  errorRateByOperation: Series[];
  diskFreeFraction?: Series;
  pendingCompactionBytes?: Series;
  sstFiles?: Series;
  putP99Seconds?: Series;
  lockWaitP99Seconds?: Series;
  /** Why a part is missing, e.g. "disk free: no samples (Prometheus has no disk metric for StemeDB)". */
  missing: string[];
}

/** Something the bot or Alertmanager did, drawn as a vertical line. */
export interface ChartMark {
  atMs: number;
  label: string;
}

export type PanelUnit = 'percent' | 'bytes' | 'count' | 'seconds';

export interface PanelLine {
  name: string;
  points: Point[];
  /** Projections and "after" halves are dashed: a reader must see they are not measurements. */
  dashed?: boolean;
}

export interface Threshold {
  value: number;
  label: string;
  severity: 'warning' | 'critical';
}

export interface ChartPanel {
  title: string;
  unit: PanelUnit;
  lines: PanelLine[];
  thresholds: Threshold[];
  /** The panel's time axis runs past the window to here (a projection). */
  extendToMs?: number;
}

/** A chart as data: what is drawn, independent of the library that draws it (tested as such). */
export interface ChartSpec {
  title: string;
  /** Source and window, under the title. */
  subtitle: string;
  fromMs: number;
  toMs: number;
  panels: ChartPanel[];
  marks: ChartMark[];
}

/** A chart, or the sentence saying why there is none. */
export type ChartOutcome = { spec: ChartSpec; summary: string } | { none: string };

export type ChartCause = Cause;
