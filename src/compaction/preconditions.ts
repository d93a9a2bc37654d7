import { THRESHOLDS } from '../diagnosis/thresholds';
import { formatBytes, formatPercent } from '../render/format';
import type { BreakerDecision } from './circuit-breaker';
import type { CompactionLock } from './compaction-lock-store';
import { actorMention, type DiskFigures, type LsmFigures } from './compaction-types';
import { formatClock, formatSince } from './time-text';

export interface PreconditionInput {
  node: string;
  stats: { ok: true; lsm: LsmFigures } | { ok: false; reason: string };
  disk: DiskFigures;
  lock: CompactionLock | undefined;
  breaker: BreakerDecision;
  now: Date;
}

export interface Preconditions {
  /** Nothing blocks: the confirmation may be offered. */
  ready: boolean;
  /** Reasons not to compact now, each a sentence. */
  blockers: string[];
  /** Things the confirmation must show prominently (low free space). */
  warnings: string[];
  lsm: LsmFigures | null;
  disk: DiskFigures;
}

/**
 * Checked before the confirmation is offered (and again when it is used): the node answers, nothing is
 * compacting it, the breaker allows another run; free space is shown and warned about. Pure.
 */
export function evaluatePreconditions(input: PreconditionInput): Preconditions {
  const blockers: string[] = [];
  const warnings: string[] = [];
  if (input.lock) blockers.push(busyText(input.lock, input.now));
  if (!input.stats.ok) blockers.push(`${input.node} is not reachable: ${input.stats.reason}`);
  else if (input.stats.lsm.running === true && !input.lock) blockers.push(`${input.node} reports a compaction already running (started outside this bot); wait for it to finish`);
  if (!input.breaker.allowed) blockers.push(breakerText(input.node, input.breaker));
  warnings.push(...diskWarnings(input.disk));
  return { ready: blockers.length === 0, blockers, warnings, lsm: input.stats.ok ? input.stats.lsm : null, disk: input.disk };
}

/** "<@U1> has been compacting stemedb-1 since 14:02:11 UTC (3m ago)". */
export function busyText(lock: CompactionLock, now: Date): string {
  return `${actorMention({ userId: lock.holder })} has been compacting ${lock.node} since ${formatSince(lock.acquiredAt, now)}`;
}

export function breakerText(node: string, decision: Extract<BreakerDecision, { allowed: false }>): string {
  const times = decision.recent.map((d) => formatClock(d)).join(', ');
  return `circuit breaker: ${node} was compacted ${decision.recent.length} times in the last hour (${times}); the limit is \`compaction.maxPerNodePerHour\` = ${decision.limit}. Next run possible at ${formatClock(decision.nextAllowedAt)}. If the node still needs help, escalate.`;
}

function diskWarnings(disk: DiskFigures): string[] {
  if (!disk.available) return [`free space of the data dir is unknown (${disk.reason})`];
  const free = `${formatPercent(disk.freeFraction, 1)} free (${formatBytes(disk.availBytes)} of ${formatBytes(disk.sizeBytes)})`;
  if (disk.freeFraction < THRESHOLDS.diskFreeCritical) {
    return [`only ${free}: a compaction writes merged SST files before it deletes the old ones and may fail or fill the disk. Free space first (runbook: compress or move old WAL segments).`];
  }
  if (disk.freeFraction < THRESHOLDS.diskFreeWarning) return [`low free space: ${free}, below the runbook's 20% warning level`];
  return [];
}
