/** One cumulative bucket of a classic histogram: `count` observations were `<= le`. */
export interface HistogramBucket {
  le: number;
  count: number;
}

/**
 * The q-quantile of a classic histogram, with PromQL `histogram_quantile`'s semantics (promql/quantile.go
 * `BucketQuantile`): linear interpolation inside the bucket the rank falls in, a lower bound of 0 for the
 * first bucket (or its upper bound when that is <= 0), the second-highest bound when the rank falls in the
 * `+Inf` bucket; NaN without a `+Inf` bucket, with fewer than 2 buckets or with no observations; -Inf for
 * q < 0, +Inf for q > 1. Non-monotonic counts (scrape races) are forced monotonic as Prometheus does.
 * @example histogramQuantile(0.5, [{ le: 1, count: 5 }, { le: 2, count: 10 }, { le: Infinity, count: 10 }]) // 1
 */
export function histogramQuantile(q: number, buckets: readonly HistogramBucket[]): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const sorted = coalesce([...buckets].sort((a, b) => a.le - b.le));
  if (sorted.length === 0 || sorted[sorted.length - 1]!.le !== Number.POSITIVE_INFINITY) return Number.NaN;
  if (sorted.length < 2) return Number.NaN;
  let max = Number.NEGATIVE_INFINITY;
  for (const b of sorted) {
    if (b.count < max) b.count = max;
    else max = b.count;
  }
  const last = sorted.length - 1;
  const observations = sorted[last]!.count;
  if (!(observations > 0)) return Number.NaN;
  let rank = q * observations;
  let b = 0;
  while (b < last && sorted[b]!.count < rank) b++;
  if (b === last) return sorted[last - 1]!.le;
  if (b === 0 && sorted[0]!.le <= 0) return sorted[0]!.le;
  let bucketStart = 0;
  const bucketEnd = sorted[b]!.le;
  let count = sorted[b]!.count;
  if (b > 0) {
    bucketStart = sorted[b - 1]!.le;
    count -= sorted[b - 1]!.count;
    rank -= sorted[b - 1]!.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/** Merges buckets with the same bound (summing them); returns fresh objects the caller may change. */
function coalesce(sorted: readonly HistogramBucket[]): HistogramBucket[] {
  const out: HistogramBucket[] = [];
  for (const b of sorted) {
    const prev = out[out.length - 1];
    if (prev && prev.le === b.le) prev.count += b.count;
    else out.push({ le: b.le, count: b.count });
  }
  return out;
}
