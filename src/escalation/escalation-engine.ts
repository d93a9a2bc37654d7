import type { UnitOfWork } from '../app/repositories';
import type { Services } from '../app/services';
import type { Incident } from '../incidents/incident-store';
import { buildPacket, type EscalationPacket } from './escalation-packet';
import { INITIAL_STATE, transition, type EscalationEvent } from './escalation-machine';
import type { EscalationRecord, NewEscalation } from './escalation-store';
import type { DiagnosisStore } from '../diagnosis/diagnosis-store';
import { incidentHistory } from './packet-history';
import { planEffects } from './plan-effects';

/** A node's latest diagnosis counts for an incident when it is at most this much older than the incident. */
const DIAGNOSIS_GRACE_MS = 30 * 60_000;

/** The repositories escalation uses, and the unit of work that keeps a tick, an ack or a page outcome atomic. */
export type EscalationRepositories = Pick<UnitOfWork, 'escalations' | 'outbox' | 'incidents' | 'diagnoses' | 'withTx'>;

export interface EngineDeps {
  services: Pick<Services, 'config' | 'metrics'>;
  store: EscalationRepositories;
  /** After a commit that paged with a diagnosis older than `packetMaxAge`: refresh it (outside the transaction). */
  onStalePacket?: (escalationId: string) => void;
}

/**
 * Applies machine events to stored escalations, each in one IMMEDIATE transaction: load the row, drop a
 * stale token, run the machine, write the planned outbox rows and the new state, commit. The scheduler and
 * the delivery code call it; nothing here sends anything.
 */
export class EscalationEngine {
  constructor(private readonly deps: EngineDeps) {}

  /** Creates the escalation and runs its first step (paging `level`, default the first) in the same transaction. */
  start(escalation: Omit<NewEscalation, 'state'>, now: number, options: { level?: number; detail?: Record<string, unknown> } = {}): Promise<EscalationRecord> {
    return this.deps.store.withTx(async (tx) => {
      const level = options.level ?? 0;
      const record = await tx.escalations.create({ ...escalation, state: INITIAL_STATE });
      await tx.incidents.addEvent(record.incidentId, 'escalated', new Date(now), record.startedBy, {
        escalationId: record.id,
        trigger: record.trigger,
        reasons: record.reasons,
        level,
        levelName: record.chain.levels[level]!.name,
        ...options.detail,
      });
      await this.apply(record.id, { type: 'start', level }, now);
      return (await tx.escalations.get(record.id))!;
    });
  }

  /**
   * Applies one event. With `token`, the event is a tick armed for that state: if the state changed since
   * (an ack, another tick), the token no longer matches and the tick is dropped. Returns false when nothing changed.
   */
  async apply(escalationId: string, event: EscalationEvent, now: number, token?: string): Promise<boolean> {
    const { store, services } = this.deps;
    let stale = false;
    const changed = await store.withTx(async (tx) => {
      // Set afresh on every run: PostgreSQL may run this function again after a serialization failure.
      stale = false;
      let applied = event;
      const record = await tx.escalations.get(escalationId);
      if (!record || (token !== undefined && record.token !== token)) return false;
      // An incident resolved by a path that did not stop its chain: the next tick stops it instead of paging.
      const incident = applied.type === 'due' ? await tx.incidents.get(record.incidentId) : undefined;
      if (incident?.status === 'resolved') applied = { type: 'resolve', by: incident.resolvedBy ?? 'bot' };
      const next = transition(record.state, applied, record.chain, now);
      if (next.state === record.state) return false;
      const packet = next.effects.some((e) => e.type === 'page_level') ? await this.packetFor(record, now) : undefined;
      stale = packet?.diagnosis?.stale === true;
      const needsRows = next.effects.some((e) => e.type === 'close_pages' || e.type === 'pagerduty');
      const plan = planEffects(next.effects, {
        escalationId,
        incidentId: record.incidentId,
        chain: record.chain,
        packet,
        now,
        rows: needsRows ? await tx.outbox.ofEscalation(escalationId) : [],
      });
      if (plan.cancelPending) await tx.outbox.cancelPending(escalationId);
      await tx.outbox.insert(plan.rows, now);
      const at = new Date(now);
      if (applied.type === 'ack')
        await tx.incidents.addEvent(record.incidentId, 'acked', at, applied.by, { escalationId, level: record.state.waitingLevel, round: record.state.round });
      await tx.escalations.save(escalationId, next.state, {
        ...(applied.type === 'ack' ? { ackedBy: applied.by, ackedAt: now } : {}),
        ...(next.state.status !== 'active' && applied.type !== 'ack' ? { endedBy: applied.type === 'resolve' ? applied.by : 'bot', endedAt: now } : {}),
      });
      for (const effect of next.effects) if (effect.type === 'page_level') await this.checkLevelReached(escalationId, effect.level, effect.round, now);
      return true;
    });
    if (changed) services.metrics.openEscalations.set((await store.escalations.listActive()).length);
    // The page is not held back for a fresh diagnosis: it goes out now, and the refresh updates it.
    if (changed && stale) this.deps.onStalePacket?.(escalationId);
    return changed;
  }

  /** Runs every due step; a step that makes the next one due at once (a level nobody can reach) runs it too. */
  async tickDue(now: number): Promise<number> {
    let ran = 0;
    for (let pass = 0; pass < 50; pass++) {
      const due = await this.deps.store.escalations.due(now);
      if (due.length === 0) break;
      for (const { id, token } of due) if (await this.apply(id, { type: 'due' }, now, token)) ran++;
    }
    return ran;
  }

  /**
   * "Delivery failures escalate, not wait": when no page of a level can still reach anyone (all failed, or
   * there was nobody to page), the level's timer is cut short.
   */
  async checkLevelReached(escalationId: string, level: number, round: number, now: number): Promise<void> {
    const rows = await this.deps.store.outbox.ofLevel(escalationId, level, round);
    const open = (s: string) => s === 'pending' || s === 'sending';
    if (rows.some((r) => r.kind === 'slack_group' && open(r.status))) return;
    if (rows.some((r) => r.reachesHuman && (open(r.status) || r.status === 'sent'))) return;
    await this.apply(escalationId, { type: 'level_unreachable', level, round }, now);
  }

  /**
   * The packet as of `now`: the incident's latest diagnosis (or the node's if recent enough), marked stale
   * when older than `escalation.packetMaxAge`, and what was already done on the incident.
   */
  async packetFor(record: EscalationRecord, now: number): Promise<EscalationPacket> {
    const { services, store } = this.deps;
    const incident = await store.incidents.get(record.incidentId);
    return buildPacket({
      incidentId: record.incidentId,
      node: incident?.node ?? null,
      title: incident?.title ?? record.incidentId,
      reasons: record.reasons,
      diagnosis: incident ? await diagnosisFor(incident, store.diagnoses) : undefined,
      runbookUrl: services.config.stemedb.runbookUrl,
      now,
      maxAgeMs: services.config.escalation.packetMaxAge,
      done: incident ? incidentHistory(await store.incidents.events(incident.id)) : [],
    });
  }
}

async function diagnosisFor(incident: Incident, diagnoses: DiagnosisStore): Promise<unknown> {
  if (incident.lastDiagnosis) return incident.lastDiagnosis;
  const latest = incident.node ? await diagnoses.latest(incident.node) : undefined;
  return latest && Date.parse(latest.at) >= Date.parse(incident.openedAt) - DIAGNOSIS_GRACE_MS ? latest.result : undefined;
}
