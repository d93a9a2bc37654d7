import type { WebClient } from '@slack/web-api';
import type { Clock, TimerHandle } from '../ops/clock';
import type { Logger } from '../ops/logger';
import type { SlackPace } from './slack-pace';

/** Pages go out before status updates, and status before diagnosis details (SPEC 4.6). */
export type SlackPriority = 'page' | 'status' | 'detail';
const RANK: Record<SlackPriority, number> = { page: 0, status: 1, detail: 2 };

export type SlackMethod =
  | 'chat.postMessage'
  | 'chat.update'
  | 'chat.postEphemeral'
  | 'conversations.open'
  | 'conversations.history'
  | 'conversations.replies'
  | 'usergroups.users.list'
  | 'users.info'
  | 'views.open'
  | 'views.publish'
  | 'files.getUploadURLExternal'
  | 'files.completeUploadExternal';

export interface SlackJob {
  method: SlackMethod;
  args: Record<string, unknown>;
  priority: SlackPriority;
  /** Calls for the same channel are paced (Slack: about one message per second per channel). */
  channel?: string;
  /** Jobs with the same key replace each other while waiting: only the newest update of a message is sent. */
  coalesceKey?: string;
  /** Runs right before the call leaves (after the pace's wait); a rejection drops the call and rejects its callers. */
  beforeSend?: () => Promise<void>;
}

interface Pending extends SlackJob {
  seq: number;
  attempts: number;
  waiters: { resolve: (v: Record<string, unknown>) => void; reject: (e: unknown) => void }[];
}

export interface SlackQueueOptions {
  /** Minimum gap between two calls for one channel. */
  channelIntervalMs: number;
  /** Calls in flight at once, across channels. */
  concurrency: number;
  /** Retries for transport errors and 5xx (429 waits are not counted: they are Slack telling us when). */
  maxRetries: number;
  log: Logger;
  /** Pacing, 429 pauses and retry backoff run on this clock (systemClock; a fake clock in tests). */
  clock: Clock;
  onError?: (method: string, error: string) => void;
  /**
   * The app's shared pace (`store.slackPace` on PostgreSQL): each channel send first reserves its slot there,
   * and a channel's 429 pushes everyone's next slot. Unset, the queue's memory is the pace (one process).
   */
  pace?: Pick<SlackPace, 'reserve' | 'backOff'>;
}

/** A channel's shared slot: being asked for, or granted for `at` (this process's clock). */
type Reservation = { state: 'asking' } | { state: 'granted'; at: number };

/**
 * The one way the bot writes to Slack: a priority queue, paced per channel, that honours 429 Retry-After by
 * pausing (never dropping) and retries transient failures with backoff. Slack errors such as
 * `channel_not_found` reject the caller's promise at once.
 */
export class SlackQueue {
  private pending: Pending[] = [];
  private nextFreeAt = new Map<string, number>();
  private reservations = new Map<string, Reservation>();
  /** Channels held off by a 429 until then (shared pace: no slot is asked for before). */
  private heldUntil = new Map<string, number>();
  private pausedUntil = 0;
  private inFlight = 0;
  private seq = 0;
  private timer: TimerHandle | undefined;
  private closed = false;

  constructor(
    private readonly client: WebClient,
    private readonly options: SlackQueueOptions,
  ) {}

