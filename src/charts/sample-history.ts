import { histogramDelta, type HistogramSnapshot } from '../prometheus/metric-queries';
import { histogramQuantile } from '../prometheus/histogram-quantile';
import type { Point, Series } from './chart-types';

/** One reading of a node by the bot itself: cumulative counters and gauges as scraped, and `df`. */
export interface RawSample {
  atMs: number;
  errors?: Record<string, number>;
  operations?: Record<string, number>;
  pendingCompactionBytes?: number;
  sstFiles?: number;
  diskFreeFraction?: number;
  putDuration?: HistogramSnapshot;
  lockWait?: HistogramSnapshot;
}

/** Two hours at one sample every 15 s: enough for "the last hour" and "since the alert, plus 15 minutes". */
export const MAX_SAMPLES_PER_NODE = 480;

/** A bounded in-memory history of the bot's own samples, per node (oldest dropped first). */
export class SampleHistory {
  private readonly byNode = new Map<string, RawSample[]>();

  constructor(private readonly maxPerNode = MAX_SAMPLES_PER_NODE) {}

  add(node: string, sample: RawSample): void {
    const list = this.byNode.get(node) ?? [];
    list.push(sample);
    if (list.length > this.maxPerNode) list.splice(0, list.length - this.maxPerNode);
    this.byNode.set(node, list);
  }

  samples(node: string, fromMs = -Infinity, toMs = Infinity): RawSample[] {
    return (this.byNode.get(node) ?? []).filter((s) => s.atMs >= fromMs && s.atMs <= toMs);
  }
}

/** Counter increase, reset-aware (a counter that went down restarted: its value is the increase). */
const inc = (now: number, before: number) => (now < before ? now : now - before);

/**
 * The series a chart draws from consecutive raw samples: error rates (Δerrors/Δoperations, the alert's
 * definition) overall and per operation, p99s from histogram deltas, gauges as read. A window with no
 * operations has no error-rate point (0/0 is not 0%). Pure.
 */
export function seriesFromSamples(samples: readonly RawSample[]): {
  errorRate: Series;
  byOperation: Series[];
  diskFree: Series;
  pending: Series;
  sst: Series;
  putP99: Series;
  lockWaitP99: Series;
} {
  const errorRate: Point[] = [];
  const perOp = new Map<string, Point[]>();
  const putP99: Point[] = [];
  const lockWaitP99: Point[] = [];
  for (let i = 1; i < samples.length; i++) {
    const [a, b] = [samples[i - 1]!, samples[i]!];
    if (a.errors && a.operations && b.errors && b.operations) {
      let errors = 0;
      let ops = 0;
      for (const op of Object.keys(b.operations)) {
        const dOps = inc(b.operations[op]!, a.operations[op] ?? 0);
        const dErr = inc(b.errors[op] ?? 0, a.errors[op] ?? 0);
        errors += dErr;
        ops += dOps;
        if (dOps > 0) {
          const list = perOp.get(op) ?? [];
          list.push([b.atMs, dErr / dOps]);
          perOp.set(op, list);
        }
      }
      if (ops > 0) errorRate.push([b.atMs, errors / ops]);
    }
    const p99 = (x?: HistogramSnapshot, y?: HistogramSnapshot) => (x && y ? histogramQuantile(0.99, histogramDelta(y, x).buckets) : NaN);
    const put = p99(a.putDuration, b.putDuration);
    if (Number.isFinite(put)) putP99.push([b.atMs, put]);
    const lock = p99(a.lockWait, b.lockWait);
    if (Number.isFinite(lock)) lockWaitP99.push([b.atMs, lock]);
  }
  const gauge = (name: string, pick: (s: RawSample) => number | undefined): Series => ({
    name,
    points: samples.flatMap((s): Point[] => (pick(s) === undefined ? [] : [[s.atMs, pick(s)!]])),
  });
  return {
    errorRate: { name: 'all operations', points: errorRate },
    byOperation: [...perOp].map(([name, points]) => ({ name, points })),
    diskFree: gauge('disk free', (s) => s.diskFreeFraction),
    pending: gauge('pending bytes', (s) => s.pendingCompactionBytes),
    sst: gauge('SST files', (s) => s.sstFiles),
    putP99: { name: 'put p99', points: putP99 },
    lockWaitP99: { name: 'lock wait p99', points: lockWaitP99 },
  };
}
