import { formatBytes, formatCount, formatPercent, formatSeconds } from '../render/format';
import type { DiskData } from './checks/disk';
import type { ErrorMetricsData } from './checks/error-metrics';
import type { LocksData } from './checks/locks';
import { clock, timeRange, type LogsData } from './checks/logs';
import type { LsmData } from './checks/lsm';
import { escalationReasons } from './escalation-criteria';
import { notCheckedLines, notCheckedOf, notCheckedText } from './not-checked';
import { LOG_PATTERNS } from './parsers/parse-log-patterns';
import { THRESHOLDS } from './thresholds';
import type { Cause, CauseFinding, CheckId, CheckResult, NotChecked, Severity, Verdict } from './types';

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
  api_unresponsive: 'StemeDB API not answering',
  unknown: 'cause not identified',
  healthy: 'healthy',
};

export function causeLabel(cause: Cause): string {
  return CAUSE_LABEL[cause];
}

/** The label with its state: "disk space exhausted (recovering)". */
export function findingLabel(finding: Pick<CauseFinding, 'cause' | 'recovering'>): string {
  return `${CAUSE_LABEL[finding.cause]}${finding.recovering ? ' (recovering)' : ''}`;
}

/** The runbook log patterns that are each cause's own evidence (the ones whose timing says whether it stopped). */
const CAUSE_PATTERNS: Partial<Record<Cause, readonly string[]>> = {
  disk_full: ['No space left on device'],
  disk_hardware: ['Input/output error'],
  lsm_corruption: LOG_PATTERNS.lsm_corruption,
  lock_contention: LOG_PATTERNS.lock_contention,
};

/** Check data by id, only when the check produced some (a failed check has none). */
function dataOf<T>(checks: readonly CheckResult[], id: CheckId): Partial<T> | undefined {
  const check = checks.find((c) => c.id === id);
  return check && Object.keys(check.data).length > 0 ? (check.data as Partial<T>) : undefined;
}

/**
 * The verdict: causes ranked by the weight of their evidence (a cause needs at least 2), each active or
 * recovering by when its evidence last happened; severity; the runbook's "escalate immediately" criteria with
 * reasons; and what could not be checked. `healthy` only when the error rate, the logs and the disk were read
 * and are clean. Pure: the same checks (and `now`) give the same verdict.
 */
