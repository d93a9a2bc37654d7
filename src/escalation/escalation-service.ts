import { diagnosedDetail } from '../timeline/timeline-events';
import type { Services } from '../app/services';
import type { DiagnosisResult } from '../diagnosis/types';
import type { Incident } from '../incidents/incident-store';
import type { SlackDirectory } from '../pagers/slack-directory';
import { checkChain, type ChainReport } from './chain-check';
import { chainWarningView } from './chain-report-view';
import { chainConfigured, snapshotChain } from './chain-snapshot';
import { EscalationEngine } from './escalation-engine';
import { EscalationScheduler } from './escalation-scheduler';
import { createSqliteEscalationStore, type EscalationRecord, type EscalationStore, type EscalationTrigger } from './escalation-store';
import { summarizeEscalation, type EscalationSummary } from './escalation-summary';
import { PageDelivery } from './page-delivery';
import { createSqlitePageOutbox, type PageOutbox } from './page-outbox';

export interface EscalateRequest {
  /** A configured node; the escalation joins its open incident or opens one. */
  node?: string;
  /** An incident named by a button or an argument. */
  incidentId?: string;
  by: string;
  trigger: EscalationTrigger;
  reasons: string[];
  /** Where it was asked for: the header goes there when `slack.alertChannel` is not set. */
  originChannel?: string;
}

export type EscalateOutcome =
  | { kind: 'started'; escalation: EscalationRecord; incident: Incident; openedIncident: boolean }
  | { kind: 'already_active'; escalation: EscalationRecord; incident: Incident }
  | { kind: 'not_configured' }
  | { kind: 'no_incident'; incidentId?: string }
  | { kind: 'incident_resolved'; incident: Incident }
  | { kind: 'skipped'; incident: Incident; reason: string };

export type AckOutcome =
  | { kind: 'acked'; escalation: EscalationRecord; incident: Incident }
  | { kind: 'already_acked'; escalation: EscalationRecord; incident: Incident }
  | { kind: 'not_escalating'; incident: Incident }
  | { kind: 'no_incident' };

export interface ResolveOutcome {
  incident: Incident | undefined;
  resolvedNow: boolean;
  stoppedEscalation: boolean;
}

/**
 * Escalation paging (SPEC 4.4): start, acknowledge, resolve, and the durable scheduler behind them. Built
 * once per runtime; `start()` arms the scheduler and the chain check, `stop()` ends them.
 */
