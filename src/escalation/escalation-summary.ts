import type { EscalationStatus } from './escalation-machine';
import type { EscalationRecord } from './escalation-store';
import { stepsOf } from './escalation-machine';
import type { OutboxRow } from './outbox-rows';

export interface PagedTarget {
  level: number;
  round: number;
  kind: OutboxRow['kind'];
  target: string;
  status: OutboxRow['status'];
  at: number | null;
}

/** Where an escalation stands, for `/stemedb status` and command replies. */
export interface EscalationSummary {
  id: string;
  status: EscalationStatus;
  levelCount: number;
  /** The level being waited on (or last paged), 0-based. */
  level: number | null;
  levelName: string | null;
  round: number;
  paged: PagedTarget[];
  ackedBy: string | null;
  ackedAt: number | null;
  /** The next step and when it is due, when the chain is still running. */
  next: { at: number; what: string } | null;
  /** How it started: by whom (a person, or the runbook's criteria on an alert's or a person's diagnosis) and why. */
  started: { trigger: EscalationRecord['trigger']; by: string; reasons: string[]; diagnosedBy: string | null };
}

/** Pure: the summary of an escalation from its record and outbox rows. */
export function summarizeEscalation(record: EscalationRecord, rows: readonly OutboxRow[], diagnosedBy: string | null = null): EscalationSummary {
  const { state, chain } = record;
  const pagedLevels = rows.filter((r) => r.level !== null).map((r) => r.level!);
  const level = state.waitingLevel ?? (pagedLevels.length > 0 ? Math.max(...pagedLevels) : null);
  const step = stepsOf(chain)[state.stepIndex];
  let next: EscalationSummary['next'] = null;
  if (state.status === 'active' && state.nextDueAt !== null) {
    const what =
      step?.kind === 'page_level'
        ? `page ${chain.levels[step.level]!.name}${state.round > 1 ? ` (round ${state.round})` : ''}`
        : state.round > chain.repeat.times
          ? 'stop paging (chain exhausted)'
          : 'start the chain again';
    next = { at: state.nextDueAt, what };
  }
  return {
    id: record.id,
    status: state.status,
    levelCount: chain.levels.length,
    level,
    levelName: level !== null ? (chain.levels[level]?.name ?? null) : null,
    round: state.round,
    paged: rows
      .filter((r) => r.reachesHuman && r.level !== null && r.round !== null)
      .map((r) => ({ level: r.level!, round: r.round!, kind: r.kind, target: r.target, status: r.status, at: r.sentAt })),
    ackedBy: record.ackedBy,
    ackedAt: record.ackedAt,
    next,
    started: { trigger: record.trigger, by: record.startedBy, reasons: record.reasons, diagnosedBy },
  };
}
