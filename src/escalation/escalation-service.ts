import { AsyncResource } from 'node:async_hooks';
import { diagnosedDetail } from '../timeline/timeline-events';
import type { Services } from '../app/services';
import type { Clock } from '../ops/clock';
import type { Lease } from '../store/lease';
import type { DiagnosisResult } from '../diagnosis/types';
import type { Incident } from '../incidents/incident-store';
import type { SlackDirectory } from '../pagers/slack-directory';
import { checkChain, type ChainReport } from './chain-check';
import { chainWarningView } from './chain-report-view';
import { chainConfigured, snapshotChain } from './chain-snapshot';
import { EscalationEngine } from './escalation-engine';
import { EscalationScheduler } from './escalation-scheduler';
import { isAutomatic, type EscalationRecord, type EscalationStore } from './escalation-store';
import { summarizeEscalation, type EscalationSummary } from './escalation-summary';
import type { AckOutcome, EscalateOutcome, EscalateRequest, EscalationPort, ResolveOutcome } from './escalation-port';
import { PageDelivery } from './page-delivery';
import { refreshStalePackets } from './packet-refresh';
import type { PageOutbox } from './page-outbox';

export type { AckOutcome, EscalateOutcome, EscalateRequest, EscalationPort, ResolveOutcome } from './escalation-port';

/** Requests this soon after a level was paged join it instead of paging the next level. */
const SAME_REQUEST_MS = 10_000;

/**
 * Escalation paging (SPEC 4.4): start, acknowledge, resolve, and the durable scheduler behind them. Built
 * once per runtime; `start()` arms the scheduler and the chain check, `stop()` ends them.
 */
/** What the escalation feature uses of the bot (not the whole Services). */
export type EscalationServices = Pick<
  Services,
  'config' | 'store' | 'log' | 'now' | 'metrics' | 'messenger' | 'secret' | 'inventory' | 'stemedb' | 'metricNames' | 'charts' | 'access'
>;

export class EscalationService implements EscalationPort {
  readonly escalations: EscalationStore;
  readonly outbox: PageOutbox;
  readonly engine: EscalationEngine;
  private readonly delivery: PageDelivery;
  private readonly scheduler: EscalationScheduler;

  constructor(
    private readonly services: EscalationServices,
    options: {
      pagerdutyUrl: string;
      clock: Clock;
      directory: SlackDirectory | undefined;
      /**
       * Several replicas on one database: look for due steps and pages this often besides the in-process
       * wake-ups, so work another replica created or abandoned is found within about this long.
       */
      pollIntervalMs?: number;
      /** The schema gate: false stops the scheduler's passes (see EscalationScheduler). */
      mayWork?: () => boolean;
      /** This process's lease on the outbox pages it sends (owner from the runtime, `store.leaseTtl`). */
      lease: Lease;
    },
  ) {
    const { store } = services;
    const settings = services.config.escalation;
    this.escalations = store.escalations;
    this.outbox = store.outbox;
    // Bound to this (transaction-free) context: a refresh asked for inside a transaction must not join it.
    const onStalePacket = AsyncResource.bind((id: string) => this.refreshPacket(id));
    this.engine = new EscalationEngine({ services, store, onStalePacket });
    this.delivery = new PageDelivery({
      services,
      engine: this.engine,
      store,
      retry: { attempts: settings.retry.attempts, initialDelayMs: settings.retry.initialDelay, maxDelayMs: settings.retry.maxDelay },
      pagerdutyUrl: options.pagerdutyUrl,
      requestTimeoutMs: settings.requestTimeout,
      lease: options.lease,
      onSettled: () => void this.scheduler.wake(),
    });
    // Slack's read side (in-flight page checks, user checks), given at construction; the local shell has none.
    this.delivery.directory = options.directory;
    this.scheduler = new EscalationScheduler({
      engine: this.engine,
      delivery: this.delivery,
      store,
      now: () => services.now().getTime(),
      clock: options.clock,
      log: services.log.child({ component: 'escalation' }),
      auditIntervalMs: Math.min(settings.auditInterval, options.pollIntervalMs ?? Infinity),
      mayWork: options.mayWork,
    });
  }

  /** One refresh per escalation at a time; the pages it finds stale include any sent meanwhile. */
  private readonly refreshing = new Map<string, Promise<unknown>>();