export class EscalationService {
  readonly escalations: EscalationStore;
  readonly outbox: PageOutbox;
  readonly engine: EscalationEngine;
  private readonly delivery: PageDelivery;
  private readonly scheduler: EscalationScheduler;
  private chainTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly services: Services,
    options: { pagerdutyUrl: string },
  ) {
    const { db } = services.store;
    const settings = services.config.escalation;
    this.escalations = createSqliteEscalationStore(db);
    this.outbox = createSqlitePageOutbox(db);
    this.engine = new EscalationEngine({ services, escalations: this.escalations, outbox: this.outbox });
    this.delivery = new PageDelivery({
      services,
      engine: this.engine,
      escalations: this.escalations,
      outbox: this.outbox,
      retry: { attempts: settings.retry.attempts, initialDelayMs: settings.retry.initialDelay, maxDelayMs: settings.retry.maxDelay },
      pagerdutyUrl: options.pagerdutyUrl,
      requestTimeoutMs: settings.requestTimeout,
      onSettled: () => this.scheduler.wake(),
    });
    this.scheduler = new EscalationScheduler({
      engine: this.engine,
      delivery: this.delivery,
      escalations: this.escalations,
      outbox: this.outbox,
      now: () => services.now().getTime(),
      log: services.log.child({ component: 'escalation' }),
      auditIntervalMs: settings.auditInterval,
    });
  }

  /** Slack's read side (in-flight page checks, user checks); absent in the local shell. */
  attachSlackDirectory(directory: SlackDirectory): void {
    this.delivery.directory = directory;
  }

  get slackDirectory(): SlackDirectory | undefined {
    return this.delivery.directory;
  }

  start(): void {
    this.services.metrics.openEscalations.set(this.escalations.listActive().length);
    this.scheduler.start();
    void this.postChainWarnings();
    const every = this.services.config.escalation.chainCheckInterval;
    if (every > 0) {
      this.chainTimer = setInterval(() => void this.postChainWarnings(), every);
      this.chainTimer.unref?.();
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.chainTimer);
    await this.scheduler.stop();
  }

  /** Starts paging for a node's (or a named) incident; a second request while one runs joins it. */
  escalate(request: EscalateRequest): EscalateOutcome {
    const { services } = this;
    const chain = snapshotChain(services.config.escalation);
    if (!chainConfigured(chain)) return { kind: 'not_configured' };
    const now = services.now();
    const outcome = this.escalations.transaction((): EscalateOutcome => {
      let incident = request.incidentId ? services.store.incidents.get(request.incidentId) : request.node ? services.store.incidents.openForNode(request.node) : undefined;
      if (request.incidentId && !incident) return { kind: 'no_incident', incidentId: request.incidentId };
      if (incident?.status === 'resolved') return { kind: 'incident_resolved', incident };
      let openedIncident = false;
      if (!incident) {
        if (!request.node) return { kind: 'no_incident' };
        const opened = services.store.incidents.openOrGet({ node: request.node, title: `Escalation: ${request.node}`, source: 'manual', severity: 'critical' }, now);
        incident = opened.incident;
        openedIncident = opened.created;
      }
      const active = this.escalations.active(incident.id);
      if (active) return { kind: 'already_active', escalation: active, incident };
      const previous = this.escalations.latest(incident.id);
      if (request.trigger === 'auto' && previous) return { kind: 'skipped', incident, reason: `already escalated (${previous.state.status})` };
      const escalation = this.engine.start(
        { incidentId: incident.id, chain, trigger: request.trigger, reasons: request.reasons, originChannel: request.originChannel ?? null, startedBy: request.by, startedAt: now.getTime() },
        now.getTime(),
      );
      return { kind: 'started', escalation, incident, openedIncident };
    });
    if ('incident' in outcome) {
      services.store.audit.record({ actor: request.by, action: 'escalate', node: outcome.incident.node, incidentId: outcome.incident.id, outcome: outcome.kind, detail: { trigger: request.trigger, reasons: request.reasons } }, now);
    }
    if (outcome.kind === 'started') this.scheduler.wake();
    return outcome;
  }

  /** Stops the incident's chain on behalf of `by` (a button or `/stemedb ack`), and tells the thread. */
  acknowledge(incidentId: string, by: string): AckOutcome {
    const { services } = this;
    const now = services.now();
    const incident = services.store.incidents.get(incidentId);
    if (!incident) return { kind: 'no_incident' };
    const active = this.escalations.active(incidentId);
    if (!active) {
      const latest = this.escalations.latest(incidentId);
      return latest?.ackedBy ? { kind: 'already_acked', escalation: latest, incident } : { kind: 'not_escalating', incident };
    }
    const changed = this.engine.apply(active.id, { type: 'ack', by }, now.getTime());
    const escalation = this.escalations.get(active.id)!;
    services.store.audit.record({ actor: by, action: 'ack', node: incident.node, incidentId, outcome: changed ? 'succeeded' : 'already_acked', detail: { escalationId: active.id } }, now);
    this.scheduler.wake();
    return changed ? { kind: 'acked', escalation, incident } : { kind: 'already_acked', escalation, incident };
  }

  /**
   * Ends everything for an incident: marks it resolved (if still open), stops its chain, and sends PagerDuty
   * `resolve` (and webhooks `resolve`) for what was paged. Alert-thread code calls this on `resolved`.
   */
  resolveIncident(incidentId: string, by: string): ResolveOutcome {
    const { services } = this;
    const now = services.now();
    const resolvedNow = services.store.incidents.resolve(incidentId, now, by);
    const escalations = this.escalations.ofIncident(incidentId);
    const wasActive = escalations.some((e) => e.state.status === 'active');
    // Every escalation of the incident, not just the last: an acked one may still have a PagerDuty incident open.
    for (const e of escalations) this.engine.apply(e.id, { type: 'resolve', by }, now.getTime());
    const incident = services.store.incidents.get(incidentId);
    if (resolvedNow || wasActive) services.store.audit.record({ actor: by, action: 'resolve', node: incident?.node ?? null, incidentId, outcome: 'succeeded', detail: { stoppedEscalation: wasActive } }, now);
    this.scheduler.wake();
    return { incident, resolvedNow, stoppedEscalation: wasActive };
  }

  /** `services.afterDiagnosis`: remembers the diagnosis for packets, and escalates on the runbook's criteria. */
  async afterDiagnosis(result: DiagnosisResult, origin: { channelId?: string; userId?: string }): Promise<EscalateOutcome | undefined> {
    const { services } = this;
    this.escalations.saveDiagnosis(result.node, services.now().getTime(), result);
    const incident = services.store.incidents.openForNode(result.node);
    if (incident) {
      this.escalations.transaction(() => {
        services.store.incidents.setLastDiagnosis(incident.id, result);
        services.store.incidents.addEvent(incident.id, 'diagnosed', services.now(), origin.userId ?? 'bot', diagnosedDetail(result), `diagnosed:${result.startedAt}`);
      });
    }
    if (!result.verdict.escalate) return undefined;
    const outcome = this.escalate({ node: result.node, by: 'bot', trigger: 'auto', reasons: result.verdict.escalateReasons, originChannel: origin.channelId });
    services.log.info({ node: result.node, outcome: outcome.kind, reasons: result.verdict.escalateReasons }, 'diagnosis meets the escalate-immediately criteria');
    return outcome;
  }

  summary(incidentId: string): EscalationSummary | undefined {
    const latest = this.escalations.latest(incidentId);
    return latest ? summarizeEscalation(latest, this.outbox.ofEscalation(latest.id)) : undefined;
  }

  /** Active escalations with their incidents (for `/stemedb ack` without an argument). */
  activeIncidents(): Incident[] {
    return this.escalations.listActive().flatMap((e) => this.services.store.incidents.get(e.incidentId) ?? []);
  }

  /** The chain check, without paging anyone. */
  checkChain(): Promise<ChainReport> {
    return checkChain(snapshotChain(this.services.config.escalation), { messenger: this.services.messenger, directory: this.delivery.directory, secret: this.services.secret });
  }

  /** Start-up and daily: posts to the alert channel only when a configured chain has a problem. */
  private async postChainWarnings(): Promise<void> {
    const { services } = this;
    try {
      const report = await this.checkChain();
      if (!report.configured) return void services.log.warn('escalation.levels names nobody to page: escalation is off');
      if (report.warnings.length === 0) return;
      services.log.warn({ warnings: report.warnings }, 'escalation chain check found problems');
      const channel = services.config.slack.alertChannel;
      if (channel) await services.messenger.post(channel, chainWarningView(report), { priority: 'status' });
    } catch (err) {
      services.log.warn({ err }, 'escalation chain check failed');
    }
  }
}
