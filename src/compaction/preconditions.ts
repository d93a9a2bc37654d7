import { THRESHOLDS } from '../diagnosis/thresholds';
import { formatBytes, formatPercent } from '../render/format';
import type { BreakerDecision } from './circuit-breaker';
import type { CompactionLock } from './compaction-lock-store';
import { actorMention, type BackupFigures, type DiskFigures, type LsmFigures } from './compaction-types';
import { formatClock, formatDuration, formatSince } from './time-text';

export interface PreconditionInput {
  node: string;
  stats: { ok: true; lsm: LsmFigures } | { ok: false; reason: string };
  disk: DiskFigures;
  lock: CompactionLock | undefined;
  breaker: BreakerDecision;
  now: Date;
  /** The newest snapshot in the node's `backupDir`; absent = not configured. */
  backup?: BackupFigures;
  /** `compaction.snapshotMaxAge`: an older newest snapshot is warned about. */
  snapshotMaxAgeMs?: number;
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
  /** What every confirmation says about the backup (runbook: snapshot the KV store before a manual compaction). */
  backupLines: string[];
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
  else if (input.stats.lsm.running === true && !input.lock)
    blockers.push(`${input.node} reports a compaction already running (started outside this bot); wait for it to finish`);
  if (!input.breaker.allowed) blockers.push(breakerText(input.node, input.breaker));
  warnings.push(...diskWarnings(input.disk));
  const backup = backupFacts(input.backup ?? { configured: false }, input.now, input.snapshotMaxAgeMs ?? 86_400_000);
  warnings.push(...backup.warnings);
  return { ready: blockers.length === 0, blockers, warnings, lsm: input.stats.ok ? input.stats.lsm : null, disk: input.disk, backupLines: backup.lines };
}

/** The runbook's "always snapshot the KV store first", with the newest snapshot's age when `backupDir` is set. */
function backupFacts(backup: BackupFigures, now: Date, maxAgeMs: number): { lines: string[]; warnings: string[] } {
  const lines = ['Backup: snapshot the KV store before compacting (runbook: always back up before a manual compaction)'];
  if (!backup.configured) return { lines: [...lines, 'Newest snapshot: not checked (no `backupDir` configured for this node)'], warnings: [] };
  if (!backup.available)
    return {
      lines: [...lines, `Newest snapshot in ${backup.dir}: unknown (${backup.reason})`],
      warnings: [`no snapshot could be found in ${backup.dir} (${backup.reason}): take one before compacting`],
    };
  const ageMs = now.getTime() - Date.parse(backup.takenAt);
  lines.push(`Newest snapshot in ${backup.dir}: ${backup.name}, taken ${formatSince(backup.takenAt, now)}`);
  if (ageMs <= maxAgeMs) return { lines, warnings: [] };
  return {
    lines,
    warnings: [
      `the newest snapshot (${backup.name}) is ${formatDuration(ageMs)} old, older than \`compaction.snapshotMaxAge\` (${formatDuration(maxAgeMs)}): take a fresh one before compacting`,
    ],
  };
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
    return [
      `only ${free}: a compaction writes merged SST files before it deletes the old ones and may fail or fill the disk. Free space first (runbook: compress or move old WAL segments).`,
    ];
  }
  if (disk.freeFraction < THRESHOLDS.diskFreeWarning) return [`low free space: ${free}, below the runbook's 20% warning level`];
  return [];
}
