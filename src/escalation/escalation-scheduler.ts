import { AsyncResource } from 'node:async_hooks';
import type { Clock, TimerHandle } from '../ops/clock';
import type { Logger } from '../ops/logger';
import type { EscalationEngine, EscalationRepositories } from './escalation-engine';
import type { PageDelivery } from './page-delivery';

/** Timers cannot wait longer than about 24.8 days; the auditor covers anything further anyway. */
const MAX_TIMER_MS = 60 * 60_000;
const RECHECK_MS = 100;

export interface SchedulerDeps {
  engine: EscalationEngine;
  delivery: PageDelivery;
  store: Pick<EscalationRepositories, 'escalations' | 'outbox'>;
  now: () => number;
  /** Timers (systemClock in production, a fake clock in tests). */
  clock: Pick<Clock, 'setTimeout' | 'setInterval' | 'clear'>;
  log: Logger;
  /** The auditor's period: it finds due steps and pages whose timer was lost. */
  auditIntervalMs: number;
  /** False while this replica must not work (its code is older than the database schema): passes do nothing. */
  mayWork?: () => boolean;
}

/**
 * One timer, armed for the earliest due step or page in the store. Each wake runs every due step (in its
 * own transaction), starts every due delivery, then re-arms. At start-up it sends at once whatever fell due
 * while the bot was down. State lives in the store, so a lost timer costs at most one audit period; pages a
 * dead process was sending are taken over by the first pass after their lease runs out (the auditor's at the latest).
 */
export class EscalationScheduler {
  private timer: TimerHandle | undefined;
  private auditor: TimerHandle | undefined;
  private running = false;
  private again = false;
  private stopped = true;
  /** The pass under way, so `stop()` can wait for it before the store closes. */
  private pass: Promise<void> = Promise.resolve();
  /**
   * A pass runs in the context the scheduler was built in, never in a caller's: woken from inside someone's
   * transaction, its ticks wait for that transaction to end instead of joining it.
   */
  private readonly runPass = AsyncResource.bind(() => this.run());

  constructor(private readonly deps: SchedulerDeps) {}

  async start(): Promise<void> {
    this.stopped = false;
    this.auditor = this.deps.clock.setInterval(() => void this.wake(), this.deps.auditIntervalMs);
    await this.wake();
  }

  /**
   * Runs what is due now and re-arms; safe to call any time (calls during a pass fold into one more pass, and
   * resolve when it ends). Never rejects: it runs from timers, and a database error there must cost one pass,
   * not the process.
   */
  wake(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.pass;
    }
    this.running = true;
    this.pass = this.runPass();
    return this.pass;
  }

  private async run(): Promise<void> {
    try {
      do {
        this.again = false;
        if (this.deps.mayWork?.() === false) break;
        const now = this.deps.now();
        await this.deps.engine.tickDue(now);
        await this.deps.delivery.deliverDue(now);
      } while (this.again && !this.stopped);
    } catch (err) {
      this.deps.log.error({ err }, 'escalation scheduler pass failed; the auditor retries');
    } finally {
      this.running = false;
    }
    try {
      await this.arm();
    } catch (err) {
      this.deps.log.error({ err }, 'escalation scheduler could not arm its timer; the auditor retries');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.deps.clock.clear(this.timer);
    this.deps.clock.clear(this.auditor);
    await this.pass;
    await this.deps.delivery.stop(3_000);
  }

  private async arm(): Promise<void> {
    if (this.stopped) return;
    const step = await this.deps.store.escalations.nextDueAt();
    let page = await this.deps.store.outbox.nextAttemptAt();
    // Checked again: `stop()` may have cleared the timers while the reads ran.
    if (this.stopped) return;
    this.deps.clock.clear(this.timer);
    this.timer = undefined;
    const now = this.deps.now();
    // A page still due right after a pass waits for a free delivery slot (each completion wakes us):
    // look again shortly rather than spin. Steps keep their exact time.
    if (page !== null && page <= now) page = now + RECHECK_MS;
    const candidates = [step, page].filter((t): t is number => t !== null);
    if (candidates.length === 0) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, Math.min(...candidates) - now));
    this.timer = this.deps.clock.setTimeout(() => void this.wake(), delay);
  }
}
