import type { LatencyCurve } from './scenarios';

/**
 * Fraction of observations at or below `seconds` for a curve of (seconds, cumulative) anchors; between anchors
 * the distribution is log-uniform, which is how latencies spread in practice.
 * @example latencyCdf([[0.001, 0], [0.01, 1]], 0.00316) // ~0.5
 */
export function latencyCdf(curve: LatencyCurve, seconds: number): number {
  const first = curve[0];
  const last = curve.at(-1);
  if (!first || !last || seconds < first[0]) return 0;
  if (seconds >= last[0]) return 1;
  for (let i = 0; i + 1 < curve.length; i++) {
    const [a, pa] = curve[i]!;
    const [b, pb] = curve[i + 1]!;
    if (seconds >= a && seconds < b) return pa + ((pb - pa) * Math.log(seconds / a)) / Math.log(b / a);
  }
  return 1;
}

/** Mean of the distribution, for a histogram's `_sum`. */
export function latencyMean(curve: LatencyCurve): number {
  let mean = 0;
  for (let i = 0; i + 1 < curve.length; i++) {
    const [a, pa] = curve[i]!;
    const [b, pb] = curve[i + 1]!;
    mean += (pb - pa) * (b === a ? a : (b - a) / Math.log(b / a));
  }
  return mean;
}
