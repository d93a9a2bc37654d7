import type { MetricFamily, ParsedExposition, Sample } from './parse-exposition';
import type { HistogramBucket } from './histogram-quantile';
import { parsePrometheusFloat } from './parse-prometheus-float';

/** Exact label matches; `{ x: '' }` also matches a sample without `x`, as in PromQL. */
export type LabelFilter = Readonly<Record<string, string>>;

type Scrape = Pick<ParsedExposition, 'families'>;

/** The family holding samples named `sampleName`: the family itself, or its histogram/summary parent. */
export function findFamily(scrape: Scrape, sampleName: string): MetricFamily | undefined {
  const own = scrape.families.get(sampleName);
  if (own) return own;
  const match = /_(bucket|sum|count|created)$/.exec(sampleName);
  const parent = match ? scrape.families.get(sampleName.slice(0, match.index)) : undefined;
  return parent && (parent.type === 'histogram' || parent.type === 'summary') ? parent : undefined;
}

export function matchesFilter(labels: Readonly<Record<string, string>>, filter: LabelFilter): boolean {
  for (const key in filter) if ((labels[key] ?? '') !== filter[key]) return false;
  return true;
}

/** The samples named `sampleName` that match `filter`; `undefined` when the metric is not exported at all. */
export function selectSamples(scrape: Scrape, sampleName: string, filter: LabelFilter = {}): Sample[] | undefined {
  const family = findFamily(scrape, sampleName);
  return family?.samples.filter((s) => s.name === sampleName && matchesFilter(s.labels, filter));
}

/**
 * The sum over the matching series. `undefined` means "not exported" (no such family in the scrape);
 * `{ value: 0, seriesCount: 0 }` means exported but no series matched: a labelled counter nobody has
 * incremented yet is declared with HELP/TYPE only.
 * @example lookupValue(scrape, 'stemedb_storage_operation_errors_total', { operation: 'put' })
 */
export function lookupValue(scrape: Scrape, sampleName: string, filter: LabelFilter = {}): { value: number; seriesCount: number } | undefined {
  const samples = selectSamples(scrape, sampleName, filter);
  if (!samples) return undefined;
  return { value: samples.reduce((sum, s) => sum + s.value, 0), seriesCount: samples.length };
}

/** Sums matching series grouped by one label (`''` for series without it); `undefined` when not exported. */
export function sumByLabel(scrape: Scrape, sampleName: string, label: string, filter: LabelFilter = {}): Map<string, number> | undefined {
  const samples = selectSamples(scrape, sampleName, filter);
  if (!samples) return undefined;
  const sums = new Map<string, number>();
  for (const s of samples) {
    const key = s.labels[label] ?? '';
    sums.set(key, (sums.get(key) ?? 0) + s.value);
  }
  return sums;
}

/**
 * Increase of a counter between two readings. A counter that went down was reset (process restart), so,
 * like PromQL's `increase`, the current value is the increase since the reset.
 */
export function counterDelta(current: number, previous: number): number {
  return current < previous ? current : current - previous;
}

/** `counterDelta` per key of two `sumByLabel` results; a key new in `current` counts from 0. */
export function counterDeltaByLabel(current: ReadonlyMap<string, number>, previous: ReadonlyMap<string, number>): Map<string, number> {
  const deltas = new Map<string, number>();
  for (const [key, value] of current) deltas.set(key, counterDelta(value, previous.get(key) ?? 0));
  return deltas;
}

export interface HistogramSnapshot {
  /** Cumulative buckets sorted by `le`, the last normally `+Inf`. */
  buckets: HistogramBucket[];
  count: number;
  sum: number;
  /** Matching series (label sets apart from `le`); 0 when the histogram is exported but nothing matched. */
  seriesCount: number;
}

/**
 * A histogram family's matching series summed per `le` (PromQL `sum by (le)`); `undefined` when the family
 * is not exported. `count` is the sum of `_count`, or of the `+Inf` buckets when `_count` is missing.
 * @example extractHistogram(scrape, 'stemedb_storage_put_duration_seconds', { operation: 'put' })
 */
export function extractHistogram(scrape: Scrape, familyName: string, filter: LabelFilter = {}): HistogramSnapshot | undefined {
  const family = scrape.families.get(familyName);
  if (!family) return undefined;
  const byLe = new Map<number, number>();
  let sum = 0;
  let count = 0;
  let seriesCount = 0;
  let infSeries = 0;
  for (const s of family.samples) {
    if (!matchesFilter(s.labels, filter)) continue;
    if (s.name === `${familyName}_bucket`) {
      const le = parsePrometheusFloat(s.labels.le ?? '');
      if (le === undefined) continue;
      byLe.set(le, (byLe.get(le) ?? 0) + s.value);
      if (le === Number.POSITIVE_INFINITY) infSeries++;
    } else if (s.name === `${familyName}_sum`) {
      sum += s.value;
    } else if (s.name === `${familyName}_count`) {
      count += s.value;
      seriesCount++;
    }
  }
  const buckets = [...byLe].map(([le, c]) => ({ le, count: c })).sort((a, b) => a.le - b.le);
  if (seriesCount === 0 && infSeries > 0) {
    count = byLe.get(Number.POSITIVE_INFINITY) ?? 0;
    seriesCount = infSeries;
  }
  return { buckets, count, sum, seriesCount };
}

/**
 * Observations between two snapshots of the same histogram (the window between two scrapes). If any count
 * went down the process restarted in between, and `current` itself is the window, as `counterDelta` does.
 * A bucket missing from `previous` counts from 0.
 */
export function histogramDelta(current: HistogramSnapshot, previous: HistogramSnapshot): HistogramSnapshot {
  const before = new Map(previous.buckets.map((b) => [b.le, b.count]));
  const reset = current.count < previous.count || current.buckets.some((b) => b.count < (before.get(b.le) ?? 0));
  if (reset) return { ...current, buckets: current.buckets.map((b) => ({ ...b })) };
  return {
    buckets: current.buckets.map((b) => ({ le: b.le, count: b.count - (before.get(b.le) ?? 0) })),
    count: current.count - previous.count,
    sum: current.sum - previous.sum,
    seriesCount: current.seriesCount,
  };
}
