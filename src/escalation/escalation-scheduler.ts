import type { Clock, TimerHandle } from '../ops/clock';
import type { Logger } from '../ops/logger';
import type { EscalationEngine } from './escalation-engine';
import type { EscalationStore } from './escalation-store';
import type { PageDelivery } from './page-delivery';
import type { PageOutbox } from './page-outbox';

/** Timers cannot wait longer than about 24.8 days; the auditor covers anything further anyway. */
const MAX_TIMER_MS = 60 * 60_000;
const RECHECK_MS = 100;

export interface SchedulerDeps {
  engine: EscalationEngine;
  delivery: PageDelivery;
  escalations: EscalationStore;
  outbox: PageOutbox;
  now: () => number;
  /** Timers (systemClock in production, a fake clock in tests). */
  clock: Pick<Clock, 'setTimeout' | 'setInterval' | 'clear'>;
  log: Logger;
  /** The auditor's period: it finds due steps and pages whose timer was lost. */
  auditIntervalMs: number;
}

/**
 * One timer, armed for the earliest due step or page in the store. Each wake runs every due step (in its
 * own transaction), starts every due delivery, then re-arms. At start-up it sends at once whatever fell due
 * while the bot was down. State lives in the store, so a lost timer costs at most one audit period.
 */
export class EscalationScheduler {
  private timer: TimerHandle | undefined;
  private auditor: TimerHandle | undefined;
  private running = false;
  private again = false;
  private stopped = true;

  constructor(private readonly deps: SchedulerDeps) {}

  start(): void {
    this.stopped = false;
    const recovered = this.deps.delivery.recoverInFlight(this.deps.now());
    if (recovered > 0) this.deps.log.warn({ recovered }, 'pages were in flight when the bot stopped: checking and resending');
    this.auditor = this.deps.clock.setInterval(() => this.wake(), this.deps.auditIntervalMs);
    this.wake();
  }

  /**
   * Runs what is due now and re-arms; safe to call any time (re-entrant calls fold into one more pass). Never
   * throws: it runs from timers, and a database error there must cost one pass, not the process.
   */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        const now = this.deps.now();
        this.deps.engine.tickDue(now);
        this.deps.delivery.deliverDue(now);
      } while (this.again && !this.stopped);
    } catch (err) {
      this.deps.log.error({ err }, 'escalation scheduler pass failed; the auditor retries');
    } finally {
      this.running = false;
    }
    try {
      this.arm();
    } catch (err) {
      this.deps.log.error({ err }, 'escalation scheduler could not arm its timer; the auditor retries');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.deps.clock.clear(this.timer);
    this.deps.clock.clear(this.auditor);
    await this.deps.delivery.stop(3_000);
  }

  private arm(): void {
    if (this.stopped) return;
    this.deps.clock.clear(this.timer);
    this.timer = undefined;
    const now = this.deps.now();
    const step = this.deps.escalations.nextDueAt();
    let page = this.deps.outbox.nextAttemptAt();
    // A page still due right after a pass waits for a free delivery slot (each completion wakes us):
    // look again shortly rather than spin. Steps keep their exact time.
    if (page !== null && page <= now) page = now + RECHECK_MS;
    const candidates = [step, page].filter((t): t is number => t !== null);
    if (candidates.length === 0) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, Math.min(...candidates) - now));
    this.timer = this.deps.clock.setTimeout(() => this.wake(), delay);
  }
}
