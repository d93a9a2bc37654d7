import type { DiskData } from '../../src/diagnosis/checks/disk';
import type { ErrorMetricsData } from '../../src/diagnosis/checks/error-metrics';
import type { LocksData } from '../../src/diagnosis/checks/locks';
import type { LogsData } from '../../src/diagnosis/checks/logs';
import type { LsmData } from '../../src/diagnosis/checks/lsm';
import { LOG_PATTERNS } from '../../src/diagnosis/parsers/parse-log-patterns';
import type { CheckId, CheckResult, CheckStatus } from '../../src/diagnosis/types';

/** Hand-built check results of a healthy node; each builder takes overrides of the data. */
const result = (id: CheckId, data: Record<string, unknown>, status: CheckStatus = 'ok'): CheckResult => ({
  id,
  status,
  summary: `${id} summary`,
  durationMs: 10,
  data,
});

export function errorMetrics(errorRate: number | null, byOperation: ErrorMetricsData['byOperation'] = {}, status: CheckStatus = 'ok'): CheckResult {
  const data: ErrorMetricsData = {
    source: 'scrapes',
    windowSeconds: 5,
    byOperation,
    errorRate,
    worstOperation: Object.keys(byOperation)[0] ?? null,
    notExported: [],
  };
  return result('error_metrics', data, status);
}

export function logs(patterns: Partial<Record<string, number>> = {}, overrides: Partial<LogsData> = {}): CheckResult {
  const all = Object.fromEntries(
    Object.values(LOG_PATTERNS)
      .flat()
      .map((p) => [p, patterns[p] ?? 0]),
  );
  const data: LogsData = {
    source: 'file',
    windowMinutes: 15,
    linesRead: 500,
    linesInWindow: 400,
    truncated: false,
    groups: { disk_io: 0, lsm_corruption: 0, lock_contention: 0 },
    patterns: all,
    storageErrors: 0,
    lockTimeouts: 0,
    samples: { disk_io: [], lsm_corruption: [], lock_contention: [], storage_error: [] },
    ...overrides,
  };
  return result('logs', data, Object.values(all).some((n) => n > 0) ? 'critical' : 'ok');
}

export function disk(overrides: Partial<DiskData> = {}): CheckResult {
  const data: DiskData = {
    path: '/var/lib/stemedb',
    space: { available: true, filesystem: '/dev/sdb1', sizeBytes: 1e12, usedBytes: 5e11, availBytes: 5e11, freeFraction: 0.5, mountpoint: '/var/lib/stemedb' },
    dmesg: { available: true, ioErrors: 0, samples: [] },
    smart: { available: true, reallocatedSectors: 0, pendingSectors: 0 },
    uptimeSeconds: 864_000,
    ...overrides,
  };
  return result('disk', data);
}

export function freeSpace(fraction: number): DiskData['space'] {
  return {
    available: true,
    filesystem: '/dev/sdb1',
    sizeBytes: 1e12,
    usedBytes: 1e12 * (1 - fraction),
    availBytes: 1e12 * fraction,
    freeFraction: fraction,
    mountpoint: '/var/lib/stemedb',
  };
}

export function lsm(overrides: Partial<LsmData> = {}): CheckResult {
  const data: LsmData = {
    sstFiles: 40,
    sstFilesSource: 'host',
    totalBytes: 2.5e9,
    pendingCompactionBytes: 50e6,
    writeAmplification: 3,
    kvBytes: 2.5e9,
    walBytes: 1e8,
    walSegments: 25,
    compactionRunning: false,
    unavailable: [],
    ...overrides,
  };
  return result('lsm', data);
}

export function locks(overrides: Partial<LocksData> = {}): CheckResult {
  const data: LocksData = {
    lockTimeouts: 0,
    deadlocks: 0,
    samples: [],
    putP99Seconds: 0.015,
    lockWaitP99Seconds: 0.002,
    latencyWindow: 'window',
    slowQueries: 0,
    unavailable: [],
    ...overrides,
  };
  return result('locks', data);
}

/** A check that could not run at all, as the runner reports it. */
export function failed(id: CheckId, reason: string): CheckResult {
  return { id, status: 'unknown', summary: `not available: ${reason}`, durationMs: 3000, data: {}, error: reason };
}

/** The five checks of a healthy node, with some replaced. */
export function checksWith(...replacements: CheckResult[]): CheckResult[] {
  const base = [errorMetrics(0.0005), logs(), disk(), lsm(), locks()];
  return base.map((c) => replacements.find((r) => r.id === c.id) ?? c);
}
