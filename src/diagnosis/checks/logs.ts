import { groupCount, scanLogLines, type LogScan, type PatternGroup, type RebuildSeen } from '../parsers/parse-log-patterns';
import type { HostCommandResult } from '../../exec/host-executor';
import type { CheckEnv, CheckOutcome } from './check';

export type LogsData = {
  source: 'journald' | 'file';
  windowMinutes: number;
  linesRead: number;
  linesInWindow: number;
  truncated: boolean;
  /** Counts per runbook group: A disk I/O, B LSM corruption, C lock contention. */
  groups: Record<PatternGroup, number>;
  /** Counts per exact runbook pattern. */
  patterns: Record<string, number>;
  /** When each pattern first and last appeared in the window (ISO; null without timestamps): a cause whose lines stopped is recovering. */
  patternTimes?: Record<string, { first: string | null; last: string | null }>;
  /** The last WAL rebuild the log shows. */
  rebuild?: RebuildSeen;
  storageErrors: number;
  lockTimeouts: number;
  samples: Record<PatternGroup | 'storage_error', string[]>;
};

/** What journalctl prints instead of the system's entries to a user who may not read them. */
const JOURNAL_DENIED = /You are currently not seeing messages from other users and the system|No journal files were opened due to insufficient permissions/;

/** Reads the log once per diagnosis; the locks check reuses the same scan. */
export async function readLogScan(env: CheckEnv): Promise<{ scan: LogScan; result: HostCommandResult }> {
  const result = await env.sources.host('logs');
  // The exit status is cut's (the last in the pipe): an empty read with an error message is a failure.
  if (result.stdout.trim() === '' && (result.code !== 0 || result.stderr.trim() !== '')) {
    throw new Error(
      `reading the log failed (exit ${result.code ?? (result.timedOut ? 'timeout' : 'none')}): ${result.stderr.trim().slice(0, 200) || 'no output'}`,
    );
  }
  // journalctl's stderr is in stdout (`2>&1`): a user outside the journal groups sees none of the unit's lines,
  // and an empty read must not pass for a clean log.
  if (JOURNAL_DENIED.test(result.stdout)) {
    throw new Error('journalctl may not read the system journal as this user: add the SSH user to the systemd-journal (or adm) group');
  }
  const since = new Date(env.now.getTime() - env.logWindowMinutes * 60_000);
  return { scan: scanLogLines(result.stdout.split('\n'), since), result };
}

/** Step 2: the runbook's error patterns A/B/C and generic `storage.*error` lines in the recent log. */
export async function logsCheck(env: CheckEnv): Promise<CheckOutcome<LogsData>> {
  const { scan, result } = await readLogScan(env);
  return assessLogs(scan, {
    source: 'journald' in env.sources.node.logs ? 'journald' : 'file',
    windowMinutes: env.logWindowMinutes,
    truncated: result.truncated,
  });
}

/** Pure: the status and summary of a log scan. */
export function assessLogs(scan: LogScan, meta: { source: LogsData['source']; windowMinutes: number; truncated: boolean }): CheckOutcome<LogsData> {
  const groups: Record<PatternGroup, number> = {
    disk_io: groupCount(scan, 'disk_io'),
    lsm_corruption: groupCount(scan, 'lsm_corruption'),
    lock_contention: groupCount(scan, 'lock_contention'),
  };
  const pick = (patterns: string[]) => patterns.flatMap((p) => scan.byPattern[p as keyof typeof scan.byPattern]?.samples ?? []).slice(-3);
  const data: LogsData = {
    ...meta,
    linesRead: scan.linesRead,
    linesInWindow: scan.linesInWindow,
    groups,
    patterns: Object.fromEntries(Object.entries(scan.byPattern).map(([p, c]) => [p, c.count])),
    patternTimes: Object.fromEntries(Object.entries(scan.byPattern).map(([p, c]) => [p, { first: c.first, last: c.last }])),
    rebuild: scan.rebuild,
    storageErrors: scan.storageErrors.count,
    lockTimeouts: scan.lockTimeouts.count,
    samples: {
      disk_io: pick(['No space left on device', 'Input/output error']),
      lsm_corruption: pick(['Corruption: block checksum mismatch', 'invalid SST file header']),
      lock_contention: pick(['Failed to acquire write lock within timeout', 'Deadlock detected']),
      storage_error: scan.storageErrors.samples,
    },
  };
  const found = Object.entries(data.patterns)
    .filter(([, n]) => n > 0)
    .map(([p, n]) => `${n}× "${p}"${timeRange(data.patternTimes?.[p])}`);
  const window = `last ${meta.windowMinutes} min`;
  if (found.length > 0) return { status: 'critical', summary: `${found.join(', ')} in the ${window}`, data };
  if (data.storageErrors > 0)
    return { status: 'warning', summary: `${data.storageErrors} storage error line(s) matching none of the runbook's patterns in the ${window}`, data };
  return { status: 'ok', summary: `no storage errors in the ${window} (${scan.linesInWindow} lines read)`, data };
}

/** ` (13:30:02–13:42:37 UTC)`, or nothing when the lines had no timestamps. */
export function timeRange(times: { first: string | null; last: string | null } | undefined): string {
  if (!times?.first || !times.last) return '';
  return ` (${clock(times.first)}–${clock(times.last)} UTC)`;
}

/** `13:42:37` from an ISO timestamp. */
export function clock(iso: string): string {
  return iso.slice(11, 19);
}
