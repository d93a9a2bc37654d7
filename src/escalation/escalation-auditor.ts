import { escalationsOnSchedule, type Heartbeat, type ScheduleCheck } from '../ops/heartbeat';
import type { Logger } from '../ops/logger';
import type { EscalationStore } from './escalation-store';

export interface AuditorDeps {
  escalations: Pick<EscalationStore, 'listActive'>;
  now: () => number;
  /** A step overdue by more than this means no engine is running it. */
  graceMs: number;
  /** `ops.heartbeatUrl`'s ping; none configured: the audit still logs and counts late chains. */
  heartbeat: Heartbeat | undefined;
  log: Pick<Logger, 'warn' | 'info'>;
  /** Late chains found (counter) and the time of the last pass that found every chain on schedule. */
  onResult(check: ScheduleCheck, active: number): void;
}

/**
 * One auditor pass (once per `ops.heartbeatEvery` across all replicas, as Grafana OnCall's auditor): every
 * active escalation's next step is on schedule, or the chain is late and logged. Only a pass with nothing late
 * pings the dead-man heartbeat, so the heartbeat service alerts when the whole bot is down, stalled, or its
 * engine stuck, from outside the bot.
 */
export async function auditEscalations(deps: AuditorDeps): Promise<ScheduleCheck> {
  const active = await deps.escalations.listActive();
  const check = escalationsOnSchedule(
    active.map((e) => ({ id: e.id, nextDueAt: e.state.nextDueAt })),
    deps.now(),
    deps.graceMs,
  );
  deps.onResult(check, active.length);
  if (!check.onSchedule) {
    deps.log.warn(
      { late: check.late, active: active.length, graceMs: deps.graceMs },
      'auditor: escalations are behind schedule; no heartbeat ping until they are on time',
    );
    return check;
  }
  if (deps.heartbeat) await deps.heartbeat.ping();
  return check;
}
