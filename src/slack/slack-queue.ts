import type { WebClient } from '@slack/web-api';
import type { Clock, TimerHandle } from '../ops/clock';
import type { Logger } from '../ops/logger';
import type { PaceClaim, SlackPace } from './slack-pace';

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
  /** Grants of the shared pace that came back late and were given up (one is; then a slow store is lived with). */
  lateClaims: number;
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
   * The app's pace in the store (`store.slackPace`): every call claims its key there right before it leaves,
   * so the pace holds across replicas and restarts, and a 429's back-off reaches every replica. Unset, or
   * while the store fails, the queue's memory alone paces this process.
   */
  pace?: Pick<SlackPace, 'claim' | 'backOff'>;
}

/**
 * The store key a call is paced and backed off under: its channel (Slack's per-channel pace), else its method
 * (Slack rate-limits each Web API method per app: a 429 on `users.info` says nothing about `views.publish`).
 */
export function paceKeyOf(job: Pick<SlackJob, 'method' | 'channel'>): string {
  return job.channel ?? `app:${job.method}`;
}

/**
 * The one way the bot writes to Slack: a priority queue, paced per channel, that honours 429 Retry-After by
 * pausing that channel or method (never dropping) and retries transient failures with backoff. Slack errors
 * such as `channel_not_found` reject the caller's promise at once.
 */
export class SlackQueue {
  private pending: Pending[] = [];
  /** Per pace key: not before then in this process (its own pace, a refused claim's wait, or a 429). */
  private nextFreeAt = new Map<string, number>();
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
        this.pending.push({ ...job, seq: this.seq++, attempts: 0, lateClaims: 0, waiters: [{ resolve, reject }] });
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

  private intervalOf(job: Pending): number {
    return job.channel ? this.options.channelIntervalMs : 0;
  }

  private pump(): void {
    this.options.clock.clear(this.timer);
    this.timer = undefined;
    const now = this.options.clock.now();
    while (this.inFlight < this.options.concurrency) {
      const job = this.nextRunnable(now);
      if (!job) break;
      this.pending.splice(this.pending.indexOf(job), 1);
      // Held until the call has left (or its claim was refused): one call per key at a time from here.
      this.nextFreeAt.set(paceKeyOf(job), Infinity);
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
      if ((this.nextFreeAt.get(paceKeyOf(job)) ?? 0) > now) continue;
      if (!best || RANK[job.priority] < RANK[best.priority] || (RANK[job.priority] === RANK[best.priority] && job.seq < best.seq)) best = job;
    }
    return best;
  }

  private armTimer(now: number): void {
    if (this.pending.length === 0 || this.closed || this.inFlight >= this.options.concurrency) return;
    let wakeAt = Infinity;
    for (const job of this.pending) wakeAt = Math.min(wakeAt, this.nextFreeAt.get(paceKeyOf(job)) ?? now);
    if (wakeAt === Infinity) return; // every key has a call on its way out; its end pumps again
    this.timer = this.options.clock.setTimeout(() => this.pump(), Math.max(1, wakeAt - now));
  }

  /** Puts a job back to wait `waitMs` on its key (a refused claim), keeping its place in the priority order. */
  private requeue(job: Pending, waitMs: number): void {
    this.nextFreeAt.set(paceKeyOf(job), this.options.clock.now() + waitMs);
    this.pending.push(job);
  }

  /**
   * Claims the job's key in the shared pace: true when the call may leave now. A grant that reached us late
   * (a stalled process or a busy event loop: more than a quarter interval after we asked) is given up once,
   * since other replicas' next grants do not move with it, and claimed afresh; a second late grant is used (a
   * store that is slow to answer every time would otherwise hold the channel forever). A store that cannot
   * answer leaves the pacing to this process's memory rather than hold back pages.
   */
  private async claimed(job: Pending): Promise<boolean> {
    const pace = this.options.pace;
    if (!pace) return true;
    const key = paceKeyOf(job);
    const interval = this.intervalOf(job);
    const asked = this.options.clock.now();
    let claim: PaceClaim;
    try {
      claim = await pace.claim(key, interval);
    } catch (err) {
      this.options.log.warn({ err, key }, 'Slack pace: could not claim a shared slot; pacing this process alone');
      return true;
    }
    if (!claim.granted) {
      this.requeue(job, claim.waitMs);
      return false;
    }
    const late = this.options.clock.now() - asked;
    if (interval > 0 && late > interval / 4 && job.lateClaims++ === 0) {
      this.options.log.warn({ key, lateMs: late }, 'Slack pace: a grant came back late; claiming again');
      this.requeue(job, 0);
      return false;
    }
    return true;
  }

  private async run(job: Pending): Promise<void> {
    if (job.beforeSend) {
      try {
        await job.beforeSend();
      } catch (err) {
        this.nextFreeAt.delete(paceKeyOf(job));
        job.waiters.forEach((w) => w.reject(err));
        return;
      }
    }
    if (!(await this.claimed(job))) return;
    // This process's own pace: the next call on the key no sooner than an interval from now (a timer for it).
    this.nextFreeAt.set(paceKeyOf(job), this.options.clock.now() + this.intervalOf(job));
    this.pump();
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
      const key = paceKeyOf(job);
      this.options.log.warn({ method: job.method, key, waitMs }, 'Slack rate limit: holding the channel or method off');
      this.options.onError?.(job.method, 'ratelimited');
      // Slack's limit is the app's: every replica holds this key off, not only this one.
      this.options.pace
        ?.backOff(key, { afterMs: waitMs })
        .catch((e: unknown) => this.options.log.warn({ err: e, key }, 'Slack pace: could not share a 429 back-off'));
      this.requeue(job, waitMs);
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