  /** Queues a call; resolves with Slack's answer when it was accepted. */
  send(job: SlackJob): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('the Slack queue is closed'));
      const existing = job.coalesceKey ? this.pending.find((p) => p.coalesceKey === job.coalesceKey) : undefined;
      if (existing) {
        existing.args = job.args;
        existing.waiters.push({ resolve, reject });
        if (RANK[job.priority] < RANK[existing.priority]) existing.priority = job.priority;
      } else {
        this.pending.push({ ...job, seq: this.seq++, attempts: 0, waiters: [{ resolve, reject }] });
      }
      this.pump();
    });
  }

  /** The Web API's base URL (an upload URL Slack hands out is checked against it). */
  get apiUrl(): string {
    return this.client.slackApiUrl;
  }

  /** Jobs waiting to be sent (for storm mode and tests). */
  size(): number {
    return this.pending.length;
  }

  /** Waits for everything queued to be sent or to fail. */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.inFlight > 0) await new Promise((r) => setTimeout(r, 20));
  }

  close(): void {
    this.closed = true;
    this.options.clock.clear(this.timer);
    for (const job of this.pending.splice(0)) job.waiters.forEach((w) => w.reject(new Error('the Slack queue was closed')));
  }

  private pump(): void {
    this.options.clock.clear(this.timer);
    this.timer = undefined;
    const now = this.options.clock.now();
    this.dropStaleSlots(now);
    while (this.inFlight < this.options.concurrency && now >= this.pausedUntil) {
      const job = this.nextRunnable(now);
      if (!job) break;
      this.pending.splice(this.pending.indexOf(job), 1);
      if (job.channel) {
        // With a shared pace the store's slots are the pace; memory paces alone without one, or when the store fails.
        this.nextFreeAt.set(job.channel, now + this.options.channelIntervalMs);
        this.reservations.delete(job.channel);
      }
      this.inFlight++;
      void this.run(job).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
    this.reserveSlots(now);
    this.armTimer(now);
  }

  /**
   * Shared pace: asks the store for the next slot of each channel that has work and is free here. The slot
   * only says WHEN the channel's next call may go; which call goes is still decided by priority at that time.
   */
  private reserveSlots(now: number): void {
    const pace = this.options.pace;
    // No slot is taken that could not be used at once: all calls in flight, it would go stale.
    if (!pace || this.closed || this.inFlight >= this.options.concurrency) return;
    for (const job of this.pending) {
      const channel = job.channel;
      // Asked right after the previous send: the store's slot already lies an interval after it.
      if (!channel || this.reservations.has(channel) || (this.heldUntil.get(channel) ?? 0) > now) continue;
      const asking: Reservation = { state: 'asking' };
      this.reservations.set(channel, asking);
      pace.reserve(channel, this.options.channelIntervalMs).then(
        (slot) => this.granted(channel, asking, this.options.clock.now() + slot.waitMs),
        (err: unknown) => {
          // The store is unreachable: pace from memory alone rather than hold back pages.
          this.options.log.warn({ err, channel }, 'Slack pace: could not reserve a shared slot; pacing this process alone');
          this.granted(channel, asking, Math.max(this.options.clock.now(), this.nextFreeAt.get(channel) ?? 0));
        },
      );
    }
  }

  private granted(channel: string, asking: Reservation, at: number): void {
    // A 429 in the meantime dropped this request: its slot predates the back-off.
    if (this.reservations.get(channel) !== asking || this.closed) return;
    this.reservations.set(channel, { state: 'granted', at });
    this.pump();
  }

  /**
   * A slot is another replica's neighbour: used much later than granted (all calls in flight, or the queue
   * waited on a 429) it would land next to the following slot, so it is given up and a fresh one asked for.
   */
  private dropStaleSlots(now: number): void {
    const grace = Math.max(1, this.options.channelIntervalMs / 4);
    for (const [channel, reservation] of this.reservations) {
      if (reservation.state === 'granted' && now >= reservation.at + grace) this.reservations.delete(channel);
    }
  }

  private channelFreeAt(channel: string, now: number): number {
    const held = this.heldUntil.get(channel) ?? 0;
    if (!this.options.pace) return Math.max(this.nextFreeAt.get(channel) ?? 0, held);
    const reservation = this.reservations.get(channel);
    if (reservation?.state === 'granted') return Math.max(held, reservation.at);
    // No slot yet: wake when the 429 hold ends (a slot is asked for then), else wait for the store's answer.
    return held > now ? held : Infinity;
  }

  private nextRunnable(now: number): Pending | undefined {
    let best: Pending | undefined;
    for (const job of this.pending) {
      if (job.channel && this.channelFreeAt(job.channel, now) > now) continue;
      if (!best || RANK[job.priority] < RANK[best.priority] || (RANK[job.priority] === RANK[best.priority] && job.seq < best.seq)) best = job;
    }
    return best;
  }

  private armTimer(now: number): void {
    if (this.pending.length === 0 || this.closed || this.inFlight >= this.options.concurrency) return;
    let wakeAt = Infinity;
    for (const job of this.pending) wakeAt = Math.min(wakeAt, job.channel ? this.channelFreeAt(job.channel, now) : now);
    if (wakeAt === Infinity) return; // every channel waits for its reservation
    wakeAt = Math.max(wakeAt, this.pausedUntil);
    this.timer = this.options.clock.setTimeout(() => this.pump(), Math.max(1, wakeAt - now));
  }

  private async run(job: Pending): Promise<void> {
    if (job.beforeSend) {
      try {
        await job.beforeSend();
      } catch (err) {
        job.waiters.forEach((w) => w.reject(err));
        return;
      }
    }
    try {
      const result = (await this.client.apiCall(job.method, job.args)) as unknown as Record<string, unknown>;
      job.waiters.forEach((w) => w.resolve(result));
    } catch (err) {
      this.handleFailure(job, err as SlackCallError);
    }
  }

  private handleFailure(job: Pending, err: SlackCallError): void {
    if (err.code === 'slack_webapi_rate_limited_error') {
      const waitMs = Math.max(1, err.retryAfter ?? 1) * 1000;
      this.options.log.warn({ method: job.method, channel: job.channel, waitMs }, 'Slack rate limit: pausing the queue');
      this.options.onError?.(job.method, 'ratelimited');
      const until = this.options.clock.now() + waitMs;
      if (job.channel) {
        this.heldUntil.set(job.channel, until);
        this.reservations.delete(job.channel);
        // Slack's limit is the app's: every replica holds this channel off, not only this one.
        this.options.pace
          ?.backOff(job.channel, { afterMs: waitMs })
          .catch((e: unknown) => this.options.log.warn({ err: e, channel: job.channel }, 'Slack pace: could not share a 429 back-off'));
      } else this.pausedUntil = until;
      this.pending.push(job);
      return;
    }
    const slackError = err.data?.error;
    this.options.onError?.(job.method, slackError ?? err.code ?? 'unknown');
    const transient = !slackError || ['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout'].includes(slackError);
    if (transient && job.attempts < this.options.maxRetries && !this.closed) {
      job.attempts++;
      const backoff = Math.min(30_000, 250 * 2 ** job.attempts) * (0.5 + Math.random() / 2);
      this.options.log.warn({ method: job.method, attempt: job.attempts, backoff, err: err.message }, 'Slack call failed: retrying');
      this.options.clock.setTimeout(() => {
        this.pending.push(job);
        this.pump();
      }, backoff);
      return;
    }
    job.waiters.forEach((w) => w.reject(err));
  }
}

interface SlackCallError extends Error {
  code?: string;
  retryAfter?: number;
  data?: { error?: string };
}

/** Slack's `error` string of a failed call, when it has one. */
export function slackErrorOf(err: unknown): string | undefined {
  return (err as SlackCallError | undefined)?.data?.error;
}
