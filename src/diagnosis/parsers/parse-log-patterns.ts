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
}

export interface LogScan {
  linesRead: number;
  linesInWindow: number;
  byPattern: Record<LogPattern, PatternCount>;
  storageErrors: PatternCount;
  lockTimeouts: PatternCount;
}

const ISO_AT_START = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))/;

/**
 * Counts the runbook's patterns in log lines (newest last), keeping the last few samples of each. Lines with
 * an ISO timestamp older than `since` are skipped; lines without one are counted (journald already filtered).
 */
export function scanLogLines(lines: readonly string[], since?: Date): LogScan {
  const empty = (): PatternCount => ({ count: 0, samples: [] });
  const byPattern = Object.fromEntries(Object.values(LOG_PATTERNS).flat().map((p) => [p, empty()])) as Record<LogPattern, PatternCount>;
  const scan: LogScan = { linesRead: lines.length, linesInWindow: 0, byPattern, storageErrors: empty(), lockTimeouts: empty() };
  const sinceMs = since?.getTime();
  for (const line of lines) {
    if (line.trim() === '') continue;
    if (sinceMs !== undefined) {
      const stamp = ISO_AT_START.exec(line)?.[1];
      if (stamp && Date.parse(stamp) < sinceMs) continue;
    }
    scan.linesInWindow++;
    for (const pattern of Object.keys(byPattern) as LogPattern[]) {
      if (line.includes(pattern)) record(byPattern[pattern], line);
    }
    if (GENERIC.test(line)) record(scan.storageErrors, line);
    if (LOCK_TIMEOUT.test(line)) record(scan.lockTimeouts, line);
  }
  return scan;
}

function record(target: PatternCount, line: string): void {
  target.count++;
  target.samples.push(line.length > 300 ? `${line.slice(0, 300)}…` : line);
  if (target.samples.length > SAMPLES_KEPT) target.samples.shift();
}

/** Sum of a group's pattern counts. */
export function groupCount(scan: LogScan, group: PatternGroup): number {
  return LOG_PATTERNS[group].reduce((sum, p) => sum + scan.byPattern[p].count, 0);
}
