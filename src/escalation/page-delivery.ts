import { chartAfterPage } from '../charts/thread-charts';
import type { Services } from '../app/services';
import type { DeliveryResult } from '../pagers/delivery-result';
import { postOnce, threadMarker } from '../pagers/post-once';
import type { SlackDirectory } from '../pagers/slack-directory';
import type { Lease, LeaseToken } from '../store/lease';
import { slackUpdate } from '../pagers/slack-pager';
import type { UnitOfWork } from '../app/repositories';
import type { EscalationEngine, EscalationRepositories } from './escalation-engine';
import { escalationHeaderView, levelPostView, type TargetOutcome } from './escalation-views';
import { markerOf, type OutboxRow } from './outbox-rows';
import type { RetryPolicy } from './retry-policy';
import { recordDelivery, targetText } from './record-delivery';
import { sendOutboxRow, type Thread } from './send-outbox-row';

/**
 * Deliveries in flight per pool. Pages to people have their own pool, so a backlog of thread posts (Slack
 * paces a channel to about one message a second, and every incident thread lives in the alert channel)
 * never holds a page back.
 */
const MAX_IN_FLIGHT = { pages: 32, thread: 32 } as const;
type Pool = keyof typeof MAX_IN_FLIGHT;
const TRIGGER_WAIT_MS = 200;
const poolOf = (row: OutboxRow): Pool => (row.reachesHuman || row.kind === 'slack_group' ? 'pages' : 'thread');

export interface DeliveryDeps {
  services: Pick<Services, 'config' | 'log' | 'messenger' | 'now' | 'metrics' | 'secret' | 'charts'>;
  engine: EscalationEngine;
  store: EscalationRepositories & Pick<UnitOfWork, 'postClaims'>;
  retry: RetryPolicy;
  pagerdutyUrl: string;
  requestTimeoutMs: number;
  /**
   * This process's lease on the rows it sends, extended every third of `ttlMs` while a send runs. A row whose
   * sender died is taken over once the lease runs out (by the next delivery pass of any process).
   */
  lease: Lease;
  /** Called after each outcome is recorded (the scheduler re-arms). */
  onSettled: () => void;
}

/** A page's post dropped at the last moment: another process holds the row now and sends it. */
export class PageLeaseLostError extends Error {
  constructor(key: string) {
    super(`the lease of page ${key} was lost before it went out: another process sends it`);
    this.name = 'PageLeaseLostError';
  }
}

/**
 * Sends outbox rows: claims a row under a lease (pending -> sending, committed before anything leaves the
 * process), calls the pager, then records the outcome in one transaction fenced by the lease: sent, retry
 * later with backoff, or failed (a note in the thread, and the level may be given up on at once). Rows left
 * `sending` by a process that died are taken over once their lease runs out, by whichever process passes first.
 */
export class PageDelivery {
  directory: SlackDirectory | undefined;
  private readonly inFlight = new Map<number, Promise<void>>();
  /** Leases of the rows being sent, extended by `renewer`. */
  private readonly leases = new Map<number, LeaseToken>();
  private readonly renewer: NodeJS.Timeout;
  private readonly poolSize: Record<Pool, number> = { pages: 0, thread: 0 };
  private readonly threads = new Map<string, Promise<Thread | undefined>>();
  private stopped = false;

  constructor(private readonly deps: DeliveryDeps) {
    this.renewer = setInterval(() => void this.renew(), Math.max(10, Math.floor(deps.lease.ttlMs / 3)));
    this.renewer.unref?.();
  }

  /**
   * Starts delivering every due row not already in flight, and every row whose sender's lease ran out (it
   * died or stalled mid-send: the outcome is unknown, so the send checks Slack for it first or repeats it
   * with the same key).
   */
  async deliverDue(now: number): Promise<number> {
    if (this.stopped) return 0;
    let started = 0;
    const { outbox } = this.deps.store;
    const due = [...(await outbox.expired(now, 100)), ...(await outbox.due(now, 500))];
    if (this.stopped) return 0;
    for (const row of due) {
      const pool = poolOf(row);
      if (this.inFlight.has(row.id) || this.poolSize[pool] >= MAX_IN_FLIGHT[pool]) continue;
      this.poolSize[pool]++;
      const run = this.deliver(row).finally(() => {
        this.poolSize[pool]--;
        this.inFlight.delete(row.id);
      });
      this.inFlight.set(row.id, run);
      started++;
    }
    return started;
  }

