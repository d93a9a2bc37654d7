import type { PendingActionStore } from '../access/pending-actions';
import type { JobQueue } from '../alerts/alert-jobs';
import type { AlertStore } from '../alerts/alert-store';
import type { CompactionLockStore } from '../compaction/compaction-lock-store';
import type { DiagnosisStore } from '../diagnosis/diagnosis-store';
import type { EscalationStore } from '../escalation/escalation-store';
import type { PageOutbox } from '../escalation/page-outbox';
import type { IncidentStore } from '../incidents/incident-store';
import type { ReportStore } from '../reports/report-store';
import type { SlackPace } from '../slack/slack-pace';
import type { AuditLog } from '../store/audit-log';
import type { DeliveryDedupe } from '../store/delivery-dedupe';
import type { PostClaims } from '../store/post-claims';
import type { TimelineLog } from '../timeline/timeline-log';

/**
 * Every repository of the bot's store. Async, so the same flows run on the embedded SQLite store and on
 * PostgreSQL; each implementation passes the contract suite in test/store/contract/.
 */
export interface Repositories {
  incidents: IncidentStore;
  timeline: TimelineLog;
  audit: AuditLog;
  pendingActions: PendingActionStore;
  alerts: AlertStore;
  jobs: JobQueue;
  escalations: EscalationStore;
  /** Every node diagnosis, stored once, and the one each incident shows. */
  diagnoses: DiagnosisStore;
  outbox: PageOutbox;
  compactionLocks: CompactionLockStore;
  reports: ReportStore;
  /** Slack event/interaction ids and alert notifications already handled, by any replica. */
  deliveries: DeliveryDedupe;
  /** Send slots per Slack channel (and app-wide method tier), shared by every replica of the app. */
  slackPace: SlackPace;
  /** Thread-opening posts (headers, storm summaries) leased to one process, so they go out once. */
  postClaims: PostClaims;
}

/**
 * The repositories plus a unit of work. `withTx(async (tx) => ...)` commits everything `fn` wrote through
 * `tx` (or through the repositories themselves, inside `fn`) or nothing; nested calls are savepoints. Keep
 * network calls out of `fn`: on SQLite every other store call waits for the transaction to end.
 */
export interface UnitOfWork extends Repositories {
  withTx<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  /**
   * One trivial query, for /readyz: resolves when the store answers within `timeoutMs`, rejects with the reason
   * otherwise (database unreachable, or a transaction holding the SQLite connection that long).
   */
  ping(timeoutMs: number): Promise<void>;
}

/** Rejects when `work` has not settled after `ms` (the work itself is left to finish or fail on its own). */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    timer.unref?.();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