export function decideVerdict(checks: readonly CheckResult[], options: { recentRebootMinutes: number; now?: Date }): Verdict {
  const metrics = dataOf<ErrorMetricsData>(checks, 'error_metrics');
  const logs = dataOf<LogsData>(checks, 'logs');
  const disk = dataOf<DiskData>(checks, 'disk');
  const lsm = dataOf<LsmData>(checks, 'lsm');
  const locks = dataOf<LocksData>(checks, 'locks');
  const errorRate = metrics?.errorRate ?? null;
  const evidence: Record<Exclude<Cause, 'api_unresponsive' | 'unknown' | 'healthy'>, Weighted[]> = {
    disk_full: [],
    disk_hardware: [],
    lsm_corruption: [],
    lock_contention: [],
    compaction_lag: [],
  };
  const add = (cause: keyof typeof evidence, weight: number, text: string) => evidence[cause].push({ weight, text });
  const pattern = (p: string) => logs?.patterns?.[p] ?? 0;
  const window = `in the last ${logs?.windowMinutes ?? '?'} min`;
  const lines = (p: string) => `${pattern(p)} log line(s) "${p}" ${window}${timeRange(logs?.patternTimes?.[p])}`;

  if (pattern('No space left on device') > 0) add('disk_full', 3, lines('No space left on device'));
  const space = disk?.space;
  if (space?.available) {
    if (space.freeFraction < THRESHOLDS.diskFreeCritical)
      add('disk_full', 3, `data dir ${formatPercent(space.freeFraction, 1)} free (${formatBytes(space.availBytes)} left)`);
    else if (space.freeFraction < THRESHOLDS.diskFreeWarning)
      add('disk_full', 1, `data dir ${formatPercent(space.freeFraction, 1)} free (runbook warns below 20%)`);
  }
  const inodes = disk?.inodes;
  if (inodes?.available && inodes.freeFraction < THRESHOLDS.diskFreeCritical) {
    add(
      'disk_full',
      3,
      `inodes exhausted: ${formatCount(inodes.freeInodes)} of ${formatCount(inodes.inodes)} free on the data dir's filesystem (df -i)${space?.available ? `, with ${formatPercent(space.freeFraction, 1)} of the bytes still free` : ''}`,
    );
  }
  const putRate = metrics?.byOperation?.put?.errorRate ?? null;
  const getRate = metrics?.byOperation?.get?.errorRate ?? null;
  if (evidence.disk_full.length > 0 && putRate !== null && putRate > THRESHOLDS.errorRateCritical && (getRate ?? 0) <= THRESHOLDS.errorRateCritical / 2) {
    add('disk_full', 1, `writes fail (put errors ${formatPercent(putRate)}) while reads do not`);
  }

  if (pattern('Input/output error') > 0) add('disk_hardware', 3, lines('Input/output error'));
  if (disk?.dmesg?.available && disk.dmesg.ioErrors > 0)
    add('disk_hardware', 3, `dmesg: ${disk.dmesg.ioErrors} kernel I/O error line(s), e.g. \`${disk.dmesg.samples.at(-1) ?? ''}\``);
  if (disk?.smart?.available) {
    const { reallocatedSectors: re, pendingSectors: pe } = disk.smart;
    if ((re ?? 0) + (pe ?? 0) > 0) add('disk_hardware', 2, `SMART: Reallocated_Sector_Ct ${re ?? 'n/a'}, Current_Pending_Sector ${pe ?? 'n/a'}`);
  }

  for (const p of LOG_PATTERNS.lsm_corruption) if (pattern(p) > 0) add('lsm_corruption', 3, lines(p));
  const rebuild = logs?.rebuild;
  if (evidence.lsm_corruption.length > 0 && rebuild?.line) add('lsm_corruption', 0, `last WAL rebuild in the log: \`${rebuild.line}\``);

  for (const p of LOG_PATTERNS.lock_contention) if (pattern(p) > 0) add('lock_contention', 3, lines(p));
  const wait = locks?.lockWaitP99Seconds ?? null;
  if (wait !== null && wait >= THRESHOLDS.lockWaitWarningSeconds)
    add('lock_contention', wait >= THRESHOLDS.lockWaitCriticalSeconds ? 2 : 1, `lock wait p99 ${formatSeconds(wait)}`);
  if ((locks?.slowQueries ?? 0) > 0 && evidence.lock_contention.length > 0)
    add('lock_contention', 1, `${locks!.slowQueries} slow quer${locks!.slowQueries === 1 ? 'y' : 'ies'} holding transactions open`);

  const sst = lsm?.sstFiles ?? null;
  if (sst !== null && sst > THRESHOLDS.sstFailing) add('compaction_lag', 3, `${sst} SST files (runbook: > 500 means compaction is failing)`);
  else if (sst !== null && sst >= THRESHOLDS.sstExpected) add('compaction_lag', 1, `${sst} SST files (expected < 100)`);
  const pending = lsm?.pendingCompactionBytes ?? null;
  if (pending !== null && pending > THRESHOLDS.pendingCompactionBytes) add('compaction_lag', 3, `pending compaction ${formatBytes(pending)} (> 10 GB)`);
  const amp = lsm?.writeAmplification ?? null;
  if (amp !== null && amp >= THRESHOLDS.writeAmplification) add('compaction_lag', 1, `write amplification ${amp.toFixed(1)} (should be < 10)`);

  const rateText = `error rate ${formatPercent(errorRate)}`;
  const erroring = errorRate !== null && errorRate > THRESHOLDS.errorRateCritical;
  // Is the condition behind a cause gone now (not merely unmentioned)? A figure that could not be read says no.
  const settledCauses = new Set<Cause>();
  const cleared: Partial<Record<Cause, (lastSeenAt: string) => boolean>> = {
    disk_full: () =>
      Boolean(
        space?.available && space.freeFraction >= THRESHOLDS.diskFreeCritical && !(inodes?.available && inodes.freeFraction < THRESHOLDS.diskFreeCritical),
      ),
    lock_contention: () => wait !== null && wait < THRESHOLDS.lockWaitWarningSeconds,
    lsm_corruption: (last) => Boolean(rebuild?.completedAt && !rebuild.failedAt && rebuild.completedAt > last),
  };
  const causes: CauseFinding[] = (Object.entries(evidence) as [Cause, Weighted[]][])
    .map(([cause, items]) => ({ cause, items, weight: items.reduce((s, i) => s + i.weight, 0) }))
    .filter((c) => c.weight >= 2)
    .sort((a, b) => b.weight - a.weight)
    .map((c) => {
      const finding: CauseFinding = { cause: c.cause, evidence: c.items.sort((a, b) => b.weight - a.weight).map((i) => i.text) };
      const patterns = CAUSE_PATTERNS[c.cause]?.filter((p) => pattern(p) > 0) ?? [];
      if (patterns.length === 0) return finding;
      const stamps = patterns.map((p) => logs?.patternTimes?.[p]?.last ?? null);
      const last = stamps.includes(null) ? null : stamps.reduce((a, b) => (b! > a! ? b : a));
      if (last) finding.lastSeenAt = last;
      const quiet = last && options.now && options.now.getTime() - Date.parse(last) > THRESHOLDS.evidenceQuietSeconds * 1000;
      const settled = errorRate !== null && !erroring && Boolean(last && cleared[c.cause]?.(last));
      if (quiet && settled) {
        finding.recovering = true;
        finding.evidence.unshift(
          `errors stopped at ${clock(last!)} UTC (${Math.round((options.now!.getTime() - Date.parse(last!)) / 60_000)} min ago); ${rateText} now`,
        );
      } else if (settled && options.now) {
        settledCauses.add(c.cause);
        finding.evidence.push(
          `${rateText} now and the condition is gone; the last line was at ${clock(last!)} UTC: recovering if no new lines for ${THRESHOLDS.evidenceQuietSeconds / 60} min`,
        );
      }
      return finding;
    })
    // Active causes first: a recovering one is history, however heavy its evidence.
    .sort((a, b) => (a.recovering ? 1 : 0) - (b.recovering ? 1 : 0));

  const notChecked = notCheckedOf(checks, metrics, disk);
  const api = metrics?.apiUnanswered;
  if (api) causes.unshift({ cause: 'api_unresponsive', evidence: [api.reason, ...(causes.length > 0 ? ['the host checks below still ran'] : [])] });
  if (causes.length === 0) {
    const unread = notChecked.filter((n) => n.check === 'error_metrics' || n.check === 'logs' || n.check === 'disk');
    // "No pattern matched" only means something when the logs and the disk were read.
    if (erroring && unread.length === 0)
      causes.push({ cause: 'unknown', evidence: [`${rateText} (> 1%) but no runbook pattern matched: runbook "If Errors Persist"`] });
    else if (erroring)
      causes.push({ cause: 'unknown', evidence: [`${rateText} (> 1%) and no cause found in what could be read`, ...notCheckedLines(notChecked)] });
    else if (unread.length > 0)
      causes.push({
        cause: 'unknown',
        evidence: [...notCheckedLines(notChecked), ...(errorRate !== null ? [`${rateText} over the bot's short sample (the alert uses a 5-minute rate)`] : [])],
      });
    else causes.push({ cause: 'healthy', evidence: healthyEvidence(errorRate, logs, lsm) });
  } else if (errorRate !== null && !causes[0]!.recovering && causes[0]!.cause !== 'api_unresponsive') {
    causes[0]!.evidence.push(`${rateText}${metrics?.worstOperation ? ` (worst: ${metrics.worstOperation})` : ''}`);
  }

  const escalateReasons = escalationReasons({ metrics, causes, disk, pattern, rebuild, recentRebootMinutes: options.recentRebootMinutes });
  const severity = severityOf(checks, causes, erroring, settledCauses);
  return {
    causes,
    severity,
    summary: summaryOf(causes, notChecked, rateText, api?.headline),
    escalate: escalateReasons.length > 0,
    escalateReasons,
    notChecked,
  };
}

