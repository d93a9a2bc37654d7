import type { WebClient } from '@slack/web-api';
import type { Clock, TimerHandle } from '../ops/clock';
import type { Logger } from '../ops/logger';

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
}

/**
 * The one way the bot writes to Slack: a priority queue, paced per channel, that honours 429 Retry-After by
 * pausing (never dropping) and retries transient failures with backoff. Slack errors such as
 * `channel_not_found` reject the caller's promise at once.
 */
export class SlackQueue {
  private pending: Pending[] = [];
  private nextFreeAt = new Map<string, number>();
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
    while (this.inFlight < this.options.concurrency && now >= this.pausedUntil) {
      const job = this.nextRunnable(now);
      if (!job) break;
      this.pending.splice(this.pending.indexOf(job), 1);
      if (job.channel) this.nextFreeAt.set(job.channel, now + this.options.channelIntervalMs);
      this.inFlight++;
      void this.run(job).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
    this.armTimer(now);
  }

  private nextRunnable(now: number): Pending | undefined {
    let best: Pending | undefined;
    for (const job of this.pending) {
      if (job.channel && (this.nextFreeAt.get(job.channel) ?? 0) > now) continue;
      if (!best || RANK[job.priority] < RANK[best.priority] || (RANK[job.priority] === RANK[best.priority] && job.seq < best.seq)) best = job;
    }
    return best;
  }

  private armTimer(now: number): void {
    if (this.pending.length === 0 || this.closed || this.inFlight >= this.options.concurrency) return;
    let wakeAt = Infinity;
    for (const job of this.pending) wakeAt = Math.min(wakeAt, job.channel ? (this.nextFreeAt.get(job.channel) ?? now) : now);
    wakeAt = Math.max(wakeAt, this.pausedUntil);
    this.timer = this.options.clock.setTimeout(() => this.pump(), Math.max(1, wakeAt - now));
  }

  private async run(job: Pending): Promise<void> {
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
      if (job.channel) this.nextFreeAt.set(job.channel, until);
      else this.pausedUntil = until;
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
