import { formatBytes, formatPercent, formatSeconds } from '../render/format';
import type { DiskData } from './checks/disk';
import type { ErrorMetricsData } from './checks/error-metrics';
import type { LocksData } from './checks/locks';
import type { LogsData } from './checks/logs';
import type { LsmData } from './checks/lsm';
import { THRESHOLDS } from './thresholds';
import type { Cause, CauseFinding, CheckId, CheckResult, Severity, Verdict } from './types';

/** Evidence with a weight: 3 = the runbook's own signature for the cause, 1 = consistent with it. */
interface Weighted {
  weight: number;
  text: string;
}

const CAUSE_LABEL: Record<Cause, string> = {
  disk_full: 'disk space exhausted',
  disk_hardware: 'disk hardware failure suspected',
  lsm_corruption: 'LSM tree corruption',
  lock_contention: 'lock contention',
  compaction_lag: 'compaction falling behind',
  unknown: 'errors without an identified cause',
  healthy: 'healthy',
};

export function causeLabel(cause: Cause): string {
  return CAUSE_LABEL[cause];
}

/** Check data by id, only when the check produced some (a failed check has none). */
function dataOf<T>(checks: readonly CheckResult[], id: CheckId): Partial<T> | undefined {
  const check = checks.find((c) => c.id === id);
  return check && Object.keys(check.data).length > 0 ? (check.data as Partial<T>) : undefined;
}

/**
 * The verdict: causes ranked by the weight of their evidence (a cause needs at least 2), severity, and the
 * runbook's "escalate immediately" criteria with reasons. Pure: the same checks give the same verdict.
 */
export function decideVerdict(checks: readonly CheckResult[], options: { recentRebootMinutes: number }): Verdict {
  const metrics = dataOf<ErrorMetricsData>(checks, 'error_metrics');
  const logs = dataOf<LogsData>(checks, 'logs');
  const disk = dataOf<DiskData>(checks, 'disk');
  const lsm = dataOf<LsmData>(checks, 'lsm');
  const locks = dataOf<LocksData>(checks, 'locks');
  const errorRate = metrics?.errorRate ?? null;
  const evidence: Record<Exclude<Cause, 'unknown' | 'healthy'>, Weighted[]> = { disk_full: [], disk_hardware: [], lsm_corruption: [], lock_contention: [], compaction_lag: [] };
  const add = (cause: keyof typeof evidence, weight: number, text: string) => evidence[cause].push({ weight, text });
  const pattern = (p: string) => logs?.patterns?.[p] ?? 0;
  const window = `in the last ${logs?.windowMinutes ?? '?'} min`;

  if (pattern('No space left on device') > 0) add('disk_full', 3, `${pattern('No space left on device')} log line(s) "No space left on device" ${window}`);
  const space = disk?.space;
  if (space?.available) {
    if (space.freeFraction < THRESHOLDS.diskFreeCritical) add('disk_full', 3, `data dir ${formatPercent(space.freeFraction, 1)} free (${formatBytes(space.availBytes)} left)`);
    else if (space.freeFraction < THRESHOLDS.diskFreeWarning) add('disk_full', 1, `data dir ${formatPercent(space.freeFraction, 1)} free (runbook warns below 20%)`);
  }
  const putRate = metrics?.byOperation?.put?.errorRate ?? null;
  const getRate = metrics?.byOperation?.get?.errorRate ?? null;
  if (evidence.disk_full.length > 0 && putRate !== null && putRate > THRESHOLDS.errorRateCritical && (getRate ?? 0) <= THRESHOLDS.errorRateCritical / 2) {
    add('disk_full', 1, `writes fail (put errors ${formatPercent(putRate)}) while reads do not`);
  }

  if (pattern('Input/output error') > 0) add('disk_hardware', 3, `${pattern('Input/output error')} log line(s) "Input/output error" ${window}`);
  if (disk?.dmesg?.available && disk.dmesg.ioErrors > 0) add('disk_hardware', 3, `dmesg: ${disk.dmesg.ioErrors} kernel I/O error line(s), e.g. \`${disk.dmesg.samples.at(-1) ?? ''}\``);
  if (disk?.smart?.available) {
    const { reallocatedSectors: re, pendingSectors: pe } = disk.smart;
    if ((re ?? 0) + (pe ?? 0) > 0) add('disk_hardware', 2, `SMART: Reallocated_Sector_Ct ${re ?? 'n/a'}, Current_Pending_Sector ${pe ?? 'n/a'}`);
  }

  for (const p of ['Corruption: block checksum mismatch', 'invalid SST file header']) {
    if (pattern(p) > 0) add('lsm_corruption', 3, `${pattern(p)} log line(s) "${p}" ${window}`);
  }

  if (pattern('Failed to acquire write lock within timeout') > 0) add('lock_contention', 3, `${pattern('Failed to acquire write lock within timeout')} log line(s) "Failed to acquire write lock within timeout" ${window}`);
  if (pattern('Deadlock detected') > 0) add('lock_contention', 3, `${pattern('Deadlock detected')} log line(s) "Deadlock detected" ${window}`);
  const wait = locks?.lockWaitP99Seconds ?? null;
  if (wait !== null && wait >= THRESHOLDS.lockWaitWarningSeconds) add('lock_contention', wait >= THRESHOLDS.lockWaitCriticalSeconds ? 2 : 1, `lock wait p99 ${formatSeconds(wait)}`);
  if ((locks?.slowQueries ?? 0) > 0 && evidence.lock_contention.length > 0) add('lock_contention', 1, `${locks!.slowQueries} slow quer${locks!.slowQueries === 1 ? 'y' : 'ies'} holding transactions open`);

  const sst = lsm?.sstFiles ?? null;
  if (sst !== null && sst > THRESHOLDS.sstFailing) add('compaction_lag', 3, `${sst} SST files (runbook: > 500 means compaction is failing)`);
  else if (sst !== null && sst >= THRESHOLDS.sstExpected) add('compaction_lag', 1, `${sst} SST files (expected < 100)`);
  const pending = lsm?.pendingCompactionBytes ?? null;
  if (pending !== null && pending > THRESHOLDS.pendingCompactionBytes) add('compaction_lag', 3, `pending compaction ${formatBytes(pending)} (> 10 GB)`);
  const amp = lsm?.writeAmplification ?? null;
  if (amp !== null && amp >= THRESHOLDS.writeAmplification) add('compaction_lag', 1, `write amplification ${amp.toFixed(1)} (should be < 10)`);

  const ranked = (Object.entries(evidence) as [Cause, Weighted[]][])
    .map(([cause, items]) => ({ cause, items, weight: items.reduce((s, i) => s + i.weight, 0) }))
    .filter((c) => c.weight >= 2)
    .sort((a, b) => b.weight - a.weight);
  const rateText = `error rate ${formatPercent(errorRate)}`;
  const causes: CauseFinding[] = ranked.map((c) => ({ cause: c.cause, evidence: c.items.sort((a, b) => b.weight - a.weight).map((i) => i.text) }));
  const erroring = errorRate !== null && errorRate > THRESHOLDS.errorRateCritical;
  if (causes.length === 0) {
    const allUnknown = checks.every((c) => c.status === 'unknown');
    // A rate that could not be measured (API down or hanging, metric not exported) is no sign of health.
    const unmeasured = errorRate === null ? checks.find((c) => c.id === 'error_metrics')?.error : undefined;
    if (erroring || allUnknown || unmeasured) {
      causes.push({
        cause: 'unknown',
        evidence: allUnknown
          ? ['no check could read anything: see each check for the reason']
          : erroring
            ? [`${rateText} (> 1%) but no runbook pattern matched: runbook "If Errors Persist"`]
            : [`the error rate could not be measured (${unmeasured}) and no runbook pattern matched in what could be read`],
      });
    } else {
      causes.push({ cause: 'healthy', evidence: healthyEvidence(errorRate, logs, lsm) });
    }
  } else if (errorRate !== null) {
    causes[0]!.evidence.push(`${rateText}${metrics?.worstOperation ? ` (worst: ${metrics.worstOperation})` : ''}`);
  }

  const escalateReasons = escalationReasons({ errorRate, causes, disk, pattern, recentRebootMinutes: options.recentRebootMinutes });
  const severity = severityOf(checks, causes, erroring);
  const primary = causes[0]!;
  const summary =
    primary.cause === 'healthy'
      ? `Healthy: ${rateText}, no runbook cause found`
      : `Likely cause: ${causeLabel(primary.cause)}${causes.length > 1 ? ` (also: ${causes.slice(1).map((c) => causeLabel(c.cause)).join(', ')})` : ''}; ${rateText}`;
  return { causes, severity, summary, escalate: escalateReasons.length > 0, escalateReasons };
}