  /** Stops starting deliveries and waits (up to `timeoutMs`) for those in flight to be recorded. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopped = true;
    clearInterval(this.renewer);
    await Promise.race([Promise.allSettled([...this.inFlight.values()]), new Promise((r) => setTimeout(r, timeoutMs).unref?.())]);
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const { services } = this.deps;
    const { outbox } = this.deps.store;
    if (await this.triggerInFlight(row)) {
      // PagerDuty must see the trigger before its acknowledge or resolve.
      await outbox.postpone(row.id, services.now().getTime() + TRIGGER_WAIT_MS, 'waiting for the trigger in flight');
      return;
    }
    const lease = await outbox.claim(row.id, services.now().getTime(), this.deps.lease);
    if (!lease) return;
    services.metrics.jobsClaimed.inc({ kind: 'outbox' });
    if (row.status === 'sending') {
      services.metrics.leaseTakeovers.inc({ kind: 'outbox' });
      services.log.warn(
        { key: row.key, attempts: row.attempts },
        'taking over a page whose sender stopped renewing its lease (died or stalled): checking and resending',
      );
    }
    this.leases.set(row.id, lease);
    services.metrics.leasesHeld.set({ kind: 'outbox' }, this.leases.size);
    try {
      await this.send(row, lease);
    } finally {
      this.leases.delete(row.id);
      services.metrics.leasesHeld.set({ kind: 'outbox' }, this.leases.size);
    }
  }

  /** Extends the lease of every row being sent; never throws (it runs from a timer). */
  private async renew(): Promise<void> {
    const { outbox } = this.deps.store;
    for (const [id, lease] of [...this.leases]) {
      try {
        const extended = await outbox.extend(id, lease, this.deps.services.now().getTime(), this.deps.lease.ttlMs);
        // Still ours to send: a row whose outcome is being recorded meanwhile has left the map. A lost row leaves
        // it too, so it is said once: its send may wait minutes in the channel's pace, to be dropped by the fence.
        if (!extended && this.leases.get(id) === lease) {
          this.leases.delete(id);
          this.deps.services.log.warn({ id, lease }, 'page lease lost: another process took the row over');
        }
      } catch (err) {
        this.deps.services.log.warn({ err, id }, 'could not extend a page lease');
      }
    }
  }

  /**
   * The fence right before a Slack post leaves: the row's lease is extended, or the post is dropped. Without
   * it, a sender stalled past its lease (SIGSTOP, a long GC pause) would wake and post a DM the process that
   * took the row over has already looked for in Slack, not found, and posted: a doubled page.
   */
  private async stillHeld(row: OutboxRow, lease: LeaseToken): Promise<void> {
    if (!(await this.deps.store.outbox.extend(row.id, lease, this.deps.services.now().getTime(), this.deps.lease.ttlMs))) throw new PageLeaseLostError(row.key);
  }

  private async send(row: OutboxRow, lease: LeaseToken): Promise<void> {
    const { services } = this.deps;
    const { incidents } = this.deps.store;
    let result: DeliveryResult;
    try {
      result = await sendOutboxRow(row, {
        services,
        directory: this.directory,
        pagerdutyUrl: this.deps.pagerdutyUrl,
        requestTimeoutMs: this.deps.requestTimeoutMs,
        thread: (r) => this.thread(r),
        knownThread: async (r) => {
          const incident = await incidents.get(r.incidentId);
          return incident?.channel && incident.threadTs ? { channel: incident.channel, ts: incident.threadTs } : undefined;
        },
        outcomes: (r) => this.outcomes(r),
        beforeSend: () => this.stillHeld(row, lease),
      });
    } catch (err) {
      services.log.error({ err, key: row.key }, 'sending a page threw');
      result = { ok: false, retryable: true, error: (err as Error).message ?? String(err) };
    }
    // Not renewed while its outcome is recorded: a row marked sent no longer matches its lease, and an extend
    // finding nothing then is not a lost lease (the recording is fenced by the lease itself).
    this.leases.delete(row.id);
    try {
      if (!(await recordDelivery(this.deps, row, lease, result, services.now().getTime()))) return;
    } catch (err) {
      // The store is closing (shutdown): the row stays `sending` and is taken over once its lease runs out.
      services.log.warn({ err, key: row.key }, 'could not record a page outcome');
      return;
    }
    if (row.level !== null)
      void this.refreshLevelPost(row).catch((err: unknown) => services.log.debug({ err, key: row.key }, 'refreshing the level post failed'));
    chartAfterPage(services, row, result);
    this.deps.onSettled();
  }

  private async triggerInFlight(row: OutboxRow): Promise<boolean> {
    if (row.payload.kind !== 'pagerduty' || row.payload.action === 'trigger') return false;
    return (await this.deps.store.outbox.ofEscalation(row.escalationId)).some(
      (r) => r.kind === 'pagerduty' && r.level !== null && r.target === row.target && r.status === 'sending',
    );
  }

  /** The incident's thread; an incident opened by escalation gets a header in the alert channel first. */
  private thread(row: OutboxRow): Promise<Thread | undefined> {
    return this.ensureThread(row.incidentId, (beforeSend) => this.postHeader(row, beforeSend));
  }

