import type { DiskData } from './checks/disk';
import type { ErrorMetricsData } from './checks/error-metrics';
import type { CheckId, CheckResult, NotChecked } from './types';

/**
 * What could not be read: the error counters, any check that read nothing, the disk's free space. Counters that
 * were read but saw no operations in the window are read (nothing failed), not missing.
 */
export function notCheckedOf(
  checks: readonly CheckResult[],
  metrics: Partial<ErrorMetricsData> | undefined,
  disk: Partial<DiskData> | undefined,
): NotChecked[] {
  const out: NotChecked[] = [];
  for (const c of checks) {
    // The disk's free space is what matters here, and its reason is the one the other host checks share.
    if (c.id === 'disk' && disk?.space && !disk.space.available) out.push({ check: 'disk', reason: disk.space.reason });
    else if (c.id === 'error_metrics' && metrics?.errorRate === null && !c.error && metrics.notExported?.length === 0) continue;
    else if (c.status === 'unknown') out.push({ check: c.id, reason: c.error ?? c.summary.replace(/^not available: /, '') });
  }
  return out;
}

const CHECK_NAMES: Record<CheckId, string> = { error_metrics: 'error metrics', logs: 'logs', disk: 'disk', lsm: 'LSM', locks: 'locks' };

/**
 * "logs and disk could not be checked (stemedb-1: could not reach SSH ...)": checks that failed for one reason
 * are named together; the error metrics alone read "the error rate could not be measured (...)".
 */
export function notCheckedLines(items: readonly NotChecked[]): string[] {
  const byReason = new Map<string, string[]>();
  for (const n of items) byReason.set(n.reason, [...(byReason.get(n.reason) ?? []), CHECK_NAMES[n.check]]);
  return [...byReason].map(([reason, names]) => {
    if (names.length === 1 && names[0] === CHECK_NAMES.error_metrics) return `the error rate could not be measured (${reason})`;
    return `${names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0]} could not be checked (${reason})`;
  });
}

export function notCheckedText(items: readonly NotChecked[]): string {
  return notCheckedLines(items).join('; ');
}
