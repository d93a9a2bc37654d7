/** The runbook's error patterns (Investigation Step 2), grouped as it groups them. */
export const LOG_PATTERNS = {
  disk_io: ['No space left on device', 'Input/output error'],
  lsm_corruption: ['Corruption: block checksum mismatch', 'invalid SST file header'],
  lock_contention: ['Failed to acquire write lock within timeout', 'Deadlock detected'],
} as const;

export type PatternGroup = keyof typeof LOG_PATTERNS;
export type LogPattern = (typeof LOG_PATTERNS)[PatternGroup][number];

/** The runbook's generic filter: `grep -i "storage.*error"`. */
const GENERIC = /storage.*error/i;
/** Lock timeouts as step 5 greps them: `grep -i "lock.*timeout"`. */
const LOCK_TIMEOUT = /lock.*timeout/i;
const SAMPLES_KEPT = 3;

export interface PatternCount {
  count: number;
  samples: string[];
  /** ISO timestamps of the first and last matching line in the window; null when the lines carry none. */
  first: string | null;
  last: string | null;
}

/** The last WAL rebuild the log shows (runbook: `grep -i "rebuild complete"`), completed or failed. */
export interface RebuildSeen {
  completedAt: string | null;
  failedAt: string | null;
  line: string | null;
}

export interface LogScan {
  linesRead: number;
  linesInWindow: number;
  byPattern: Record<LogPattern, PatternCount>;
  storageErrors: PatternCount;
  lockTimeouts: PatternCount;
  rebuild: RebuildSeen;
}

const REBUILD_COMPLETE = /rebuild complete/i;
const REBUILD_FAILED = /rebuild\b.*\b(fail|error)/i;

const ISO_AT_START = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))/;

/**
 * Counts the runbook's patterns in log lines (newest last), keeping the last few samples of each. Lines with
 * an ISO timestamp older than `since` are skipped; lines without one are counted (journald already filtered).
 */
export function scanLogLines(lines: readonly string[], since?: Date): LogScan {
  const empty = (): PatternCount => ({ count: 0, samples: [], first: null, last: null });
  const byPattern = Object.fromEntries(
    Object.values(LOG_PATTERNS)
      .flat()
      .map((p) => [p, empty()]),
  ) as Record<LogPattern, PatternCount>;
  const rebuild: RebuildSeen = { completedAt: null, failedAt: null, line: null };
  const scan: LogScan = { linesRead: lines.length, linesInWindow: 0, byPattern, storageErrors: empty(), lockTimeouts: empty(), rebuild };
  const sinceMs = since?.getTime();
  for (const line of lines) {
    if (line.trim() === '') continue;
    const stamp = ISO_AT_START.exec(line)?.[1];
    const ms = stamp ? Date.parse(stamp) : Number.NaN;
    if (sinceMs !== undefined && ms < sinceMs) continue;
    const at = Number.isFinite(ms) ? new Date(ms).toISOString() : null;
    scan.linesInWindow++;
    for (const pattern of Object.keys(byPattern) as LogPattern[]) {
      if (line.includes(pattern)) record(byPattern[pattern], line, at);
    }
    if (GENERIC.test(line)) record(scan.storageErrors, line, at);
    if (LOCK_TIMEOUT.test(line)) record(scan.lockTimeouts, line, at);
    // When a rebuild ran decides whether corruption outlived it (runbook: escalate if the rebuild does not repair it).
    if (REBUILD_COMPLETE.test(line)) Object.assign(rebuild, { completedAt: at, failedAt: null, line: clip(line) });
    else if (REBUILD_FAILED.test(line)) Object.assign(rebuild, { failedAt: at, line: clip(line) });
  }
  return scan;
}

function clip(line: string): string {
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

function record(target: PatternCount, line: string, at: string | null): void {
  target.count++;
  target.first ??= at;
  target.last = at ?? target.last;
  target.samples.push(line.length > 300 ? `${line.slice(0, 300)}…` : line);
  if (target.samples.length > SAMPLES_KEPT) target.samples.shift();
}

/** Sum of a group's pattern counts. */
export function groupCount(scan: LogScan, group: PatternGroup): number {
  return LOG_PATTERNS[group].reduce((sum, p) => sum + scan.byPattern[p].count, 0);
}