  /**
   * The incident's thread, posting it with `post` unless it exists or a post of it is under way (then that
   * one's result): the escalation header and an alert's header for one incident never both go out. Across
   * processes the post is claimed in the store (`thread:<incident>`): another replica's post is waited for,
   * and a claim taken over from a holder that died first looks for its header by the marker.
   */
  ensureThread(incidentId: string, post: (beforeSend: () => Promise<void>) => Promise<Thread | undefined>): Promise<Thread | undefined> {
    // The look-up joins the map too: a caller arriving while it is read shares it (and the post), never posts twice.
    let pending = this.threads.get(incidentId);
    if (!pending) {
      pending = this.existingThreadOr(incidentId, post).finally(() => this.threads.delete(incidentId));
      this.threads.set(incidentId, pending);
    }
    return pending;
  }

  private async existingThreadOr(incidentId: string, post: (beforeSend: () => Promise<void>) => Promise<Thread | undefined>): Promise<Thread | undefined> {
    const { services, store } = this.deps;
    const known = async () => {
      const incident = await store.incidents.get(incidentId);
      return incident?.channel && incident.threadTs ? { channel: incident.channel, ts: incident.threadTs } : undefined;
    };
    const first = await known();
    if (first) return first;
    const incident = await store.incidents.get(incidentId);
    const result = await postOnce(
      { claims: store.postClaims, lease: this.deps.lease, now: services.now, directory: this.directory },
      {
        key: `thread:${incidentId}`,
        // Both headers go to the alert channel; an escalation without one posts in its origin channel (not looked in).
        channel: services.config.slack.alertChannel,
        marker: threadMarker(incidentId),
        sinceMs: incident ? Date.parse(incident.openedAt) : 0,
        known,
        post,
      },
    );
    if (!result) return undefined;
    // Found rather than posted here (an earlier holder's post): the thread is recorded as the poster would have.
    if (result.adopted && !(await known())) await store.incidents.setThread(incidentId, result.message.channel, result.message.ts);
    return result.message;
  }

  private async postHeader(row: OutboxRow, beforeSend: () => Promise<void>): Promise<Thread | undefined> {
    const { services, store } = this.deps;
    const incident = await store.incidents.get(row.incidentId);
    const escalation = await store.escalations.get(row.escalationId);
    const channel = services.config.slack.alertChannel ?? escalation?.originChannel ?? undefined;
    if (!incident || !channel) return undefined;
    // An earlier holder's header (it died after posting) is looked for by ensureThread's claim.
    const marker = threadMarker(incident.id);
    const thread = await services.messenger.post(
      channel,
      escalationHeaderView({ incidentId: incident.id, node: incident.node, by: escalation?.startedBy ?? 'bot', reasons: escalation?.reasons ?? [], marker }),
      { priority: 'page', mentionsOk: false, beforeSend },
    );
    await store.incidents.setThread(incident.id, thread.channel, thread.ts);
    return { channel: thread.channel, ts: thread.ts };
  }

  private async outcomes(row: OutboxRow): Promise<TargetOutcome[]> {
    if (row.level === null || row.round === null) return [];
    return (await this.deps.store.outbox.ofLevel(row.escalationId, row.level, row.round))
      .filter(
        (r) =>
          r.reachesHuman ||
          (r.kind === 'slack_group' && (r.status === 'failed' || (r.status === 'sent' && ((r.result?.members as unknown[] | undefined)?.length ?? 0) === 0))),
      )
      .map((r) => ({
        label: targetText(r),
        status: r.kind === 'slack_group' && r.status === 'sent' ? 'failed' : r.status,
        at: r.sentAt,
        error: r.kind === 'slack_group' && r.status === 'sent' ? 'the group has no members' : r.lastError,
      }));
  }

  /**
   * Re-renders the level's post with how every page went, once they all have an outcome (best effort: the
   * thread is a view; the outbox is the record). One update per level keeps the alert channel's pace free.
   */
  private async refreshLevelPost(row: OutboxRow): Promise<void> {
    if (row.level === null || row.round === null) return;
    const rows = await this.deps.store.outbox.ofLevel(row.escalationId, row.level, row.round);
    if (rows.some((r) => (r.reachesHuman || r.kind === 'slack_group' || r.kind === 'slack_thread') && (r.status === 'pending' || r.status === 'sending')))
      return;
    const post = rows.find((r) => r.kind === 'slack_thread' && r.status === 'sent');
    const channel = post?.result?.channel;
    const ts = post?.result?.ts;
    if (!post || post.payload.kind !== 'slack_thread' || typeof channel !== 'string' || typeof ts !== 'string') return;
    const view = levelPostView(post.payload, await this.outcomes(post), { marker: markerOf(post.key), pagedAt: post.createdAt });
    const result = await slackUpdate(this.deps.services.messenger, channel, ts, view);
    if (!result.ok) this.deps.services.log.debug({ error: result.error }, 'refreshing the level post failed');
  }
}
