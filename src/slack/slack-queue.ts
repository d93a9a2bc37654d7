import type { WebClient } from '@slack/web-api';
import type { Clock, TimerHandle } from '../ops/clock';
import type { Logger } from '../ops/logger';
import type { PaceClaim, SlackPace } from './slack-pace';

/**
 * How long a channel stays held in the shared pace for a call's answer beyond its interval, should the
 * answer never be released (the replica died mid-call). Slack answers in well under a second; a trip slower
 * than this may let another replica's call arrive closer than the pace.
 */
export const ANSWER_HOLD_MS = 2_000;

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
  /** Grants that came back after their hold ran out and were given up (one is; then a slow store is lived with). */
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
  pace?: SlackPace;
  /** How long a channel stays held beyond its interval for an answer that never comes (ANSWER_HOLD_MS). */
  answerHoldMs?: number;
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
      // Held until the call is answered (a channel) or has left (a method), or its claim was refused.
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

  /**
   * Puts a job back to wait `waitMs` on its key (a refused claim, a 429), keeping its place in the priority
   * order. A newer update of the same message queued meanwhile takes its place and its callers (only the
   * newest state is sent).
   */
  private requeue(job: Pending, waitMs: number): void {
    this.nextFreeAt.set(paceKeyOf(job), this.options.clock.now() + waitMs);
    if (this.closed) {
      job.waiters.forEach((w) => w.reject(new Error('the Slack queue was closed')));
      return;
    }
    const newer = job.coalesceKey ? this.pending.find((p) => p.coalesceKey === job.coalesceKey) : undefined;
    if (!newer) {
      this.pending.push(job);
      return;
    }
    newer.waiters.push(...job.waiters);
    newer.seq = Math.min(newer.seq, job.seq);
    if (RANK[job.priority] < RANK[newer.priority]) newer.priority = job.priority;
  }

  /**
   * Claims the job's key in the shared pace: undefined when the call may not leave now (it was put back),
   * else the token its answer releases the key with (none without a shared pace). A channel's key stays held
   * until that release, or for `answerHoldMs` beyond the interval, so a grant that reaches us late is still
   * ours unless it came back later than that (a process stopped or starved for seconds): then others may be
   * sending again, so it is released and claimed afresh, once; a second such grant is used (a store that is
   * that slow every time would otherwise hold the channel forever). A store that cannot answer leaves the
   * pacing to this process's memory rather than hold back pages.
   */
  private async claimed(job: Pending): Promise<{ token?: string } | undefined> {
    const pace = this.options.pace;
    if (!pace) return {};
    const key = paceKeyOf(job);
    const interval = this.intervalOf(job);
    const holdMs = interval > 0 ? (this.options.answerHoldMs ?? ANSWER_HOLD_MS) : 0;
    const asked = this.options.clock.now();
    let claim: PaceClaim;
    try {
      claim = await pace.claim(key, interval, { holdMs });
    } catch (err) {
      this.options.log.warn({ err, key }, 'Slack pace: could not claim a shared slot; pacing this process alone');
      return {};
    }
    if (!claim.granted) {
      this.requeue(job, claim.waitMs);
      return undefined;
    }
    const late = this.options.clock.now() - asked;
    if (interval > 0 && late >= interval + holdMs && job.lateClaims++ === 0) {
      this.options.log.warn({ key, lateMs: late }, 'Slack pace: a grant came back after its hold ran out; claiming again');
      await pace.release(key, claim.token, interval).catch(() => undefined); // the hold is over anyway
      this.requeue(job, 0);
      return undefined;
    }
    return { token: claim.token };
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
    const claim = await this.claimed(job);
    if (!claim) return;
    const key = paceKeyOf(job);
    const interval = this.intervalOf(job);
    if (interval === 0) {
      this.nextFreeAt.delete(key); // unpaced (a method's key): the next call may go alongside this one
      this.pump();
    }
    let answer: Record<string, unknown> | undefined;
    try {
      answer = (await this.client.apiCall(job.method, job.args)) as unknown as Record<string, unknown>;
    } catch (err) {
      if (this.handleFailure(job, err as SlackCallError) === 'held') return;
    }
    if (answer) job.waiters.forEach((w) => w.resolve(answer));
    if (interval > 0) await this.paceFromAnswer(key, interval, claim.token);
  }

  /**
   * Slack counts a channel's calls as they arrive, and a call has arrived at the latest when it is answered:
   * the channel's next call leaves no sooner than an interval after this answer, on every replica (the claim
   * held the key until now). Departures alone an interval apart can arrive closer (the failover bench saw 434
   * ms at a 500 ms pace: one call's trip slower than the next's on a busy host). The cost is one trip per call
   * on a busy channel, and one call in flight per channel, which also keeps a channel's messages in order.
   */
  private async paceFromAnswer(key: string, interval: number, token: string | undefined): Promise<void> {
    this.nextFreeAt.set(key, this.options.clock.now() + interval);
    if (!token || !this.options.pace) return;
    try {
      await this.options.pace.release(key, token, interval);
    } catch (err) {
      // The hold runs out by itself: the channel waits ANSWER_HOLD_MS longer, no call is lost.
      this.options.log.warn({ err, key }, 'Slack pace: could not release a channel after its answer');
    }
  }

  private handleFailure(job: Pending, err: SlackCallError): 'held' | 'answered' {
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
      return 'held';
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
      return 'answered';
    }
    job.waiters.forEach((w) => w.reject(err));
    return 'answered';
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
