import type { Logger } from '../ops/logger';
import { slackErrorOf } from '../slack/slack-queue';
import type { AlertJob, JobKind, JobQueue } from './alert-jobs';

export interface AlertWorkerOptions {
  jobs: JobQueue;
  handlers: Record<JobKind, (target: string) => Promise<void>>;
  log: Logger;
  now: () => Date;
  /** Diagnoses at once (each samples metrics and opens an SSH connection). */
  diagnoseConcurrency: number;
  /** Other jobs at once; Slack's queue paces and orders the calls they make. */
  concurrency: number;
  /** Attempts before a job is marked failed (transient errors back off up to a minute between tries). */
  maxAttempts: number;
  /** False while this replica must not work (its code is older than the database schema): passes claim nothing. */
  mayWork?: () => boolean;
}

/** Slack answers that no retry will change. */
const PERMANENT = new Set(['channel_not_found', 'not_in_channel', 'is_archived', 'invalid_auth', 'account_inactive', 'token_revoked', 'invalid_blocks', 'msg_blocks_too_long', 'message_not_found', 'cant_update_message']);
const MAX_BACKOFF_MS = 60_000;
const STOP_GRACE_MS = 5_000;

const keyOf = (job: Pick<AlertJob, 'kind' | 'target'>) => `${job.kind}:${job.target}`;

/**
 * Drains the durable alert work queue: never two jobs for the same target at once, at most
 * `diagnoseConcurrency` diagnoses, failed jobs retried with backoff. `start()` resumes what a stopped or
 * crashed process left.
 */
export class AlertWorker {
  private readonly running = new Map<string, { kind: JobKind; done: Promise<void> }>();
  private stopped = true;
  private scheduled = false;
  /** A pump is reading the queue: a kick meanwhile asks for one more pass (two passes never overlap). */
  private pumping = false;
  private pumpAgain = false;
  private pass: Promise<void> = Promise.resolve();
  private starting: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: AlertWorkerOptions) {}

  /** Resumes the work a dead process left (after `recover`, the store's own start-up reset), then drains the queue. */
  start(recover: () => Promise<void> = async () => undefined): Promise<void> {
    this.starting = (async () => {
      await recover();
      const resumed = await this.options.jobs.resetRunning();
      if (resumed > 0) this.options.log.info({ resumed }, 'resuming alert work interrupted by a restart');
      this.stopped = false;
      this.kick();
    })();
    return this.starting;
  }

  /** Looks for due work soon (after the current tick, so an HTTP reply goes out first). */
  kick(): void {
    if (this.stopped || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Resolves when nothing is running or pending (delayed jobs included); rejects after `timeoutMs`. For tests. */
  async idle(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await this.starting;
    for (;;) {
      const next = await this.options.jobs.nextRunAt();
      // Checked after the read: a pass that claimed the last pending job holds it in `running` or `pumping`.
      if (next === undefined && this.running.size === 0 && !this.scheduled && !this.pumping) return;
      if (Date.now() > deadline) throw new Error(`alert worker still busy after ${timeoutMs} ms (${this.running.size} running)`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    // A pass that was reading the queue starts what it claimed: wait for it, then for those jobs.
    await this.pass;
    const inFlight = [...this.running.values()].map((r) => r.done);
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(inFlight), new Promise((r) => (timeout = setTimeout(r, STOP_GRACE_MS)))]);
    clearTimeout(timeout);
  }

  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    this.pass = (async () => {
      try {
        do {
          this.pumpAgain = false;
          await this.pumpOnce();
        } while (this.pumpAgain && !this.stopped);
      } finally {
        this.pumping = false;
      }
    })();
  }

  /** One pass: claims what is due within the limits and starts it. Never throws. */
  private async pumpOnce(): Promise<void> {
    if (this.stopped || this.options.mayWork?.() === false) return;
    const { jobs, now, diagnoseConcurrency, concurrency } = this.options;
    try {
      const at = now();
      const busy = (job: Pick<AlertJob, 'kind' | 'target'>) => this.running.has(keyOf(job));
      const diagnosing = [...this.running.values()].filter((r) => r.kind === 'diagnose').length;
      const claimed = [
        ...(await jobs.claim(['diagnose'], at, diagnoseConcurrency - diagnosing, busy)),
        ...(await jobs.claim(['sync', 'summary', 'postmortem'], at, concurrency - (this.running.size - diagnosing), busy)),
      ];
      for (const job of claimed) this.run(job);
      await this.armTimer(at);
    } catch (err) {
      this.options.log.error({ err }, 'alert worker could not read its queue');
    }
  }

  private run(job: AlertJob): void {
    const done = this.options.handlers[job.kind](job.target)
      .then(
        () => this.options.jobs.complete(job.id),
        (err: unknown) => this.failed(job, err),
      )
      .catch((err: unknown) => this.options.log.warn({ err, job }, 'alert job bookkeeping failed (store closed?)'))
      .finally(() => {
        this.running.delete(keyOf(job));
        this.kick();
      });
    this.running.set(keyOf(job), { kind: job.kind, done });
  }

  private async failed(job: AlertJob, err: unknown): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    const slackError = slackErrorOf(err);
    if ((slackError && PERMANENT.has(slackError)) || job.attempts >= this.options.maxAttempts) {
      this.options.log.error({ err, job }, 'alert job failed for good');
      await this.options.jobs.fail(job.id, message);
      return;
    }
    const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (job.attempts - 1)) * (0.75 + Math.random() / 4);
    this.options.log.warn({ err: message, job, backoff: Math.round(backoff) }, 'alert job failed: retrying');
    await this.options.jobs.retry(job, new Date(this.options.now().getTime() + backoff), message);
  }

  private async armTimer(at: Date): Promise<void> {
    const next = await this.options.jobs.nextRunAt();
    clearTimeout(this.timer);
    if (this.stopped) return;
    if (!next) return;
    const until = next.getTime() - at.getTime();
    // Due work waiting for a running job on the same target: that job's completion kicks the pump.
    if (until <= 0 && this.running.size > 0) return;
    const wait = Math.min(MAX_BACKOFF_MS, Math.max(100, until));
    this.timer = setTimeout(() => this.kick(), wait);
    this.timer.unref?.();
  }
}