function summaryOf(causes: readonly CauseFinding[], notChecked: readonly NotChecked[], rateText: string, apiHeadline: string | undefined): string {
  const primary = causes[0]!;
  const others = causes.slice(1).map(findingLabel);
  const also = others.length > 0 ? ` (also: ${others.join(', ')})` : '';
  const unread = notChecked.filter((n) => n.check !== 'error_metrics' || !apiHeadline);
  const missing = unread.length > 0 ? `; ${notCheckedText(unread)}` : '';
  if (primary.cause === 'api_unresponsive')
    return `${apiHeadline ?? causeLabel('api_unresponsive')}${others.length > 0 ? `; the host shows: ${others.join(', ')}` : ''}${missing}`;
  if (primary.cause === 'healthy') return `Healthy: ${rateText}, no runbook cause found`;
  if (primary.cause === 'unknown' && unread.length > 0 && !primary.evidence[0]!.startsWith(rateText))
    return `Not verified: ${notCheckedText(unread)}; ${rateText}`;
  if (primary.recovering) return `Recovering from ${causeLabel(primary.cause)}: ${primary.evidence[0]}${also}${missing}`;
  return `Likely cause: ${causeLabel(primary.cause)}${also}; ${rateText}${missing}`;
}

function healthyEvidence(errorRate: number | null, logs: Partial<LogsData> | undefined, lsm: Partial<LsmData> | undefined): string[] {
  const out = [errorRate === null ? 'error rate not available' : `error rate ${formatPercent(errorRate)} (alert threshold 1%)`];
  if (logs?.patterns) out.push(`no runbook error patterns in the last ${logs.windowMinutes} min`);
  if (lsm?.sstFiles !== null && lsm?.sstFiles !== undefined) out.push(`${lsm.sstFiles} SST files`);
  return out;
}

/**
 * Critical: errors over 1%, the API not answering, or a critical check, except log lines whose causes all
 * stopped or are stopping (rate under 1%, condition gone). Anything but a clean bill of health is at least a warning.
 */
function severityOf(checks: readonly CheckResult[], causes: readonly CauseFinding[], erroring: boolean, settled: ReadonlySet<Cause>): Severity {
  if (erroring || causes.some((c) => c.cause === 'api_unresponsive')) return 'critical';
  const done = (c: CauseFinding) => c.recovering === true || settled.has(c.cause);
  const logsAreHistory = causes.some(done) && !causes.some((c) => !done(c) && CAUSE_PATTERNS[c.cause]);
  if (checks.some((c) => c.status === 'critical' && !(c.id === 'logs' && logsAreHistory))) return 'critical';
  if (causes[0]?.cause !== 'healthy' || checks.some((c) => c.status === 'warning')) return 'warning';
  return 'ok';
}
