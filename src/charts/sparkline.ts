const BARS = '▁▂▃▄▅▆▇█';

/**
 * A text sparkline of the values, scaled from 0 to their maximum (an error rate's 0 is meaningful, so the
 * baseline is not the minimum), resampled to at most `width` characters by taking each bucket's maximum so a
 * spike is never averaged away. Pure.
 * @example sparkline([0, 0.01, 0.04]) // '▁▃█'
 */
export function sparkline(values: readonly number[], width = 30): string {
  if (values.length === 0) return '';
  const buckets: number[] = [];
  const size = Math.max(1, Math.ceil(values.length / width));
  for (let i = 0; i < values.length; i += size) buckets.push(Math.max(...values.slice(i, i + size)));
  const max = Math.max(...buckets);
  if (!(max > 0)) return BARS[0]!.repeat(buckets.length);
  return buckets.map((v) => BARS[Math.min(BARS.length - 1, Math.round((Math.max(0, v) / max) * (BARS.length - 1)))]).join('');
}
