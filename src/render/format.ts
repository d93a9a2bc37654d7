/** 0.0312 -> "3.12%"; null -> "not available". */
export function formatPercent(fraction: number | null | undefined, digits = 2): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return 'not available';
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** Bytes in decimal units, as the runbook writes them ("10GB" = 10e9). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return 'not available';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value >= 100 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** 0.0042 -> "4.2 ms", 2.5 -> "2.50 s". */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return 'not available';
  return seconds < 1 ? `${(seconds * 1000).toFixed(1)} ms` : `${seconds.toFixed(2)} s`;
}

/** For counts that may be missing. */
export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? 'not available' : n.toLocaleString('en-US');
}
