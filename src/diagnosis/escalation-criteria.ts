import { formatPercent } from '../render/format';
import type { DiskData } from './checks/disk';
import type { ErrorMetricsData } from './checks/error-metrics';
import { clock } from './checks/logs';
import type { RebuildSeen } from './parsers/parse-log-patterns';
import { THRESHOLDS } from './thresholds';
import type { CauseFinding } from './types';

export interface EscalationInput {
  metrics: Partial<ErrorMetricsData> | undefined;
  causes: readonly CauseFinding[];
  disk: Partial<DiskData> | undefined;
  /** Count of a runbook log pattern in the window. */
  pattern: (p: string) => number;
  rebuild: RebuildSeen | undefined;
  recentRebootMinutes: number;
}

/**
 * The runbook's "Escalate immediately if" list, read as the runbook means it, each with the reason it applies:
 * - error rate over 10%, overall or for any one operation (the data-loss risk is failing writes);
 * - LSM corruption that a WAL rebuild did not repair (the rebuild failed, or corruption lines newer than it);
 *   corruption alone calls for the rebuild first, with Escalate offered, not for paging the chain;
 * - disk I/O errors after a recent reboot; deadlocks (cascading lock contention). Pure.
 */
export function escalationReasons(input: EscalationInput): string[] {
  const reasons: string[] = [];
  const overall = input.metrics?.errorRate ?? null;
  const ops = Object.entries(input.metrics?.byOperation ?? {})
    .filter(([, r]) => r.errorRate !== null && r.errorRate > THRESHOLDS.errorRateEscalate)
    .map(([op, r]) => `${op} ${formatPercent(r.errorRate)}`);
  if (overall !== null && overall > THRESHOLDS.errorRateEscalate) {
    reasons.push(`error rate ${formatPercent(overall)} exceeds 10% (critical data loss risk)`);
  } else if (ops.length > 0) {
    reasons.push(`${ops.join(', ')} error rate${ops.length > 1 ? 's exceed' : ' exceeds'} 10% (overall ${formatPercent(overall)}): critical data loss risk`);
  }
  const corruption = input.causes.find((c) => c.cause === 'lsm_corruption' && !c.recovering);
  const rebuild = input.rebuild;
  if (corruption && rebuild?.failedAt) {
    reasons.push(`LSM corruption cannot be repaired from WAL: the rebuild failed at ${clock(rebuild.failedAt)} UTC and corruption is still logged`);
  } else if (corruption && rebuild?.completedAt && corruption.lastSeenAt && corruption.lastSeenAt > rebuild.completedAt) {
    reasons.push(
      `LSM corruption persists after the WAL rebuild completed at ${clock(rebuild.completedAt)} UTC (corruption logged until ${clock(corruption.lastSeenAt)} UTC)`,
    );
  }
  const uptime = input.disk?.uptimeSeconds ?? null;
  if (input.disk?.dmesg?.available && input.disk.dmesg.ioErrors > 0 && uptime !== null && uptime < input.recentRebootMinutes * 60) {
    reasons.push(`disk I/O errors persist after a reboot ${Math.round(uptime / 60)} min ago (hardware failure)`);
  }
  const locksRecovering = input.causes.some((c) => c.cause === 'lock_contention' && c.recovering);
  if (input.pattern('Deadlock detected') > 0 && !locksRecovering)
    reasons.push(`deadlock detected in the KV store (${input.pattern('Deadlock detected')} line(s)): lock contention is cascading`);
  return reasons;
}
