import type { Services } from '../app/services';
import type { Incident } from '../incidents/incident-store';
import { buildPacket, type EscalationPacket } from './escalation-packet';
import { INITIAL_STATE, transition, type EscalationEvent } from './escalation-machine';
import type { EscalationRecord, EscalationStore, NewEscalation } from './escalation-store';
import type { PageOutbox } from './page-outbox';
import { incidentHistory } from './packet-history';
import { planEffects } from './plan-effects';

/** A node's latest diagnosis counts for an incident when it is at most this much older than the incident. */
const DIAGNOSIS_GRACE_MS = 30 * 60_000;

export interface EngineDeps {
  services: Services;
  escalations: EscalationStore;
  outbox: PageOutbox;
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
  start(escalation: Omit<NewEscalation, 'state'>, now: number, options: { level?: number; detail?: Record<string, unknown> } = {}): EscalationRecord {
    return this.deps.escalations.transaction(() => {
      const level = options.level ?? 0;
      const record = this.deps.escalations.create({ ...escalation, state: INITIAL_STATE });
      this.deps.services.store.incidents.addEvent(record.incidentId, 'escalated', new Date(now), record.startedBy, { escalationId: record.id, trigger: record.trigger, reasons: record.reasons, level, levelName: record.chain.levels[level]!.name, ...options.detail });
      this.apply(record.id, { type: 'start', level }, now);
      return this.deps.escalations.get(record.id)!;
    });
  }

  /**
   * Applies one event. With `token`, the event is a tick armed for that state: if the state changed since
   * (an ack, another tick), the token no longer matches and the tick is dropped. Returns false when nothing changed.
   */
  apply(escalationId: string, event: EscalationEvent, now: number, token?: string): boolean {
    const { escalations, outbox, services } = this.deps;
    let stale = false;
    const changed = escalations.transaction(() => {
      const record = escalations.get(escalationId);
      if (!record || (token !== undefined && record.token !== token)) return false;
      // An incident resolved by a path that did not stop its chain: the next tick stops it instead of paging.
      const incident = event.type === 'due' ? services.store.incidents.get(record.incidentId) : undefined;
      if (incident?.status === 'resolved') event = { type: 'resolve', by: incident.resolvedBy ?? 'bot' };
      const next = transition(record.state, event, record.chain, now);
      if (next.state === record.state) return false;
      const packet = next.effects.some((e) => e.type === 'page_level') ? this.packetFor(record, now) : undefined;
      stale = packet?.diagnosis?.stale === true;
      const needsRows = next.effects.some((e) => e.type === 'close_pages' || e.type === 'pagerduty');
      const plan = planEffects(next.effects, { escalationId, incidentId: record.incidentId, chain: record.chain, packet, now, rows: needsRows ? outbox.ofEscalation(escalationId) : [] });
      if (plan.cancelPending) outbox.cancelPending(escalationId);
      outbox.insert(plan.rows, now);
      const at = new Date(now);
      if (event.type === 'ack') services.store.incidents.addEvent(record.incidentId, 'acked', at, event.by, { escalationId, level: record.state.waitingLevel, round: record.state.round });
      escalations.save(escalationId, next.state, {
        ...(event.type === 'ack' ? { ackedBy: event.by, ackedAt: now } : {}),
        ...(next.state.status !== 'active' && event.type !== 'ack' ? { endedBy: event.type === 'resolve' ? event.by : 'bot', endedAt: now } : {}),
      });
      for (const effect of next.effects) if (effect.type === 'page_level') this.checkLevelReached(escalationId, effect.level, effect.round, now);
      return true;
    });
    if (changed) services.metrics.openEscalations.set(escalations.listActive().length);
    // The page is not held back for a fresh diagnosis: it goes out now, and the refresh updates it.
    if (changed && stale) this.deps.onStalePacket?.(escalationId);
    return changed;
  }

  /** Runs every due step; a step that makes the next one due at once (a level nobody can reach) runs it too. */
  tickDue(now: number): number {
    let ran = 0;
    for (let pass = 0; pass < 50; pass++) {
      const due = this.deps.escalations.due(now);
      if (due.length === 0) break;
      for (const { id, token } of due) if (this.apply(id, { type: 'due' }, now, token)) ran++;
    }
    return ran;
  }

  /**
   * "Delivery failures escalate, not wait": when no page of a level can still reach anyone (all failed, or
   * there was nobody to page), the level's timer is cut short.
   */
  checkLevelReached(escalationId: string, level: number, round: number, now: number): void {
    const rows = this.deps.outbox.ofLevel(escalationId, level, round);
    const open = (s: string) => s === 'pending' || s === 'sending';
    if (rows.some((r) => r.kind === 'slack_group' && open(r.status))) return;
    if (rows.some((r) => r.reachesHuman && (open(r.status) || r.status === 'sent'))) return;
    this.apply(escalationId, { type: 'level_unreachable', level, round }, now);
  }

  /**
   * The packet as of `now`: the incident's latest diagnosis (or the node's if recent enough), marked stale
   * when older than `escalation.packetMaxAge`, and what was already done on the incident.
   */
  packetFor(record: EscalationRecord, now: number): EscalationPacket {
    const { services, escalations } = this.deps;
    const incident = services.store.incidents.get(record.incidentId);
    return buildPacket({
      incidentId: record.incidentId,
      node: incident?.node ?? null,
      title: incident?.title ?? record.incidentId,
      reasons: record.reasons,
      diagnosis: incident ? diagnosisFor(incident, escalations) : undefined,
      runbookUrl: services.config.stemedb.runbookUrl,
      now,
      maxAgeMs: services.config.escalation.packetMaxAge,
      done: incident ? incidentHistory(services.store.incidents.events(incident.id)) : [],
    });
  }
}

function diagnosisFor(incident: Incident, escalations: EscalationStore): unknown {
  if (incident.lastDiagnosis) return incident.lastDiagnosis;
  const latest = incident.node ? escalations.latestDiagnosis(incident.node) : undefined;
  return latest && latest.at >= Date.parse(incident.openedAt) - DIAGNOSIS_GRACE_MS ? latest.result : undefined;
}