function healthyEvidence(errorRate: number | null, logs: Partial<LogsData> | undefined, lsm: Partial<LsmData> | undefined): string[] {
  const out = [errorRate === null ? 'error rate not available' : `error rate ${formatPercent(errorRate)} (alert threshold 1%)`];
  if (logs?.patterns) out.push(`no runbook error patterns in the last ${logs.windowMinutes} min`);
  if (lsm?.sstFiles !== null && lsm?.sstFiles !== undefined) out.push(`${lsm.sstFiles} SST files`);
  return out;
}

/** The runbook's "Escalate immediately if" list, each with the reason it applies. */
function escalationReasons(input: {
  errorRate: number | null;
  causes: readonly CauseFinding[];
  disk: Partial<DiskData> | undefined;
  pattern: (p: string) => number;
  recentRebootMinutes: number;
}): string[] {
  const reasons: string[] = [];
  if (input.errorRate !== null && input.errorRate > THRESHOLDS.errorRateEscalate) reasons.push(`error rate ${formatPercent(input.errorRate)} exceeds 10% (critical data loss risk)`);
  if (input.causes.some((c) => c.cause === 'lsm_corruption')) reasons.push('LSM corruption detected: escalate if the rebuild from WAL does not repair it');
  const uptime = input.disk?.uptimeSeconds ?? null;
  if (input.disk?.dmesg?.available && input.disk.dmesg.ioErrors > 0 && uptime !== null && uptime < input.recentRebootMinutes * 60) {
    reasons.push(`disk I/O errors persist after a reboot ${Math.round(uptime / 60)} min ago (hardware failure)`);
  }
  if (input.pattern('Deadlock detected') > 0) reasons.push(`deadlock detected in the KV store (${input.pattern('Deadlock detected')} line(s)): lock contention is cascading`);
  return reasons;
}

function severityOf(checks: readonly CheckResult[], causes: readonly CauseFinding[], erroring: boolean): Severity {
  if (erroring || checks.some((c) => c.status === 'critical')) return 'critical';
  if (causes[0]?.cause !== 'healthy' || checks.some((c) => c.status === 'warning')) return 'warning';
  return 'ok';
}
