/**
 * 6200 -> "6.2s", 125000 -> "2m 5s", 3900000 -> "1h 5m".
 * @example formatDuration(125_000) // '2m 5s'
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return 'not available';
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return hours > 0 ? `${hours}h ${minutes}m` : `${minutes}m ${seconds}s`;
}

/** "14:02:11 UTC": responders in several time zones read the same message. */
export function formatClock(at: Date | string): string {
  const date = typeof at === 'string' ? new Date(at) : at;
  return `${date.toISOString().slice(11, 19)} UTC`;
}

/** "14:02:11 UTC (3m 5s ago)". */
export function formatSince(at: Date | string, now: Date): string {
  const date = typeof at === 'string' ? new Date(at) : at;
  return `${formatClock(date)} (${formatDuration(Math.max(0, now.getTime() - date.getTime()))} ago)`;
}
