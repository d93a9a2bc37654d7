import { latencyCdf, latencyMean } from './latency-curve';
import { HEALTHY_PROFILE, OPERATIONS, type LatencyCurve, type Operation, type ScenarioProfile } from './scenarios';

/** Bucket bounds (seconds) of both latency histograms, as StemeDB's Rust exporter would declare them. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** One background compaction every this many seconds feeds the compaction duration summary. */
const BACKGROUND_COMPACTION_EVERY_S = 30;

export interface HistogramSnapshot {
  /** Cumulative counts, one per LATENCY_BUCKETS entry (the `+Inf` bucket is `count`). */
  buckets: number[];
  count: number;
  sum: number;
}

export interface MetricsSnapshot {
  operations: Record<Operation, number>;
  errors: Record<Operation, number>;
  putDuration: HistogramSnapshot;
  lockWait: HistogramSnapshot;
  compaction: { quantiles: readonly [number, number, number]; count: number; sum: number };
  assertionsIndexed: number;
}

const perOp = (): Record<Operation, number> => ({ put: 0, get: 0, delete: 0 });
const emptyHistogram = (): HistogramSnapshot => ({ buckets: LATENCY_BUCKETS.map(() => 0), count: 0, sum: 0 });

function observe(h: HistogramSnapshot, n: number, curve: LatencyCurve): void {
  LATENCY_BUCKETS.forEach((le, i) => (h.buckets[i]! += n * latencyCdf(curve, le)));
  h.count += n;
  h.sum += n * latencyMean(curve);
}

/**
 * The node's counters, histograms and summary, driven by elapsed time rather than by events: every
 * `advance(now, profile)` adds `rate x elapsed` to float accumulators, so any two scrapes see exactly the
 * profile's error fractions (up to rounding to whole counts). Pure: the caller passes the clock.
 */
export class StorageCounters {
  private readonly ops = perOp();
  private readonly errs = perOp();
  private readonly put = emptyHistogram();
  private readonly lock = emptyHistogram();
  private readonly compaction = { count: 0, sum: 0 };
  private indexed = 0;
  private lastMs: number;
  private profile: ScenarioProfile;

  /**
   * Starts as if the node had run a day healthy, then `recentSeconds` in `initial` (the incident's history).
   */
  constructor(
    startMs: number,
    private readonly opsPerSecond: number,
    initial: ScenarioProfile,
    recentSeconds = 600,
  ) {
    this.lastMs = startMs;
    this.profile = initial;
    this.accumulate(86_400, HEALTHY_PROFILE);
    this.accumulate(recentSeconds, initial);
  }

  /** Accounts for the time since the last call at the rates of `profile` (the one in force until now). */
  advance(nowMs: number, profile: ScenarioProfile = this.profile): void {
    const seconds = (nowMs - this.lastMs) / 1000;
    if (seconds > 0) {
      this.accumulate(seconds, profile);
      this.lastMs = nowMs;
    }
    this.profile = profile;
  }

  /** Records a finished manual compaction in the duration summary. */
  observeCompaction(seconds: number): void {
    this.compaction.count += 1;
    this.compaction.sum += seconds;
  }

  /** Whole-number counts, as a real exporter shows them; floors keep histogram buckets cumulative. */
  snapshot(): MetricsSnapshot {
    const floorOps = (r: Record<Operation, number>) => ({ put: Math.floor(r.put), get: Math.floor(r.get), delete: Math.floor(r.delete) });
    const floorHist = (h: HistogramSnapshot): HistogramSnapshot => ({ buckets: h.buckets.map(Math.floor), count: Math.floor(h.count), sum: h.sum });
    return {
      operations: floorOps(this.ops),
      errors: floorOps(this.errs),
      putDuration: floorHist(this.put),
      lockWait: floorHist(this.lock),
      compaction: { quantiles: this.profile.compactionQuantiles, count: Math.floor(this.compaction.count), sum: this.compaction.sum },
      assertionsIndexed: Math.floor(this.indexed),
    };
  }

  private accumulate(seconds: number, profile: ScenarioProfile): void {
    const n = this.opsPerSecond * seconds;
    for (const op of OPERATIONS) {
      this.ops[op] += n;
      this.errs[op] += n * profile.errors[op];
    }
    observe(this.put, n, profile.putLatency);
    observe(this.lock, 2 * n, profile.lockWait);
    this.indexed += n * (1 - profile.errors.put);
    const compactions = seconds / BACKGROUND_COMPACTION_EVERY_S;
    this.compaction.count += compactions;
    this.compaction.sum += compactions * profile.compactionQuantiles[0] * 1.2;
  }
}