  private refreshPacket(escalationId: string): void {
    if (this.refreshing.has(escalationId)) return;
    const run = refreshStalePackets({ services: this.services, engine: this.engine, store: this.services.store }, escalationId)
      .catch((err: unknown) => this.services.log.warn({ err, escalationId }, 'refreshing a stale escalation packet failed'))
      .finally(() => this.refreshing.delete(escalationId));
    this.refreshing.set(escalationId, run);
  }

  /** The incident's thread, posted by `post` unless it exists or is being posted (see PageDelivery). */
  ensureThread(
    incidentId: string,
    post: (beforeSend: () => Promise<void>) => Promise<{ channel: string; ts: string } | undefined>,
  ): Promise<{ channel: string; ts: string } | undefined> {
    return this.delivery.ensureThread(incidentId, post);
  }

  get slackDirectory(): SlackDirectory | undefined {
    return this.delivery.directory;
  }

  async start(): Promise<void> {
    this.services.metrics.openEscalations.set((await this.escalations.listActive()).length);
    await this.scheduler.start();
    // The chain check (start-up and every escalation.chainCheckInterval) is a periodic duty the runtime
    // schedules once across replicas: see app/runtime.ts.
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.refreshing.values()]);
    await this.scheduler.stop();
  }

  /**
   * Pages for a node's (or a named) incident: the command and the Escalate button both come here. No chain yet:
   * starts one. A chain running: pages the next level now (a responder who escalates wants more help). A chain
   * acknowledged: a new chain from the level above the one that acked, so the acker is not paged again.
   * Automatic requests (diagnosis criteria) only ever start the first chain.
   */
  async escalate(request: EscalateRequest): Promise<EscalateOutcome> {
    const { services } = this;
    const chain = snapshotChain(services.config.escalation);
    if (!chainConfigured(chain)) return { kind: 'not_configured' };
    if (request.level !== undefined && (request.level < 0 || request.level >= chain.levels.length)) return { kind: 'bad_level', levels: chain.levels.length };
    const now = services.now();
    const outcome = await services.store.withTx(async (tx): Promise<EscalateOutcome> => {
      let incident = request.incidentId ? await tx.incidents.get(request.incidentId) : request.node ? await this.nodeIncident(request.node) : undefined;
      if (request.incidentId && !incident) return { kind: 'no_incident', incidentId: request.incidentId };
      if (incident?.status === 'resolved') return { kind: 'incident_resolved', incident };
      let openedIncident = false;
      if (!incident) {
        if (!request.node) return { kind: 'no_incident' };
        const opened = await tx.incidents.openOrGet({ node: request.node, title: `Escalation: ${request.node}`, source: 'manual', severity: 'critical' }, now);
        incident = opened.incident;
        openedIncident = opened.created;
      }
      const active = await tx.escalations.active(incident.id);
      const previous = await tx.escalations.latest(incident.id);
      if (isAutomatic(request.trigger)) {
        if (active) return { kind: 'already_active', escalation: active, incident };
        if (previous) return { kind: 'skipped', incident, reason: `already escalated (${previous.state.status})` };
      }
      if (active) return this.moveUp(active, incident, request, now.getTime());
      const acked = previous?.state.status === 'acked' ? previous : undefined;
      const ackedLevel = acked ? await this.highestPaged(acked) : null;
      const level = request.level ?? (ackedLevel !== null ? ackedLevel + 1 : 0);
      if (acked && level >= chain.levels.length) return { kind: 'at_last_level', escalation: acked, incident };
      // Whoever acknowledged before is on it already: the new chain never pages them, even via a group.
      const skipUsers = acked?.ackedBy ? [acked.ackedBy] : [];
      const escalation = await this.engine.start(
        {
          incidentId: incident.id,
          chain: skipUsers.length > 0 ? { ...chain, skipUsers } : chain,
          trigger: request.trigger,
          reasons: request.reasons,
          originChannel: request.originChannel ?? null,
          startedBy: request.by,
          startedAt: now.getTime(),
        },
        now.getTime(),
        { level, detail: request.diagnosedBy ? { diagnosedBy: request.diagnosedBy } : {} },
      );
      const afterAck = acked?.ackedBy && ackedLevel !== null ? { by: acked.ackedBy, level: ackedLevel } : undefined;
      return { kind: 'started', escalation, incident, openedIncident, level, ...(afterAck ? { afterAck } : {}) };
    });
    if ('incident' in outcome) {
      const level = outcome.kind === 'started' || outcome.kind === 'moved_up' ? outcome.level + 1 : undefined;
      await services.store.audit.record(
        {
          actor: request.by,
          action: 'escalate',
          node: outcome.incident.node,
          incidentId: outcome.incident.id,
          outcome: outcome.kind,
          detail: { trigger: request.trigger, reasons: request.reasons, ...(level ? { level } : {}) },
        },
        now,
      );
    }
    // Not awaited: a caller inside a transaction would wait on a pass that waits on that transaction.
    if (outcome.kind === 'started' || outcome.kind === 'moved_up') void this.scheduler.wake();
    return outcome;
  }

  /** The node's open incident: the one with a chain (active or acked) if any, so a node never gets two chains. */
  private async nodeIncident(node: string): Promise<Incident | undefined> {
    const open = await this.services.store.incidents.openOfNode(node);
    for (const i of open) if (await this.escalations.active(i.id)) return i;
    for (const i of open) if ((await this.escalations.latest(i.id))?.state.status === 'acked') return i;
    return open[0];
  }

  /** The highest level the escalation paged in its latest round. */
  private async highestPaged(escalation: EscalationRecord): Promise<number | null> {
    const rows = (await this.outbox.ofEscalation(escalation.id)).filter((r) => r.level !== null && r.round === escalation.state.round);
    return rows.length > 0 ? Math.max(...rows.map((r) => r.level!)) : null;
  }

  /** Runs inside `escalate`'s transaction. */
  private async moveUp(active: EscalationRecord, incident: Incident, request: EscalateRequest, now: number): Promise<EscalateOutcome> {
    const from = active.state.waitingLevel ?? (await this.highestPaged(active));
    // A double click, or a command typed as the page went out, is the same request: it must not skip a level.
    if (request.level === undefined && from !== null) {
      const pagedAt = Math.max(0, ...(await this.outbox.ofLevel(active.id, from, active.state.round)).map((r) => r.createdAt));
      if (now - pagedAt < SAME_REQUEST_MS) return { kind: 'already_active', escalation: active, incident };
    }
    const level = request.level ?? (from !== null ? from + 1 : 0);
    if (level >= active.chain.levels.length) return { kind: 'at_last_level', escalation: active, incident };
    await this.services.store.incidents.addEvent(incident.id, 'escalated', new Date(now), request.by, {
      escalationId: active.id,
      trigger: request.trigger,
      reasons: request.reasons,
      level,
      levelName: active.chain.levels[level]!.name,
      further: true,
    });
    await this.engine.apply(active.id, { type: 'escalate_now', level }, now);
    return { kind: 'moved_up', escalation: (await this.escalations.get(active.id))!, incident, level, from };
  }

  /** Stops the incident's chain on behalf of `by` (a button or `/stemedb ack`), and tells the thread. */
  async acknowledge(incidentId: string, by: string): Promise<AckOutcome> {
    const { services } = this;
    const now = services.now();
    // One transaction from the look-up to the ack: a tick cannot page the next level in between.
    const { outcome, applied } = await services.store.withTx(async (tx): Promise<{ outcome: AckOutcome; applied: boolean }> => {
      const incident = await tx.incidents.get(incidentId);
      if (!incident) return { outcome: { kind: 'no_incident' }, applied: false };
      const active = await tx.escalations.active(incidentId);
      if (!active) {
        const latest = await tx.escalations.latest(incidentId);
        return { outcome: latest?.ackedBy ? { kind: 'already_acked', escalation: latest, incident } : { kind: 'not_escalating', incident }, applied: false };
      }
      const changed = await this.engine.apply(active.id, { type: 'ack', by }, now.getTime());
      const escalation = (await tx.escalations.get(active.id))!;
      await tx.audit.record(
        { actor: by, action: 'ack', node: incident.node, incidentId, outcome: changed ? 'succeeded' : 'already_acked', detail: { escalationId: active.id } },
        now,
      );
      return { outcome: { kind: changed ? 'acked' : 'already_acked', escalation, incident }, applied: true };
    });
    if (applied) void this.scheduler.wake();
    return outcome;
  }

  /**
   * Ends everything for an incident: marks it resolved (if still open), stops its chain, and sends PagerDuty
   * `resolve` (and webhooks `resolve`) for what was paged. Alert-thread code calls this on `resolved`.
   */
  async resolveIncident(incidentId: string, by: string): Promise<ResolveOutcome> {
    const { services } = this;
    const now = services.now();
    // One transaction: the incident resolved and every chain stopped, with no tick between them.
    const outcome = await services.store.withTx(async (tx): Promise<ResolveOutcome> => {
      const resolvedNow = await tx.incidents.resolve(incidentId, now, by);
      const escalations = await tx.escalations.ofIncident(incidentId);
      const wasActive = escalations.some((e) => e.state.status === 'active');
      // Every escalation of the incident, not just the last: an acked one may still have a PagerDuty incident open.
      for (const e of escalations) await this.engine.apply(e.id, { type: 'resolve', by }, now.getTime());
      let pagerdutyResolves = 0;
      for (const e of escalations)
        pagerdutyResolves += (await tx.outbox.ofEscalation(e.id)).filter(
          (r) => r.kind === 'pagerduty' && r.payload.kind === 'pagerduty' && r.payload.action === 'resolve',
        ).length;
      const incident = await tx.incidents.get(incidentId);
      if (resolvedNow || wasActive)
        await tx.audit.record(
          { actor: by, action: 'resolve', node: incident?.node ?? null, incidentId, outcome: 'succeeded', detail: { stoppedEscalation: wasActive } },
          now,
        );
      return { incident, resolvedNow, stoppedEscalation: wasActive, pagerdutyResolves };
    });
    void this.scheduler.wake();
    return outcome;
  }

  /** `services.afterDiagnosis`: remembers the diagnosis for packets, and escalates on the runbook's criteria. */
  async afterDiagnosis(result: DiagnosisResult, origin: { channelId?: string; userId?: string }): Promise<EscalateOutcome | undefined> {
    const { services } = this;
    await services.store.diagnoses.record(result.node, services.now(), result);
    for (const incident of await services.store.incidents.openOfNode(result.node)) {
      await services.store.withTx(async (tx) => {
        await tx.diagnoses.record(result.node, services.now(), result, incident.id);
        await tx.incidents.addEvent(incident.id, 'diagnosed', services.now(), origin.userId ?? 'bot', diagnosedDetail(result), `diagnosed:${result.startedAt}`);
      });
    }
    if (!result.verdict.escalate) return undefined;
    const outcome = await this.escalate({
      node: result.node,
      by: 'bot',
      trigger: origin.userId ? 'auto' : 'alert',
      reasons: result.verdict.escalateReasons,
      originChannel: origin.channelId,
      ...(origin.userId ? { diagnosedBy: origin.userId } : {}),
    });
    services.log.info(
      { node: result.node, outcome: outcome.kind, reasons: result.verdict.escalateReasons },
      'diagnosis meets the escalate-immediately criteria',
    );
    return outcome;
  }

  async summary(incidentId: string): Promise<EscalationSummary | undefined> {
    const latest = await this.escalations.latest(incidentId);
    if (!latest) return undefined;
    const started = (await this.services.store.incidents.events(incidentId)).find(
      (e) => e.kind === 'escalated' && e.detail.escalationId === latest.id && !e.detail.further,
    );
    const diagnosedBy = typeof started?.detail.diagnosedBy === 'string' ? started.detail.diagnosedBy : null;
    return summarizeEscalation(latest, await this.outbox.ofEscalation(latest.id), diagnosedBy);
  }

  /** Active escalations with their incidents (for `/stemedb ack` without an argument). */
  async activeIncidents(): Promise<Incident[]> {
    const incidents: Incident[] = [];
    for (const e of await this.escalations.listActive()) {
      const incident = await this.services.store.incidents.get(e.incidentId);
      if (incident) incidents.push(incident);
    }
    return incidents;
  }

  /** The chain check, without paging anyone. */
  checkChain(): Promise<ChainReport> {
    return checkChain(snapshotChain(this.services.config.escalation), {
      messenger: this.services.messenger,
      directory: this.delivery.directory,
      secret: this.services.secret,
    });
  }

  /** Start-up and daily (a periodic duty): posts to the alert channel only when a configured chain has a problem. */
  async postChainWarnings(): Promise<void> {
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
