import type { Point } from './chart-types';

/**
 * When a falling series reaches 0 if it keeps its least-squares slope over the readings given, or undefined
 * when it is not falling (or there are fewer than two readings). Pure.
 * @example projectZeroCrossing([[0, 0.3], [60_000, 0.2]]) // 180000
 */
export function projectZeroCrossing(points: readonly Point[]): number | undefined {
  if (points.length < 2) return undefined;
  const n = points.length;
  const t0 = points[0]![0];
  let sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0;
  for (const [t, v] of points) {
    const x = t - t0;
    sx += x;
    sy += v;
    sxx += x * x;
    sxy += x * v;
  }
  const denominator = n * sxx - sx * sx;
  if (denominator === 0) return undefined;
  const slope = (n * sxy - sx * sy) / denominator;
  if (!(slope < 0)) return undefined;
  const intercept = (sy - slope * sx) / n;
  return Math.round(t0 - intercept / slope);
}
