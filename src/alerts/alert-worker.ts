import type { BotMetrics } from '../ops/bot-metrics';
import type { Logger } from '../ops/logger';
import type { Lease } from '../store/lease';
import { slackErrorOf } from '../slack/slack-queue';
import type { AlertJob, JobKind, JobQueue } from './alert-jobs';

export interface AlertWorkerOptions {
  jobs: JobQueue;
  /** `job.takeover`: the previous holder died mid-job, so the target's in-progress state is interrupted. */
  handlers: Record<JobKind, (target: string, job: AlertJob) => Promise<void>>;
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
  /**
   * This process's lease on the jobs it runs, extended every third of `ttlMs` while they run (and the queue
   * looked at as often, for jobs whose holder died). A restarted process resumes its predecessor's jobs once
   * their leases run out, so `ttlMs` is also how long a crash delays them.
   */
  lease: Lease;
  metrics: Pick<BotMetrics, 'leasesHeld' | 'jobsClaimed' | 'leaseTakeovers'>;
}

/** Slack answers that no retry will change. */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'invalid_blocks',
  'msg_blocks_too_long',
  'message_not_found',
  'cant_update_message',
]);
const MAX_BACKOFF_MS = 60_000;
const STOP_GRACE_MS = 5_000;

const keyOf = (job: Pick<AlertJob, 'kind' | 'target'>) => `${job.kind}:${job.target}`;

/**
 * Drains the durable alert work queue: never two jobs for the same target at once (in any process: a running
 * job's lease blocks its target), at most `diagnoseConcurrency` diagnoses, failed jobs retried with backoff.
 * Jobs a stopped or crashed process held are taken over once their leases run out.
 */
export class AlertWorker {
  private readonly running = new Map<string, { job: AlertJob; done: Promise<void> }>();
  /**
   * Jobs whose handler has returned and whose outcome is being recorded: the renewer leaves them alone, as a
   * completed job's row is gone and an extend finding nothing is not a lost lease.
   */
  private readonly settling = new Set<number>();
  /** Jobs found taken over while still in hand: said once, never renewed again (their outcome is dropped). */
  private readonly lost = new Set<number>();
  private stopped = true;
  private scheduled = false;
  /** A pump is reading the queue: a kick meanwhile asks for one more pass (two passes never overlap). */
  private pumping = false;
  private pumpAgain = false;
  private pass: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private renewer: NodeJS.Timeout | undefined;

  constructor(private readonly options: AlertWorkerOptions) {}

  /** Drains the queue, and every third of the lease extends the leases of running jobs and looks for work. */
  start(): Promise<void> {
    this.stopped = false;
    this.renewer = setInterval(
      () => {
        void this.renew();
        this.kick();
      },
      Math.max(10, Math.floor(this.options.lease.ttlMs / 3)),
    );
    this.renewer.unref?.();
    this.kick();
    return Promise.resolve();
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
    clearInterval(this.renewer);
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
    const { jobs, now, diagnoseConcurrency, concurrency, lease, metrics, log } = this.options;
    try {
      const at = now();
      const busy = (job: Pick<AlertJob, 'kind' | 'target'>) => this.running.has(keyOf(job));
      const diagnosing = [...this.running.values()].filter((r) => r.job.kind === 'diagnose').length;
      const claimed = [
        ...(await jobs.claim(['diagnose'], at, diagnoseConcurrency - diagnosing, lease, busy)),
        ...(await jobs.claim(['sync', 'summary', 'postmortem'], at, concurrency - (this.running.size - diagnosing), lease, busy)),
      ];
      for (const job of claimed) {
        metrics.jobsClaimed.inc({ kind: 'alert_job' });
        if (job.takeover) {
          metrics.leaseTakeovers.inc({ kind: 'alert_job' });
          log.warn({ job }, 'taking over an alert job whose holder stopped renewing its lease (died or stalled)');
        }
        this.run(job);
      }
      await this.armTimer(at);
    } catch (err) {
      this.options.log.error({ err }, 'alert worker could not read its queue');
    }
  }

  private run(job: AlertJob): void {
    const done = this.options.handlers[job.kind](job.target, job)
      .then(
        () => {
          this.settling.add(job.id);
          return this.options.jobs.complete(job);
        },
        (err: unknown) => {
          this.settling.add(job.id);
          return this.failed(job, err);
        },
      )
      .then((held) => {
        if (!held && !this.lost.has(job.id)) this.leaseLost(job);
      })
      .catch((err: unknown) => this.options.log.warn({ err, job }, 'alert job bookkeeping failed (store closed?)'))
      .finally(() => {
        this.settling.delete(job.id);
        this.lost.delete(job.id);
        this.running.delete(keyOf(job));
        this.options.metrics.leasesHeld.set({ kind: 'alert_job' }, this.running.size);
        this.kick();
      });
    this.running.set(keyOf(job), { job, done });
    this.options.metrics.leasesHeld.set({ kind: 'alert_job' }, this.running.size);
  }

  /** Extends the lease of every running job; never throws (it runs from a timer). */
  private async renew(): Promise<void> {
    const { jobs, now, lease, log } = this.options;
    for (const { job } of [...this.running.values()]) {
      if (this.settling.has(job.id) || this.lost.has(job.id)) continue;
      try {
        if (!(await jobs.extend(job, now(), lease.ttlMs)) && this.stillRunning(job)) {
          this.lost.add(job.id);
          this.leaseLost(job);
        }
      } catch (err) {
        log.warn({ err, job }, 'could not extend an alert job lease');
      }
    }
  }

  /** In hand and not yet finishing: only then does an extend that found nothing mean the lease was lost. */
  private stillRunning(job: AlertJob): boolean {
    return this.running.get(keyOf(job))?.job === job && !this.settling.has(job.id);
  }

  private leaseLost(job: AlertJob): void {
    this.options.log.warn({ job }, 'alert job lease lost: another process took the job over, its outcome here is dropped');
  }

  /** Records the failure; false when the lease was lost meanwhile. */
  private async failed(job: AlertJob, err: unknown): Promise<boolean> {
    const message = err instanceof Error ? err.message : String(err);
    const slackError = slackErrorOf(err);
    if ((slackError && PERMANENT.has(slackError)) || job.attempts >= this.options.maxAttempts) {
      this.options.log.error({ err, job }, 'alert job failed for good');
      return this.options.jobs.fail(job, message);
    }
    const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (job.attempts - 1)) * (0.75 + Math.random() / 4);
    this.options.log.warn({ err: message, job, backoff: Math.round(backoff) }, 'alert job failed: retrying');
    return this.options.jobs.retry(job, new Date(this.options.now().getTime() + backoff), message);
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
